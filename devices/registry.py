"""The device registry: devices are features of the device layers, read through layers/.

A device layer is any declared layer whose properties include a model, a status and a
Modbus address (modbus_host, modbus_port, modbus_unit); the registry is looped over, so
adding a device layer means adding a declaration, never editing this module. Devices
are added, moved and retired with the core's write API, which keeps their history.

A device's id in telemetry, state and alarms is ``<layer>/<key>`` (e.g.
``street_lights/LPJU-0001``), so every row leads back to its feature.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from devices.datatypes import TRANSPORTS, DeviceConfig
from devices.faultlog import FaultLog
from devices.registermap import load_maps
from devices.simulator import FleetEntry
from layers import read_layer
from layers.model import LayerSpec
from layers.registry import Registry, get_registry
from layers.validate import in_networks

log = logging.getLogger(__name__)
DEVICE_PROPERTIES = frozenset({"model", "status", "modbus_host", "modbus_port", "modbus_unit"})
ACTIVE_STATUS = "aktif"
DEFAULT_INTERVAL_S = 10.0


@dataclass(frozen=True)
class DeviceRecord:
    """One device as its layer describes it, with where it stands."""

    layer: str
    code: str
    name: str
    model: str
    status: str
    host: str
    port: int
    unit: int
    interval_s: float
    lon: float
    lat: float
    # None: the poller's own (PollerConfig); else the device's property or its model's default.
    timeout_s: float | None = None
    retries: int | None = None
    transport: str = "tcp"  # or "rtu_over_tcp" (a serial-to-Ethernet converter in transparent mode)

    @property
    def device_id(self) -> str:
        return device_id(self.layer, self.code)

    def config(self) -> DeviceConfig:
        """What the poller needs."""
        return DeviceConfig(self.device_id, self.model, self.host, self.port, self.unit, self.interval_s,
                            timeout_s=self.timeout_s, retries=self.retries, transport=self.transport)


def device_id(layer: str, code: str) -> str:
    """The id telemetry, state and alarms use for a layer's device."""
    return f"{layer}/{code}"


def is_device_layer(spec: LayerSpec) -> bool:
    """Whether a declaration describes pollable devices (and has a key to name them by)."""
    return spec.key is not None and set(spec.property_names) >= DEVICE_PROPERTIES


def device_layers(registry: Registry | None = None) -> list[LayerSpec]:
    """Every declared device layer."""
    return [spec for spec in (registry or get_registry()) if is_device_layer(spec)]


def split_device_id(value: str) -> tuple[str, str] | None:
    """(layer, code) for an id of a device layer's feature; None for ad-hoc ids (host:port/unit)."""
    layer, sep, code = value.partition("/")
    registry = get_registry()
    if not sep or not code or layer not in registry or not is_device_layer(registry.get(layer)):
        return None
    return layer, code


def _setting(values: dict, prop: str, defaults: Mapping[str, float], key: str) -> float | None:
    """A polling setting: the device's own property, else its model's declared default, else None."""
    own = values.get(prop)
    if not _missing(own):
        return float(own)
    return None if defaults.get(key) is None else float(defaults[key])


def _records(spec: LayerSpec, frame) -> list[DeviceRecord]:  # noqa: ANN001 - a GeoDataFrame
    out = []
    maps = load_maps()
    name_col = "nama" if "nama" in frame.columns else spec.key
    for row, geom in zip(frame.itertuples(index=False), frame.geometry, strict=True):
        values = row._asdict()
        port, unit = values.get("modbus_port"), values.get("modbus_unit")
        if values.get("modbus_host") is None or _missing(port) or _missing(unit) or geom is None:
            continue  # not addressable: registered, but nothing to poll yet
        if not _allowed_address(spec, values):
            continue
        reg_map = maps.get(str(values["model"]))
        defaults = reg_map.polling if reg_map is not None else {}
        interval = _setting(values, "poll_interval_s", defaults, "interval_s")
        retries = _setting(values, "poll_retries", defaults, "retries")
        transport = values.get("modbus_transport")
        if not _missing(transport) and transport not in TRANSPORTS:  # written around the API
            log.warning("registry: %s/%s: unknown modbus_transport %r; not polled",
                        spec.id, values[spec.key], str(transport)[:40])
            continue
        out.append(DeviceRecord(
            layer=spec.id, code=str(values[spec.key]), name=str(values[name_col]),
            model=str(values["model"]), status=str(values["status"]), host=str(values["modbus_host"]),
            port=int(port), unit=int(unit),
            interval_s=DEFAULT_INTERVAL_S if interval is None else interval,
            lon=float(geom.x), lat=float(geom.y),
            timeout_s=_setting(values, "poll_timeout_s", defaults, "timeout_s"),
            retries=None if retries is None else int(retries),
            transport="tcp" if _missing(transport) else str(transport)))
    return out


