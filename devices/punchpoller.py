"""The punch poller: fetches each attendance machine's punch log, stores it, then acknowledges it.

For each machine whose model keeps a punch log (devices/punchlog.py), one round reads the
header and window in one request, stores the window's punches in one transaction, and only
after that commit writes the acknowledgement (the number of the last record stored), then
reads the next window until the log is empty (or `max_windows` were taken, so one busy
machine cannot hold a round). So:

- a poller that dies after storing and before acknowledging fetches the same window again
  after its restart; the store keys punches by (machine, PIN, time), so nothing is stored twice;
- while the database is down nothing is acknowledged: the records wait in the machines (a
  terminal keeps tens of thousands) and are stored when it answers again;
- an acknowledgement whose answer is lost is written again with the same number, which
  forgets nothing more.

It is its own process (`python -m devices punches --from-db`, started by `./medan run`), with
its own short Modbus connections: the telemetry poller's schedule (devices/poller.py) stays
as it is, and a log fetch of several windows never makes a neighbour's poll late.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.framer import FramerType
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from devices.punchlog import Punch, PunchLogLayout, decode_log, encode_ack, layout_of
from devices.punchstore import store_punches
from devices.registry import DeviceRecord, read_fleet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Machine:
    """An attendance machine the punch poller fetches from."""

    code: str
    host: str
    port: int
    unit: int
    layout: PunchLogLayout
    transport: str = "tcp"


@dataclass
class RoundReport:
    """What one round did: punches read, newly stored, records acknowledged, failures by machine."""

    machines: int = 0
    read: int = 0
    stored: int = 0
    acknowledged: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


class DatabaseDown(RuntimeError):
    """The store failed: nothing was acknowledged; the round stops (every machine would fail alike)."""


def machines_from(records: Sequence[DeviceRecord]) -> list[Machine]:
    """The devices among `records` whose model keeps a punch log."""
    layouts: dict[str, PunchLogLayout | None] = {}
    out = []
    for r in records:
        if r.model not in layouts:
            layouts[r.model] = layout_of(r.model)
        layout = layouts[r.model]
        if layout is not None:
            out.append(Machine(r.code, r.host, r.port, r.unit, layout, r.transport))
    return out


def _read_window(client: ModbusTcpClient, m: Machine) -> list[Punch]:
    response = client.read_input_registers(m.layout.read_start, count=m.layout.read_count, device_id=m.unit)
    if response.isError():
        raise ModbusException(f"exception {getattr(response, 'exception_code', '?')} reading the punch log")
    return decode_log(m.layout, response.registers)


def _acknowledge(client: ModbusTcpClient, m: Machine, seq: int) -> None:
    response = client.write_registers(m.layout.ack, encode_ack(seq), device_id=m.unit)
    if response.isError():
        raise ModbusException(f"exception {getattr(response, 'exception_code', '?')} acknowledging record {seq}")


Store = Callable[[str, Sequence[Punch]], int]


def database_store(engine: Engine) -> Store:
    """Store a window in its own transaction; DatabaseDown when the database refuses or is away."""

    def store(machine: str, punches: Sequence[Punch]) -> int:
        try:
            with engine.begin() as conn:
                return store_punches(conn, machine, punches)
        except (OperationalError, DBAPIError) as exc:
            raise DatabaseDown(str(exc).splitlines()[0]) from exc

    return store


def collect_machine(client: ModbusTcpClient, m: Machine, store: Store, report: RoundReport,
                    max_windows: int = 50) -> None:
    """Fetch, store and acknowledge windows of one machine until its log is empty."""
    for _ in range(max_windows):
        punches = _read_window(client, m)
        if not punches:
            return
        report.read += len(punches)
        report.stored += store(m.code, punches)  # DatabaseDown: not acknowledged, fetched again later
        _acknowledge(client, m, punches[-1].seq)
        report.acknowledged += len(punches)


def _client(m: Machine, timeout_s: float) -> ModbusTcpClient:
    framer = FramerType.RTU if m.transport == "rtu_over_tcp" else FramerType.SOCKET
    return ModbusTcpClient(m.host, port=m.port, framer=framer, timeout=timeout_s, retries=1)


def collect_round(machines: Sequence[Machine], store: Store, *, timeout_s: float = 1.0,
                  max_windows: int = 50) -> RoundReport:
    """One pass over the machines, one connection per gateway (host, port), machines in order."""
    report = RoundReport(machines=len(machines))
    started = time.monotonic()
    clients: dict[tuple[str, int], ModbusTcpClient] = {}
    try:
        for m in machines:
            client = clients.get((m.host, m.port))
            if client is None:
                client = clients[(m.host, m.port)] = _client(m, timeout_s)
            try:
                if not client.connected and not client.connect():
                    raise ConnectionError(f"cannot connect to {m.host}:{m.port}")
                collect_machine(client, m, store, report, max_windows)
            except DatabaseDown as exc:
                report.failures[m.code] = f"database: {exc}"
                log.warning("punches: database unavailable, nothing acknowledged: %s", exc)
                break
            except (ModbusException, ConnectionError, OSError, ValueError) as exc:
                report.failures[m.code] = str(exc)
                # A late answer may still come on this connection: the next machine gets a fresh one.
                clients.pop((m.host, m.port)).close()
    finally:
        for client in clients.values():
            client.close()
    report.seconds = time.monotonic() - started
    return report


def run(engine: Engine, *, every_s: float = 30.0, stop: threading.Event | None = None,
        machines: Callable[[], list[Machine]] | None = None, timeout_s: float = 1.0) -> None:
    """Rounds every `every_s` seconds until `stop` is set; the fleet is re-read each round."""
    stop = stop or threading.Event()
    store = database_store(engine)
    fleet = machines or (lambda: machines_from(read_fleet(engine)))
    current: list[Machine] = []
    while not stop.is_set():
        try:
            current = fleet()
        except (OperationalError, DBAPIError) as exc:  # keep the last fleet; the machines keep their logs
            log.warning("punches: cannot read the fleet (%s); using the last one", str(exc).splitlines()[0])
        report = collect_round(current, store, timeout_s=timeout_s)
        if report.stored or report.failures:
            log.info("punches: %d machines, %d read, %d new, %d acknowledged, %d failed in %.1f s",
                     report.machines, report.read, report.stored, report.acknowledged,
                     len(report.failures), report.seconds)
        stop.wait(every_s)
