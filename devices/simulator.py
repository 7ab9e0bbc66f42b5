"""A Modbus TCP simulator for the city's device fleet, with injectable faults.

One pymodbus TCP server listens per port; behind each port sit many devices, one per
unit id, like an RS-485 gateway. Values are computed from the device's behaviour when
read (devices/simbehaviour.py), so they evolve with the wall clock.

Faults are injected per unit, at start from the fleet file or at run time through the
Python API (`Simulator.set_fault`, `Simulator.clear_fault`, `Simulator.force`):

- ``timeout``      the unit never answers (the request is dropped);
- ``slow``         the unit answers after ``delay_s`` seconds;
- ``exception``    the unit answers with Modbus exception ``code`` (default 4, device failure);
- ``reboot``       the unit is silent for ``duration_s`` seconds, then answers with its
                   counters (uptime, energy, vehicle counts) reset to zero; one-shot;
- ``out_of_range`` the unit reports ``point`` (default: its first bounded read-only point)
                   far outside the range declared in its register map.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymodbus.constants import ExcCodes
from pymodbus.datastore import ModbusServerContext
from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusTcpServer

from devices.addressing import CCTV_PORT_BASE, MODBUS_UNITS_PER_PORT, modbus_port, modbus_unit
from devices.datatypes import DeviceConfig
from devices.punchlog import PunchLogLayout, decode_ack, encode_ack, encode_record, layout_of
from devices.registermap import Point, RegisterMap, decode, encode, load_maps
from devices.simbehaviour import BEHAVIOURS
from devices.simpunches import PunchBuffer
from devices.simserver import SafeModbusTcpServer

FAULT_KINDS = ("timeout", "slow", "exception", "reboot", "out_of_range")
_FC_TABLE = {1: "coil", 5: "coil", 15: "coil", 2: "discrete_input", 4: "input",
             3: "holding", 6: "holding", 16: "holding", 22: "holding", 23: "holding"}
_TYPE_LIMITS = {"uint16": (0, 0xFFFF), "int16": (-0x8000, 0x7FFF), "uint32": (0, 0xFFFFFFFF),
                "int32": (-0x80000000, 0x7FFFFFFF), "float32": (-3.4e38, 3.4e38), "bool": (0, 1)}


@dataclass(frozen=True)
class FleetEntry:
    """One simulated device: where it listens and what it is."""

    port: int
    unit: int
    model: str
    fault: dict[str, Any] | None = None


@dataclass
class Fault:
    """A fault injected into one unit."""

    kind: str
    delay_s: float = 2.0
    code: int = int(ExcCodes.DEVICE_FAILURE)
    point: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; use one of {FAULT_KINDS}")


class SimulatedDevice:
    """One unit: its state, its register tables and any fault it is suffering."""

    def __init__(self, reg_map: RegisterMap, seed: int, clock: Callable[[], float]) -> None:
        self.map = reg_map
        self.clock = clock
        self.rng = random.Random(seed)
        self.state: dict[str, float] = {}
        self.overrides: dict[str, float] = {}
        self.fault: Fault | None = None
        self.requests = 0
        now = clock()
        self.boot_time = now
        self.silent_from = self.silent_until = 0.0
        self._last_step = now
        self._init, self._step = BEHAVIOURS[reg_map.model]
        self._init(self.state, now, self.rng)
        self._tables: dict[str, list] = {}
        # An attendance machine's log of punches (devices/simpunches.py), served as its model declares.
        self.punch_layout: PunchLogLayout | None = layout_of(reg_map.model)
        self.punches = PunchBuffer(seed, now) if self.punch_layout else None

    # -- values ---------------------------------------------------------------------

    def _refresh(self, now: float) -> None:
        dt = now - self._last_step
        if dt >= 0.05 or not self._tables:
            self._step(self.state, now, min(max(dt, 0.0), 3600.0), self.rng)
            self._last_step = now
            if "uptime" in self.state or any(p.name == "uptime" for p in self.map.points):
                self.state["uptime"] = max(0, int(now - self.boot_time))
            if self.punches is not None:
                self.punches.advance(now)
                self._punch_state()
            self._tables = {}

    def _punch_state(self) -> None:
        assert self.punches is not None
        self.state.update(punch_pending=min(len(self.punches.records), 0xFFFF),
                          punch_first_seq=self.punches.first_seq, punch_dropped=self.punches.dropped)

    def value(self, name: str) -> float:
        """Current engineering value of a point, overrides included."""
        return self.overrides.get(name, self.state.get(name, 0))

    def _encode_point(self, p: Point) -> list:
        value = self.value(p.name)
        if self.fault and self.fault.kind == "out_of_range" and p.name == self._bad_point():
            value = self._out_of_range(p)
        if p.type == "bool":
            return [bool(value)]
        if p.type != "float32":
            lo, hi = _TYPE_LIMITS[p.type]
            raw = min(hi, max(lo, round(value / p.scale)))
            value = raw * p.scale
        try:
            return encode(p, value)
        except (ValueError, struct.error):
            return [0] * p.width

    def _table(self, function: str) -> list:
        table = self._tables.get(function)
        if table is None:
            size = self.map.table_size(function)
            table = [False] * size if function in ("coil", "discrete_input") else [0] * size
            for p in self.map.points:
                if p.function == function:
                    table[p.address : p.end] = self._encode_point(p)
            self._add_punch_log(function, table)
            self._tables[function] = table
        return table

    def _add_punch_log(self, function: str, table: list) -> None:
        """The punch window after the input points, the acknowledgement register in the holding table."""
        layout, buffer = self.punch_layout, self.punches
        if layout is None or buffer is None:
            return
        if function == "input":
            table.extend([0] * max(0, layout.window_end - len(table)))
            for i, punch in enumerate(buffer.window(layout.records)):
                start = layout.window + i * 5
                table[start : start + 5] = encode_record(punch)
        elif function == "holding":
            table.extend([0] * max(0, layout.ack + 2 - len(table)))
            table[layout.ack : layout.ack + 2] = encode_ack(buffer.first_seq - 1)

    def _acknowledge(self, words: Sequence) -> ExcCodes | None:
        """The poller stored the window up to this record: forget it. A number past the window is refused."""
        assert self.punches is not None and self.punch_layout is not None
        seq = decode_ack([int(w) for w in words])
        delivered = self.punches.window(self.punch_layout.records)
        if delivered and seq > delivered[-1].seq or not delivered and seq >= self.punches.next_seq:
            return ExcCodes.ILLEGAL_VALUE
        self.punches.acknowledge(seq)
        self._punch_state()
        self._tables = {}
        return None

    def _bad_point(self) -> str | None:
        if self.fault and self.fault.point:
            return self.fault.point
        bounded = [p for p in self.map.points if p.max is not None and not p.writable]
        return bounded[0].name if bounded else None

    @staticmethod
    def _out_of_range(p: Point) -> float:
        span = (p.max or 0) - (p.min or 0)
        return (p.max or 0) + max(span, 1.0) * 0.5

    # -- Modbus -----------------------------------------------------------------------

    async def _gate(self) -> ExcCodes | None:
        """Apply the unit's fault before serving a request."""
        self.requests += 1
        now = self.clock()
        if self.silent_from <= now < self.silent_until or (self.fault and self.fault.kind == "timeout"):
            # Dropping the request makes the server send nothing: a real timeout.
            raise NoSuchIdException("simulated: no answer")
        if self.fault and self.fault.kind == "slow":
            await asyncio.sleep(self.fault.delay_s)
        if self.fault and self.fault.kind == "exception":
            return ExcCodes(self.fault.code)
        return None

    async def read(self, func_code: int, address: int, count: int) -> list | ExcCodes:
        """Serve a read request (also the read-back after a write)."""
        if (exc := await self._gate()) is not None:
            return exc
        function = _FC_TABLE[func_code]
        self._refresh(self.clock())
        table = self._table(function)
        if address < 0 or address + count > len(table):
            return ExcCodes.ILLEGAL_ADDRESS
        return list(table[address : address + count])

    async def write(self, func_code: int, address: int, values: Sequence) -> ExcCodes | None:
        """Serve a write: the device itself refuses unknown addresses and bad values."""
        if (exc := await self._gate()) is not None:
            return exc
        function = _FC_TABLE[func_code]
        self._refresh(self.clock())
        if self.punch_layout and function == "holding" and address == self.punch_layout.ack and len(values) == 2:
            return self._acknowledge(values)
        table = list(self._table(function))
        if address < 0 or address + len(values) > len(table):
            return ExcCodes.ILLEGAL_ADDRESS
        table[address : address + len(values)] = list(values)
        touched = [p for p in self.map.points if p.function == function
                   and p.address < address + len(values) and p.end > address]
        if not touched or any(not p.writable for p in touched):
            return ExcCodes.ILLEGAL_ADDRESS
        new = {p.name: decode(p, table[p.address : p.end]) for p in touched}
        if any(not p.in_range(new[p.name]) for p in touched):
            return ExcCodes.ILLEGAL_VALUE
        for p in touched:
            self._apply_write(p, new[p.name])
        self._tables = {}
        return None

    def _apply_write(self, p: Point, value: float) -> None:
        if p.pulse:
            if p.name == "reboot":
                # Answer the write first; the reboot starts a moment later.
                self.reboot(duration_s=3.0, start_in=0.2)
            elif p.name == "sync_now":
                self.state["last_sync"] = int(self.clock())
            return
        self.state[p.name] = value

    def reboot(self, duration_s: float = 3.0, start_in: float = 0.0) -> None:
        """Go silent for a while and come back with counters at zero."""
        now = self.clock()
        self.silent_from = now + start_in
        self.silent_until = self.silent_from + duration_s
        self.boot_time = self.silent_until
        for p in self.map.points:
            if p.counter:
                self.state[p.name] = 0
        self._tables = {}


