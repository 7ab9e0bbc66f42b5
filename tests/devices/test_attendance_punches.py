"""Attendance machines deliver punches through their register map: each punch stored exactly once.

A real simulator (pymodbus over TCP) keeps a punch log; the punch poller reads windows of it,
stores them in PostGIS and only then acknowledges them. A poller that dies between storing and
acknowledging, a database that is down, and an acknowledgement sent twice lose nothing and
store nothing twice.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pymodbus.client import ModbusTcpClient
from sqlalchemy import Engine, create_engine, text

from devices.punchlog import encode_ack, layout_of
from devices.punchpoller import (
    Machine,
    RoundReport,
    collect_machine,
    collect_round,
    database_store,
)
from devices.simpunches import BACKLOG_DAYS, day_punches, wib_day
from devices.simulator import FleetEntry, Simulator
from layers.db import sqlalchemy_url

# Monday 7 December 2026, 09:30 WIB: the morning's arrivals wait in the machine.
MORNING = datetime(2026, 12, 7, 2, 30, tzinfo=UTC).timestamp()
PINS = list(range(5001, 5031))  # thirty staff enrolled on the machine


def _port() -> int:
    """A free port of this worktree's range (26101-26199)."""
    for port in range(26110, 26199):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 26110-26199")


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def machine(simulator: Callable[..., Simulator]) -> tuple[Simulator, Machine, Clock]:
    port, clock = _port(), Clock(MORNING)
    sim = simulator([FleetEntry(port, 3, "attendance_v1")], clock=clock)
    sim.enrol(port, 3, PINS)
    layout = layout_of("attendance_v1")
    assert layout is not None
    return sim, Machine(f"TEST-{uuid.uuid4().hex[:8]}", "127.0.0.1", port, 3, layout), clock


def _expected(sim: Simulator, port: int, until: float) -> set[tuple[int, int, int]]:
    seed = sim.device(port, 3).punches.machine_seed
    return {(pin, t, d) for pin in PINS for day in range(wib_day(MORNING) - BACKLOG_DAYS, wib_day(until) + 1)
            for t, d in day_punches(seed, day, pin) if t <= until}


def _stored(engine: Engine, code: str) -> list[tuple[int, int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT pin, extract(epoch FROM punched_at)::bigint, direction "
                                 "FROM devices.attendance_punches WHERE machine = :m"), {"m": code}).all()
    return [tuple(r) for r in rows]


def _pending(client: ModbusTcpClient, unit: int) -> int:
    return client.read_input_registers(10, count=1, device_id=unit).registers[0]


class Killed(BaseException):
    """The poller process dies right after its store committed (before the acknowledgement)."""


def test_a_poller_killed_between_store_and_ack_stores_nothing_twice(engine: Engine, machine) -> None:  # noqa: ANN001
    sim, m, clock = machine
    real_store = database_store(engine)

    def store_then_die(code: str, punches) -> int:  # noqa: ANN001
        real_store(code, punches)
        raise Killed

    client = ModbusTcpClient(m.host, port=m.port, timeout=1)
    assert client.connect()
    before = _pending(client, m.unit)
    assert before > 8  # more than one window waits
    with pytest.raises(Killed):
        collect_machine(client, m, store_then_die, RoundReport())
    assert _pending(client, m.unit) == before  # stored, but not acknowledged: still in the machine
    client.close()

    report = collect_round([m], real_store)  # the restarted poller
    assert report.failures == {}
    assert report.read == before and report.stored == before - 8  # the first window was already stored
    stored = _stored(engine, m.code)
    assert len(stored) == len(set(stored)) == before
    assert set(stored) == _expected(sim, m.port, clock.t)

    clock.t += 8 * 3600  # the afternoon: everyone who came leaves (or forgets to)
    report = collect_round([m], real_store)
    assert set(_stored(engine, m.code)) == _expected(sim, m.port, clock.t)
    assert len(_stored(engine, m.code)) == len(_expected(sim, m.port, clock.t))
    assert report.stored == report.read > 0


def test_while_the_database_is_down_nothing_is_acknowledged(engine: Engine, machine) -> None:  # noqa: ANN001
    sim, m, clock = machine
    down = create_engine(sqlalchemy_url(f"postgresql://webgis@127.0.0.1:{_port()}/nowhere"))
    report = collect_round([m], database_store(down))
    assert m.code in report.failures and report.failures[m.code].startswith("database")
    assert report.acknowledged == 0 and report.read > 0
    assert sim.device(m.port, 3).punches.records  # every record still in the machine
    assert _stored(engine, m.code) == []

    report = collect_round([m], database_store(engine))  # the database is back
    assert report.failures == {} and report.acknowledged == report.read
    assert set(_stored(engine, m.code)) == _expected(sim, m.port, clock.t)
    assert not sim.device(m.port, 3).punches.records


def test_an_acknowledgement_repeated_forgets_nothing_more_and_one_past_the_window_is_refused(machine) -> None:  # noqa: ANN001
    sim, m, _ = machine
    client = ModbusTcpClient(m.host, port=m.port, timeout=1)
    assert client.connect()
    try:
        buffer = sim.device(m.port, 3).punches
        first = buffer.first_seq
        assert not client.write_registers(0, encode_ack(first + 1), device_id=m.unit).isError()
        left = len(buffer.records)
        assert not client.write_registers(0, encode_ack(first + 1), device_id=m.unit).isError()  # a retry
        assert len(buffer.records) == left
        refused = client.write_registers(0, encode_ack(first + 2 + m.layout.records), device_id=m.unit)
        assert refused.isError() and refused.exception_code == 3  # ILLEGAL DATA VALUE
        assert len(buffer.records) == left
        assert client.read_holding_registers(0, count=2, device_id=m.unit).registers == encode_ack(first + 1)
    finally:
        client.close()


