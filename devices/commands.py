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
- ``failed``    the device refused (Modbus exception), could not be reached before the
                write, or (settled later) an unconfirmed write never showed up;
- ``unconfirmed`` the write went out but no answer came back (timeout, garbled answer,
                connection lost) and a re-read does not show the value yet: the
                controller may still apply it, so the operator is told not to send it
                again. The poller's readings settle it (``reconcile``): ``ok`` once the
                value shows up, ``failed`` if it has not within the confirmation window;
- ``rejected``  refused here; nothing was written.

A write whose answer was lost but whose value a re-read shows is ``ok``: the timeout
never makes an applied command look failed, so a retry cannot apply it twice.

Who may command: a Principal must be allowed to write the device's layer (operators
and admins, by the declarations); a plain actor string is trusted, for the local CLI.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pymodbus import FramerType
from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException
from sqlalchemy import Connection, Engine, text

from devices.datatypes import Reading
from devices.gatewaylink import lent_connection
from devices.interlocks import RuleViolation, check_rules, rules_for
from devices.modbustcp import exception_name
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


class CommandUnconfirmed(CommandFailed):
    """The write went out but its outcome is unknown yet: do not send it again."""


class WriteRefused(ModbusException):
    """The device answered the write with a Modbus exception: it certainly did not apply it."""


# How long the poller's readings may take to show an unconfirmed write before it is failed.
CONFIRM_WINDOW_S = 60.0
UNCONFIRMED_ADVICE = ("the controller may still apply it: do not send it again; the next polls will confirm "
                      "or refute it")


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
    device, point = _device_point(engine, layer, code, point_name)
    return device, point, check_write(point, value)  # type: ignore[arg-type]


def _device_point(engine: Engine, layer: str, code: str, point_name: str) -> tuple[DeviceRecord, Point]:
    """The active device and its map's point, or CommandRejected."""
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
    return device, point


def _read(client: ModbusTcpClient, point: Point, unit: int) -> float:
    response = getattr(client, _READ[point.function])(point.address, count=point.width, device_id=unit)
    if response.isError():
        raise ModbusException(f"read-back refused: {_exception(response)}")
    words = response.bits if point.function == "coil" else response.registers
    return decode(point, words[: point.width])


def _write(client: ModbusTcpClient, point: Point, words: list[int], unit: int) -> None:
    if point.function == "coil":
        response = client.write_coil(point.address, bool(words[0]), device_id=unit)
    else:
        response = client.write_registers(point.address, words, device_id=unit)
    if response.isError():
        raise WriteRefused(f"device refused the write: {_exception(response)}")


def _exception(response: object) -> str:
    code = getattr(response, "exception_code", None)
    return exception_name(code) if isinstance(code, int) else "exception ?"


def _same(point: Point, a: float, b: float) -> bool:
    # Integers scale exactly; float32 loses digits past ~7 significant ones.
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=abs(point.scale) / 2)