class FleetContext(ModbusServerContext):
    """The devices behind one port, as pymodbus' server datastore.

    pymodbus 3.16 hands a ModbusServerContext marked ``old_simulator`` straight to the
    request handler (server/base.py), so these two coroutines are the whole contract;
    its own experimental SimDevice mis-addresses bits in separate tables.
    """

    def __init__(self, devices: dict[int, SimulatedDevice]) -> None:  # no super(): it warns
        self.devices = devices
        self.old_simulator = True
        self.simdevices = []

    def _device(self, unit: int) -> SimulatedDevice | None:
        return self.devices.get(unit)

    async def async_getValues(self, device_id: int, func_code: int, address: int,
                              count: int = 1) -> list | ExcCodes:
        dev = self._device(device_id)
        if dev is None:
            return ExcCodes.GATEWAY_NO_RESPONSE
        return await dev.read(func_code, address, count)

    async def async_setValues(self, device_id: int, func_code: int, address: int,
                              values: Sequence) -> ExcCodes | None:
        dev = self._device(device_id)
        if dev is None:
            return ExcCodes.GATEWAY_NO_RESPONSE
        return await dev.write(func_code, address, values)

    def device_ids(self) -> list[int]:
        return list(self.devices)


@dataclass
class Simulator:
    """The whole simulated fleet in one asyncio loop: one TCP server per port."""

    entries: Sequence[FleetEntry]
    host: str = "127.0.0.1"
    clock: Callable[[], float] = time.time
    maps: dict[str, RegisterMap] = field(default_factory=load_maps)
    servers: list[ModbusTcpServer] = field(default_factory=list, init=False)
    devices: dict[tuple[int, int], SimulatedDevice] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for e in self.entries:
            if e.model not in self.maps:
                raise ValueError(f"fleet entry {e.port}:{e.unit}: unknown model {e.model!r}")
            if (e.port, e.unit) in self.devices:
                raise ValueError(f"fleet entry {e.port}:{e.unit} listed twice")
            dev = SimulatedDevice(self.maps[e.model], seed=e.port * 1000 + e.unit, clock=self.clock)
            self.devices[(e.port, e.unit)] = dev
            if e.fault:
                self.set_fault(e.port, e.unit, **e.fault)

    @property
    def ports(self) -> list[int]:
        """Ports the simulator listens on."""
        return sorted({port for port, _ in self.devices})

    async def start(self) -> None:
        """Listen on every port; returns once all servers accept connections."""
        for port in self.ports:
            units = {u: d for (p, u), d in self.devices.items() if p == port}
            server = SafeModbusTcpServer(FleetContext(units), address=(self.host, port),
                                         ignore_missing_devices=True)
            await server.serve_forever(background=True)
            self.servers.append(server)

    async def stop(self) -> None:
        """Close every server and its client connections."""
        for server in self.servers:
            await server.shutdown()
        self.servers.clear()

    def device(self, port: int, unit: int) -> SimulatedDevice:
        """The simulated device at port/unit."""
        return self.devices[(port, unit)]

    def set_fault(self, port: int, unit: int, kind: str, **params: Any) -> None:
        """Inject a fault (see module docstring); ``reboot`` takes ``duration_s``."""
        dev = self.device(port, unit)
        if kind == "reboot":
            dev.reboot(duration_s=float(params.get("duration_s", 3.0)))
            return
        dev.fault = Fault(kind, **params)
        dev._tables = {}

    def clear_fault(self, port: int, unit: int) -> None:
        """Back to healthy."""
        dev = self.device(port, unit)
        dev.fault = None
        dev.silent_from = dev.silent_until = 0.0
        dev._tables = {}

    def enrol(self, port: int, unit: int, pins: Iterable[int]) -> None:
        """The staff PINs an attendance machine knows (whose punches it makes up)."""
        dev = self.device(port, unit)
        if dev.punches is None:
            raise ValueError(f"{port}:{unit} is a {dev.map.model}, which keeps no punch log")
        dev.punches.enrol(pins)
        dev.state["users_enrolled"] = len(dev.punches.pins)
        dev._tables = {}

    def force(self, port: int, unit: int, point: str, value: float | None) -> None:
        """Pin a point to a value (e.g. tamper alarm on); None releases it."""
        dev = self.device(port, unit)
        dev.map.point(point)  # KeyError for a name the model does not have
        if value is None:
            dev.overrides.pop(point, None)
        else:
            dev.overrides[point] = value
        dev._tables = {}


