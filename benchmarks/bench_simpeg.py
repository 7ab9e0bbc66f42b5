"""SIMPEG's attendance figures: how long the public month, a head's day, a person's month and the
kecamatan indicator take over a year of punches, and how long a punch poller round takes for 172 machines.

The synthetic staff (1,502 people of the 172 camat and lurah offices) get `--days` working days of
punches (default 260, a year) ending yesterday: in and out for 95 % of them each day, some late. Then
each question is asked `--repeat` times as the pages ask it: median and worst ms.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_simpeg.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_simpeg.py --days 22

It works in its own database `medan_bench_simpeg` (created, migrated and seeded on first use) and
replaces the benchmark's punches (machine BENCH) at each run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from scratch import prepare_database  # benchmarks/ is the script directory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

BENCH_DB = "medan_bench_simpeg"
SEED_LAYERS = ["kelurahan", "attendance_machines"]
# Benchmark-only bulk punches: per staff and working day, in 07:00-08:29 and out 16:00-17:29 WIB, 5 % absent.
FILL = """
INSERT INTO devices.attendance_punches (machine, pin, punched_at, direction, seq)
SELECT 'BENCH', s.pin, (d + time '07:00' + ((s.pin * 7919 + extract(doy FROM d)::int * 104729) % 5400) * interval '1 second')
           AT TIME ZONE 'Asia/Jakarta', 0, 0
FROM simpeg.staff s CROSS JOIN generate_series(CAST(:start AS date), CAST(:end AS date), interval '1 day') d
WHERE extract(isodow FROM d) < 6 AND (s.pin * 31 + extract(doy FROM d)::int) % 20 <> 0
UNION ALL
SELECT 'BENCH', s.pin, (d + time '16:00' + ((s.pin * 6007 + extract(doy FROM d)::int * 7) % 5400) * interval '1 second')
           AT TIME ZONE 'Asia/Jakarta', 1, 0
FROM simpeg.staff s CROSS JOIN generate_series(CAST(:start AS date), CAST(:end AS date), interval '1 day') d
WHERE extract(isodow FROM d) < 6 AND (s.pin * 31 + extract(doy FROM d)::int) % 20 <> 0
ON CONFLICT DO NOTHING
"""


def _timed(label: str, repeat: int, call) -> None:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:<58} median {statistics.median(times):7.1f} ms  worst {max(times):7.1f} ms  ({len(result)} rows)")


def punch_rounds(engine, port: int) -> None:  # noqa: ANN001
    """The punch poller over 172 simulated machines on one port (8 or 14 staff each, the last 3 days
    waiting): the first round fetches, stores and acknowledges the backlog, the second finds nothing."""
    import asyncio
    import threading

    from devices.punchlog import layout_of
    from devices.punchpoller import Machine, collect_round, database_store
    from devices.simulator import FleetEntry, Simulator

    sim = Simulator([FleetEntry(port, unit, "attendance_v1") for unit in range(1, 173)])
    for unit in range(1, 173):
        sim.enrol(port, unit, [2_000_000 + unit * 100 + k for k in range(14 if unit <= 21 else 8)])
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(sim.start(), loop).result(10)
    layout = layout_of("attendance_v1")
    machines = [Machine(f"BENCHM-{unit}", "127.0.0.1", port, unit, layout) for unit in range(1, 173)]
    try:
        for n in (1, 2):
            r = collect_round(machines, database_store(engine))
            print(f"punch poller round {n}: {r.machines} machines, {r.read} punches read, {r.stored} new, "
                  f"{r.acknowledged} acknowledged, {len(r.failures)} failed in {r.seconds:.2f} s")
    finally:
        asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM devices.attendance_punches WHERE machine LIKE 'BENCHM-%'"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=260, help="working days of punches (260: a year)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--modbus-port", type=int, default=15090, help="where the simulated machines listen")
    args = parser.parse_args()

    from layers import engine_for
    from services.simpeg import attendance, performance, staff
    from services.simpeg.indicators import attendance_by_kecamatan
    from services.simpeg.queries import rebuild_roll_ups
    from services.simpeg.seed import seed_staff

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, probe_layer="attendance_machines")
    engine = engine_for(url)
    people = seed_staff(engine)
    end = datetime.now(attendance.WIB).date() - timedelta(days=1)
    start = end - timedelta(days=round(args.days * 7 / 5))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM devices.attendance_punches WHERE machine = 'BENCH'"))
        conn.execute(text(FILL), {"start": start, "end": end})
        rebuild_roll_ups(conn)  # the trigger only adds: the deleted run's days go too
        punches = conn.execute(text("SELECT count(*) FROM devices.attendance_punches")).scalar()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE devices.attendance_punches, simpeg.attendance_days, simpeg.office_days"))
    print(f"{people} staff, {punches:,} punches from {start} to {end} (loaded in {time.perf_counter() - started:.1f} s)")
    month_start = end.replace(day=1)
    person = staff.of_agency(engine, "KELURAHAN")[0]
    _timed("public: every agency per day, this month (/kehadiran)", args.repeat,
           lambda: attendance.agency_figures(engine, month_start, end))
    _timed("head: 1,208 KELURAHAN staff on one day (/simpeg/instansi)", args.repeat,
           lambda: attendance.agency_staff_days(engine, "KELURAHAN", end))
    _timed("head: KELURAHAN per day, this month", args.repeat,
           lambda: attendance.agency_figures(engine, month_start, end, agency="KELURAHAN", public=False))
    _timed("person: one month with case steps (/simpeg/pegawai)", args.repeat,
           lambda: performance.indicators(engine, person, month_start, end)["hari"])

    def indicator() -> list:
        with engine.connect() as conn:
            return attendance_by_kecamatan(conn, start=max(start, end - timedelta(days=365)), end=end)

    _timed("indicator: attendance per kecamatan and month, a year", max(1, args.repeat // 2), indicator)
    punch_rounds(engine, args.modbus_port)


if __name__ == "__main__":
    main()
