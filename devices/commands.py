"""Operator commands: bounds-checked writes to a device, verified by reading back, audited.

``send`` refuses (CommandRejected) anything the register map does not allow before a
byte goes on the wire: an unknown or retired device, an unknown or read-only point, a
value outside the allowed list or min/max. Every attempt, refused or not, leaves one
row in devices.commands: who, when, which device and point, what was asked, the value
before, the value read back, and the result:

- ``ok``        written and read back equal;
- ``sent``      a pulse point (reboot, sync now) accepted the write; it reads back 0
                by design, so there is nothing to verify;
- ``mismatch``  the device accepted the write but reads back something else;
- ``failed``    the device refused (Modbus exception) or did not answer;
- ``rejected``  refused here; nothing was written.

Who may command: a Principal must be allowed to write the device's layer (operators
and admins, by the declarations); a plain actor string is trusted, for the local CLI.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException
from sqlalchemy import Engine, text

from devices.registermap import CommandRejected, Point, check_write, decode, load_maps
from devices.registry import ACTIVE_STATUS, DeviceRecord, device_id, find_device
from layers.access import Principal, can_write
from layers.registry import get_registry

_READ = {"coil": "read_coils", "holding": "read_holding_registers"}


@dataclass(frozen=True)
class CommandResult:
    """What happened to one command (the audit row's content)."""

    audit_id: int
    result: str
    device_id: str
    point: str
    value: float | None
    previous: float | None = None
    read_back: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.result in ("ok", "sent")


class CommandFailed(RuntimeError):
    """The device did not take the command; carries the audited result."""

    def __init__(self, result: CommandResult) -> None:
        super().__init__(f"{result.device_id} {result.point}: {result.result} ({result.detail})")
        self.result = result


def _audit(engine: Engine, *, actor: str, device: str, layer: str, code: str, model: str | None,
           point: str, requested: object, value: float | None, result: str, detail: str = "",
           previous: float | None = None, read_back: float | None = None, started: float) -> int:
    with engine.begin() as conn:
        return conn.execute(text(
            "INSERT INTO devices.commands (actor, device_id, layer, code, model, point, requested, value, "
            "previous, read_back, result, detail, duration_ms) VALUES (:actor, :device, :layer, :code, "
            ":model, :point, :requested, :value, :previous, :read_back, :result, :detail, :ms) RETURNING id"),
            {"actor": actor, "device": device, "layer": layer, "code": code, "model": model,
             "point": point, "requested": str(requested), "value": value, "previous": previous,
             "read_back": read_back, "result": result, "detail": detail[:500],
             "ms": (time.monotonic() - started) * 1000}).scalar_one()


def _who(actor: str | Principal, layer: str) -> str:
    if isinstance(actor, Principal):
        if not can_write(get_registry().get(layer), actor):
            raise CommandRejected(f"{actor.actor} may not command devices of {layer} (operators only)")
        return actor.actor
    if not actor:
        raise CommandRejected("a command needs the operator's name")
    return actor


def _validate(engine: Engine, layer: str, code: str, point_name: str,
              value: object) -> tuple[DeviceRecord, Point, list[int]]:
    try:
        device = find_device(engine, layer, code)
    except KeyError as exc:
        raise CommandRejected(str(exc).strip("'\"")) from None
    if device.status != ACTIVE_STATUS:
        raise CommandRejected(f"device {code} is {device.status}, not {ACTIVE_STATUS}")
    reg_map = load_maps().get(device.model)
    if reg_map is None:
        raise CommandRejected(f"no register map for model {device.model}")
    try:
        point = reg_map.point(point_name)
    except KeyError:
        raise CommandRejected(f"model {device.model} has no point {point_name!r}") from None
    return device, point, check_write(point, value)  # type: ignore[arg-type]


def _read(client: ModbusTcpClient, point: Point, unit: int) -> float:
    response = getattr(client, _READ[point.function])(point.address, count=point.width, device_id=unit)
    if response.isError():
        raise ModbusException(f"read-back refused: exception {getattr(response, 'exception_code', '?')}")
    words = response.bits if point.function == "coil" else response.registers
    return decode(point, words[: point.width])


def _write(client: ModbusTcpClient, point: Point, words: list[int], unit: int) -> None:
    if point.function == "coil":
        response = client.write_coil(point.address, bool(words[0]), device_id=unit)
    else:
        response = client.write_registers(point.address, words, device_id=unit)
    if response.isError():
        raise ModbusException(f"device refused the write: exception {getattr(response, 'exception_code', '?')}")


def _same(point: Point, a: float, b: float) -> bool:
    # Integers scale exactly; float32 loses digits past ~7 significant ones.
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=abs(point.scale) / 2)