def load_fleet(path: Path | str) -> list[FleetEntry]:
    """Fleet from JSON (list of {port, unit, model, fault?}) or CSV (port,unit,model[,fault])."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            rows: list[dict[str, Any]] = list(csv.DictReader(fh))
        for row in rows:
            row["fault"] = {"kind": row["fault"]} if row.get("fault") else None
    else:
        rows = json.loads(path.read_text(encoding="utf-8"))
    return [FleetEntry(int(r["port"]), int(r["unit"]), str(r["model"]), r.get("fault"))
            for r in rows]


def standard_fleet(cctv: int = 0, atcs: int = 0, lights: int = 0,
                   base_port: int = CCTV_PORT_BASE) -> list[FleetEntry]:
    """The port/unit plan devices/addressing.py gives the demo city.

    CCTV on base_port, ATCS on base_port+1, street lights from base_port+2 with 247
    units per port (the Modbus unit-id ceiling).
    """
    fleet = [FleetEntry(base_port, modbus_unit(i), "cctv_ipcam_v1")
             for i in range(min(cctv, MODBUS_UNITS_PER_PORT))]
    fleet += [FleetEntry(base_port + 1, modbus_unit(i), "atcs_controller_v1")
              for i in range(min(atcs, MODBUS_UNITS_PER_PORT))]
    fleet += [FleetEntry(modbus_port(base_port + 2, i), modbus_unit(i), "lpju_solar_v1")
              for i in range(lights)]
    return fleet


def fleet_from_specs(specs: Iterable[str]) -> list[FleetEntry]:
    """Entries from CLI strings PORT:UNIT:MODEL[:FAULT]."""
    fleet = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) not in (3, 4):
            raise ValueError(f"device spec {spec!r}: use PORT:UNIT:MODEL[:FAULT]")
        fault = {"kind": parts[3]} if len(parts) == 4 else None
        fleet.append(FleetEntry(int(parts[0]), int(parts[1]), parts[2], fault))
    return fleet


def devices_from_fleet(fleet: Sequence[FleetEntry], host: str = "127.0.0.1",
                       interval_s: float = 1.0) -> list[DeviceConfig]:
    """Poller configs for a simulator fleet (ids are host:port/unit)."""
    return [DeviceConfig(f"{host}:{e.port}/{e.unit}", e.model, host, e.port, e.unit, interval_s)
            for e in fleet]