def send(engine: Engine, layer: str, device_code: str, point: str, value: float,
         actor: str | Principal, *, timeout_s: float = 2.0) -> CommandResult:
    """Write `value` to a device's point and verify it; CommandRejected when not allowed.

    Raises CommandRejected (audited, nothing written) for a refused command,
    CommandUnconfirmed (audited) when the write's outcome is not known yet, and
    CommandFailed (audited) when the device did not take it; returns the result otherwise.
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
    reg_map = load_maps()[device.model]
    try:
        # A gateway polled on one connection (an RTU converter, a Modbus TCP gateway): the poller
        # holds it and lends it (devices/gatewaylink.py); a second one would be refused or kick it off.
        link = lent_connection(engine, device.host, device.port)
        result, detail, previous, read_back = _exchange(device, p, words, float(value), timeout_s, reg_map.rules,
                                                        link)
    except CommandRejected as exc:  # a cross-point rule of the map: nothing was written
        _audit(engine, actor=who, model=device.model, value=None, result="rejected", detail=str(exc), **audit)
        raise
    audit_id = _audit(engine, actor=who, model=device.model, value=float(value), result=result, detail=detail,
                      previous=previous, read_back=read_back, **audit)
    outcome = CommandResult(audit_id, result, audit["device"], point, float(value), previous, read_back, detail)
    if result == "failed":
        raise CommandFailed(outcome)
    if result == "unconfirmed":
        raise CommandUnconfirmed(outcome)
    return outcome


def read_point(engine: Engine, layer: str, device_code: str, point: str, *, timeout_s: float = 2.0) -> float:
    """The value a device's point reads now (what a command would find as `previous`); nothing is written.

    CommandRejected for a device or point that cannot be commanded; ModbusException/OSError when the
    device does not answer.
    """
    device, p = _device_point(engine, layer, device_code, point)
    client = _connect(device, lent_connection(engine, device.host, device.port), timeout_s)
    try:
        return _read(client, p, device.unit)
    finally:
        client.close()


Link = tuple[str, int] | None


def _connect(device: DeviceRecord, link: Link, timeout_s: float) -> ModbusTcpClient:
    """A connected client: through the poller's lent connection when it lends one (a gateway that
    allows one connection), else straight to the device, framed as it speaks (TCP or RTU)."""
    if link is not None:
        client = ModbusTcpClient(link[0], port=link[1], timeout=timeout_s, retries=0)
        if client.connect():
            return client
        client.close()  # no poller lends it any more (stopped): the gateway is free
    framer = FramerType.RTU if device.transport == "rtu_over_tcp" else FramerType.SOCKET
    client = ModbusTcpClient(device.host, port=device.port, framer=framer, timeout=timeout_s, retries=0)
    if not client.connect():
        client.close()
        raise ConnectionError(f"cannot connect to {device.host}:{device.port}")
    return client


def _exchange(device: DeviceRecord, p: Point, words: list[int], number: float, timeout_s: float,
              rules: tuple = (), link: Link = None) -> tuple[str, str, float | None, float | None]:
    """Read, check the map's cross-point rules, write, read back: (result, detail, previous, read_back).

    CommandRejected (nothing written) when the write would break a rule.
    """
    previous = None
    client: ModbusTcpClient | None = None
    try:
        client = _connect(device, link, timeout_s)
        previous = _read(client, p, device.unit)
        _check_rules(client, device, p, number, rules)
        try:
            _write(client, p, words, device.unit)
        except WriteRefused as exc:
            return "failed", str(exc), previous, None
        except (ModbusException, OSError) as exc:
            # The request went out: the device may have applied it. Never call that failed.
            client.close()
            return _after_lost_answer(device, p, number, previous, timeout_s, exc, link)
        read_back = _read(client, p, device.unit)
    except (ModbusException, OSError) as exc:
        return "failed", str(exc), previous, None
    finally:
        if client is not None:
            client.close()
    if p.pulse:
        return "sent", "pulse point: the device acts and reads back 0", previous, read_back
    if _same(p, read_back, number):
        return "ok", "", previous, read_back
    return "mismatch", f"wrote {number:g}, read back {read_back:g}", previous, read_back


def _check_rules(client: ModbusTcpClient, device: DeviceRecord, p: Point, number: float, rules: tuple) -> None:
    """Read the points the map's rules on `p` involve and refuse a write that would break one."""
    applying = rules_for(rules, p.name)
    if not applying:
        return
    reg_map = load_maps()[device.model]
    names = set().union(*(r.involved for r in applying)) - {p.name}
    current = {n: _read(client, reg_map.point(n), device.unit) for n in sorted(names)}
    try:
        check_rules(tuple(applying), p.name, number, current)
    except RuleViolation as exc:
        raise CommandRejected(str(exc)) from None


def _after_lost_answer(device: DeviceRecord, p: Point, number: float, previous: float | None,
                       timeout_s: float, lost: Exception, link: Link = None,
                       ) -> tuple[str, str, float | None, float | None]:
    """Re-read on a fresh connection after a write whose answer never came: ok or unconfirmed."""
    client: ModbusTcpClient | None = None
    try:
        client = _connect(device, link, timeout_s)
        now = _read(client, p, device.unit)
    except (ModbusException, OSError) as exc:
        return "unconfirmed", f"no answer to the write ({lost}); re-read failed too ({exc}): " \
                              f"{UNCONFIRMED_ADVICE}", previous, None
    finally:
        if client is not None:
            client.close()
    if not p.pulse and _same(p, now, number):
        return "ok", f"no answer to the write ({lost}); a re-read shows {now:g}: applied", previous, now
    return "unconfirmed", f"no answer to the write ({lost}); a re-read still shows {now:g}: " \
                          f"{UNCONFIRMED_ADVICE}", previous, now


def reconcile(conn: Connection, readings: Sequence[Reading], now: float | None = None,
              window_s: float = CONFIRM_WINDOW_S) -> dict[int, str]:
    """Settle unconfirmed commands from the poller's readings: ok once seen, failed after the window.

    Returns {audit id: new result} for the commands settled.
    """
    devices = sorted({r.device_id for r in readings})
    if not devices:
        return {}
    rows = conn.execute(text("SELECT id, device_id, model, point, value, at FROM devices.commands "
                             "WHERE result = 'unconfirmed' AND device_id = ANY(:devices)"),
                        {"devices": devices}).all()
    maps, now = load_maps(), time.time() if now is None else now
    settled: dict[int, str] = {}
    for row in rows:
        p = maps[row.model].point(row.point)
        after = sorted((r for r in readings if r.device_id == row.device_id and r.time > row.at.timestamp()
                        and row.point in r.values), key=lambda r: r.time)
        seen = next((r for r in after if _same(p, r.values[row.point], row.value)), None)
        if seen is not None:
            settled[row.id] = _settle(conn, row.id, "ok", seen.values[row.point],
                                      f"confirmed by the poll at {_clock(seen.time)}: applied")
        elif after and after[-1].time - row.at.timestamp() > window_s:
            last = after[-1].values[row.point]
            settled[row.id] = _settle(conn, row.id, "failed", last,
                                      f"not applied: polls still show {last:g} {window_s:g} s later; safe to send again")
    return settled


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _settle(conn: Connection, audit_id: int, result: str, read_back: float, note: str) -> str:
    conn.execute(text("UPDATE devices.commands SET result = :result, read_back = :rb, settled_at = now(), "
                      "detail = left(detail || ' | ' || :note, 500) WHERE id = :id"),
                 {"result": result, "rb": read_back, "note": note, "id": audit_id})
    return result


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