def send(engine: Engine, layer: str, device_code: str, point: str, value: float,
         actor: str | Principal, *, timeout_s: float = 2.0) -> CommandResult:
    """Write `value` to a device's point and verify it; CommandRejected when not allowed.

    Raises CommandRejected (audited, nothing written) for a refused command and
    CommandFailed (audited) when the device did not take it; returns the result
    otherwise.
    """
    started = time.monotonic()
    audit = {"device": device_id(layer, device_code), "layer": layer, "code": device_code,
             "point": point, "requested": value, "started": started}
    try:
        who = _who(actor, layer)
    except CommandRejected as exc:
        name = actor.actor if isinstance(actor, Principal) else (actor or "?")
        _audit(engine, actor=name, model=None, value=None, result="rejected", detail=str(exc), **audit)
        raise
    try:
        device, p, words = _validate(engine, layer, device_code, point, value)
    except CommandRejected as exc:
        _audit(engine, actor=who, model=None, value=None, result="rejected", detail=str(exc), **audit)
        raise
    number = float(value)
    client = ModbusTcpClient(device.host, port=device.port, timeout=timeout_s, retries=0)
    previous = read_back = None
    try:
        if not client.connect():
            raise ConnectionError(f"cannot connect to {device.host}:{device.port}")
        previous = _read(client, p, device.unit)
        _write(client, p, words, device.unit)
        read_back = _read(client, p, device.unit)
    except (ModbusException, OSError) as exc:
        audit_id = _audit(engine, actor=who, model=device.model, value=number, result="failed",
                          detail=str(exc), previous=previous, read_back=read_back, **audit)
        raise CommandFailed(CommandResult(audit_id, "failed", audit["device"], point, number, previous,
                                          read_back, str(exc))) from exc
    finally:
        client.close()
    if p.pulse:
        result, detail = "sent", "pulse point: the device acts and reads back 0"
    elif _same(p, read_back, number):
        result, detail = "ok", ""
    else:
        result, detail = "mismatch", f"wrote {number:g}, read back {read_back:g}"
    audit_id = _audit(engine, actor=who, model=device.model, value=number, result=result, detail=detail,
                      previous=previous, read_back=read_back, **audit)
    return CommandResult(audit_id, result, audit["device"], point, number, previous, read_back, detail)


def command_log(engine: Engine, device: str | None = None, limit: int = 100) -> list[dict]:
    """The audit trail, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT * FROM devices.commands WHERE CAST(:device AS text) IS NULL OR device_id = :device "
            "ORDER BY id DESC LIMIT :limit"), {"device": device, "limit": limit}).mappings()
        return [dict(r) for r in rows]


def preview(engine: Engine, layer: str, device_code: str, point: str, value: float,
            actor: str | Principal) -> dict:
    """The confirmation step: what `send` would write, checked the same way, nothing written.

    Raises CommandRejected (not audited: nothing was attempted) for a command `send`
    would refuse.
    """
    _who(actor, layer)
    _device, p, _words = _validate(engine, layer, device_code, point, value)
    return {"device_id": device_id(layer, device_code), "point": p.name,
            "title": {"id": p.label("id"), "en": p.label("en")}, "value": float(value), "unit": p.unit,
            "allowed": list(p.allowed) if p.allowed is not None else None, "min": p.min, "max": p.max,
            "pulse": p.pulse}