def _allowed_address(spec: LayerSpec, values: dict) -> bool:
    """The declaration's networks hold on every path: a row written around the API is not polled."""
    networks = next((p.networks for p in spec.properties if p.name == "modbus_host"), None)
    if networks is None or in_networks(values["modbus_host"], networks):
        return True
    log.warning("registry: %s/%s: modbus_host %r is outside the allowed networks; not polled",
                spec.id, values[spec.key], str(values["modbus_host"])[:60])
    return False


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>"


def read_fleet(engine: Engine, *, active_only: bool = True,
               layers: Sequence[str] | None = None) -> list[DeviceRecord]:
    """Every addressable device of the device layers (status aktif only by default).

    Reads through layers.read_layer with the private Modbus properties: this is the
    poller's own read path, never exposed to a web caller.
    """
    records: list[DeviceRecord] = []
    for spec in device_layers():
        if layers is not None and spec.id not in layers:
            continue
        where = {"status": ACTIVE_STATUS} if active_only else None
        frame = read_layer(engine, spec.id, where=where, include_private=True)
        records.extend(_records(spec, frame))
    return records


def find_device(engine: Engine, layer: str, code: str) -> DeviceRecord:
    """One device by layer and code, whatever its status; KeyError when absent."""
    spec = get_registry().get(layer)
    if not is_device_layer(spec):
        raise KeyError(f"layer {layer} is not a device layer")
    frame = read_layer(engine, layer, where={spec.key: code}, include_private=True)
    found = _records(spec, frame)
    if not found:
        raise KeyError(f"no addressable device {code!r} in layer {layer}")
    return found[0]


def fleet_version(engine: Engine) -> dict[str, dict]:
    """Per device layer: feature count, latest change and sum of versions (changes on any write)."""
    from layers.versions import layer_versions

    return layer_versions(engine, [spec.id for spec in device_layers()])


async def follow_registry(engine: Engine, apply: Callable[[list[DeviceRecord]], None],
                          every_s: float = 10.0) -> None:
    """Keep a running poller in step with the device layers (added, moved, retired devices).

    Checks a cheap version of the device layers every `every_s` and, only when it
    moved, re-reads the fleet and hands it to `apply` (e.g. Poller.set_devices with
    the records' configs). Runs until cancelled; a failed check is logged and retried.
    """
    seen = await asyncio.to_thread(fleet_version, engine)
    faults = FaultLog(log, "registry: reloading the device fleet")
    while True:
        await asyncio.sleep(every_s)
        try:
            now = await asyncio.to_thread(fleet_version, engine)
            if now != seen:
                records = await asyncio.to_thread(read_fleet, engine)
                apply(records)
                seen = now
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a database outage: said once, and its end once
            faults.failed(exc, f"retrying every {every_s:g} s")
            continue
        faults.ok()


def is_loopback(host: str) -> bool:
    """Whether the simulator, which binds loopback only, can stand in for this host."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def simulator_fleet(records: Sequence[DeviceRecord]) -> list[FleetEntry]:
    """Simulator entries for the devices whose address is on this machine."""
    seen: set[tuple[int, int]] = set()
    fleet = []
    for r in records:
        if is_loopback(r.host) and (r.port, r.unit) not in seen:
            seen.add((r.port, r.unit))
            fleet.append(FleetEntry(r.port, r.unit, r.model))
    return fleet