def test_a_full_log_counts_what_it_dropped(machine) -> None:  # noqa: ANN001
    sim, m, clock = machine
    buffer = sim.device(m.port, 3).punches
    buffer.capacity = len(buffer.records) if buffer.records else 1
    clock.t += 8 * 3600
    client = ModbusTcpClient(m.host, port=m.port, timeout=1)
    assert client.connect()
    try:
        dropped = client.read_input_registers(13, count=2, device_id=m.unit).registers
        assert (dropped[0] << 16 | dropped[1]) > 0
    finally:
        client.close()


def test_weekend_has_no_punches_and_workdays_have_late_and_absent_staff() -> None:
    saturday = wib_day(datetime(2026, 12, 12, 3, 0, tzinfo=UTC).timestamp())
    assert all(day_punches(7, saturday, pin) == [] for pin in PINS)
    monday = wib_day(MORNING)
    days = [day_punches(7, monday + week * 7 + d, pin) for week in range(4) for d in range(5) for pin in PINS]
    arrivals = [p[0][0] for p in days if p]
    late = [t for t in arrivals if (t + 7 * 3600) % 86400 > 7.5 * 3600]
    assert 0 < len(days) - len(arrivals) < 0.15 * len(days)  # some absent, not many
    assert 0.05 * len(arrivals) < len(late) < 0.5 * len(arrivals)
    assert all(7 * 3600 <= (t + 7 * 3600) % 86400 <= 8.5 * 3600 + 60 for t in arrivals)


def test_processes_restarted_on_both_sides_store_every_punch_once(isolated_database_url: str) -> None:
    """`simulate --from-db` enrols each machine's office staff from SIMPEG; `punches once` (a new process
    each time) stores the machines' logs; a restarted simulator offers the same punches again (new
    sequence numbers): none is stored twice."""
    import os
    import subprocess
    import sys
    import time

    from config.settings import PROJECT_ROOT as ROOT_DIR
    from devices.registry import read_fleet
    from layers import engine_for, load_frame, read_layer
    from services.simpeg.seed import seed_staff

    engine = engine_for(isolated_database_url)
    seed_staff(engine)
    port = _port()
    frame = read_layer(engine, "attendance_machines", include_private=True)
    frame["status"] = "nonaktif"
    frame.loc[frame.index[:2], "status"] = "aktif"
    frame["modbus_port"] = port
    frame["modbus_unit"] = [min(i + 1, 247) for i in range(len(frame))]
    load_frame(engine, "attendance_machines", frame.reset_index(drop=True), actor="test:punches", mode="upsert")
    machines = {r.code for r in read_fleet(engine, layers=["attendance_machines"])}
    assert len(machines) == 2
    env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "PYTHONPATH": str(ROOT_DIR)}
    url = ["--database-url", isolated_database_url]

    def simulator() -> subprocess.Popen:
        sim = subprocess.Popen([sys.executable, "-m", "devices", "simulate", "--from-db", *url], cwd=ROOT_DIR,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert "simulating" in (sim.stdout.readline() if sim.stdout else "")
        return sim

    def once() -> str:
        done = subprocess.run([sys.executable, "-m", "devices", "punches", "once", *url], cwd=ROOT_DIR, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    sim = simulator()
    try:
        first = once()
        stored = _count(engine)
        assert stored > 0 and f"{stored} new" in first
        first_done = _now(engine)
        # Everything was acknowledged: what is new now is only staff punching since (the simulator's
        # log follows the wall clock, so a run at 07:00 WIB meets people arriving).
        assert f"{_count_after(engine, first_done)} new" in once()
        stored = _count(engine)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    time.sleep(0.2)
    sim = simulator()  # the same machines again, their logs made anew
    try:
        second_done = _now(engine)
        again = once()
        arrived = _count_after(engine, second_done)  # punched since, not stored twice
        assert f"{stored + arrived} punches read, {arrived} new" in again
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    with engine.connect() as conn:
        enrolled = conn.execute(text("SELECT count(*) FROM devices.attendance_enrolments WHERE machine = ANY(:m)"),
                                {"m": sorted(machines)}).scalar()
        pins = conn.execute(text("SELECT count(DISTINCT pin) FROM devices.attendance_punches")).scalar()
    assert 0 < pins <= enrolled  # punches of the staff enrolled on those machines, nobody else


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM devices.attendance_punches")).scalar()


def _now(engine: Engine):  # noqa: ANN202
    with engine.connect() as conn:
        return conn.execute(text("SELECT now()")).scalar()


def _count_after(engine: Engine, moment) -> int:  # noqa: ANN001
    """Punches stored after `moment` and punched about then (not an old one stored twice): people
    who punched meanwhile."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM devices.attendance_punches WHERE received_at > :t "
                                 "AND punched_at > :t - interval '10 minutes'"), {"t": moment}).scalar()


def test_medan_run_starts_the_punch_poller() -> None:
    import devices

    commands = dict(devices.background_commands("postgresql://webgis@127.0.0.1:54329/medan"))
    assert commands["punch poller"][3:5] == ["punches", "run"]
    secret = dict(devices.background_commands("postgresql://webgis:s3cret@db/medan"))
    assert not any("s3cret" in arg for arg in secret["punch poller"])
