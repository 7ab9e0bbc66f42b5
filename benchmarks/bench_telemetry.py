"""Telemetry at city scale: today's JSON table vs the partitioned layout (migration 0020), side by side.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_telemetry.py                 # 10 minutes per layout
    PYTHONPATH=. .venv/bin/python benchmarks/bench_telemetry.py --seconds 60 --devices 10000

In a fresh database (`medan_bench_telemetry` on the project-local cluster, or on the
server of DATABASE_URL), migrated and seeded with the street lights, while gunicorn
serves the platform and two client threads ask it for a device's charts (hour, day and
week windows) and the street-light items:

1. ingest: `--devices` readings every second for `--seconds` into the new layout
   (devices.telemetry.TelemetryWriter: COPY, the roll-up threshold held, roll-ups every
   minute in their own thread as a maintenance process would run them), then the same
   readings into today's layout (the table of migration 0003 in schema bench_v1, the
   old COPY of two JSON documents per reading). Figures: readings/s sustained, batch
   write time p50/p95/max, seconds whose batch missed its second, the web's latency;
2. bytes on disk per reading, indexes included, of the same readings in both;
3. a device's 7-day chart (hourly buckets, the operator's "week"): 7 days of one
   reading a second for one device in both layouts, then the query's p50/p95;
4. retention of a day of data: DROP of the day's partition vs DELETE of its rows;
   then the same for everything ingested in step 1.

It measures the telemetry store, not the poller: the readings are generated here.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.admin_access import HEADERS, SERVER_ENV  # noqa: E402
from benchmarks.bench_tiles import free_port  # noqa: E402
from devices import partitions  # noqa: E402
from devices.datatypes import Reading  # noqa: E402
from devices.registermap import load_maps  # noqa: E402
from devices.rollups import note_writes, roll_up  # noqa: E402
from devices.telemetry import TelemetryWriter, series  # noqa: E402

BENCH_DATABASE = "medan_bench_telemetry"
MODELS = [("lpju_solar_v1", 60), ("cctv_ipcam_v1", 20), ("atcs_controller_v1", 15), ("attendance_v1", 5)]
OLD_DDL = """
DROP SCHEMA IF EXISTS bench_v1 CASCADE;
CREATE SCHEMA bench_v1;
CREATE TABLE bench_v1.telemetry (
    time timestamptz NOT NULL, device_id text NOT NULL, model text NOT NULL, scaled jsonb NOT NULL,
    raw jsonb NOT NULL, out_of_range text[] NOT NULL DEFAULT '{}', latency_ms real);
CREATE INDEX ix_v1_time_brin ON bench_v1.telemetry USING brin (time) WITH (pages_per_range = 32);
CREATE INDEX ix_v1_device_time ON bench_v1.telemetry (device_id, time DESC);
"""
OLD_CHART = """
SELECT to_timestamp(floor(extract(epoch FROM t.time) / :bucket) * :bucket) AS t, kv.key AS point,
       avg(kv.value::double precision) AS avg
FROM bench_v1.telemetry t CROSS JOIN LATERAL jsonb_each(t.scaled) kv
WHERE t.device_id = :device AND t.time >= :since AND jsonb_typeof(kv.value) = 'number'
  AND NOT kv.key = ANY(t.out_of_range)
GROUP BY 1, 2 ORDER BY 2, 1
"""


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# -- readings -------------------------------------------------------------------------

class Fleet:
    """`n` synthetic devices over the four models, with the register maps' point names."""

    def __init__(self, n: int) -> None:
        maps = load_maps()
        self.points = {m: [p.name for p in maps[m].points] for m, _ in MODELS}
        shares = [m for m, w in MODELS for _ in range(w)]
        self.devices = [(f"bench/D{i:05d}", shares[i % len(shares)]) for i in range(n)]
        self._cache: dict[tuple[str, int], dict[str, float]] = {}

    def values(self, i: int, model: str, k: int) -> dict[str, float]:
        return {n: float((i * 7 + k * 13 + j * 31) % 1000) / 10 for j, n in enumerate(self.points[model])}

    def batch(self, stamp: float, devices: Sequence[tuple[str, str]] | None = None) -> list[Reading]:
        """One reading per device at `stamp`, values a function of device and time; 1% flagged.

        Values repeat every 10 s (kept between calls), so generating them costs the
        writer being measured little CPU.
        """
        k = int(stamp)
        out = []
        for i, (device, model) in enumerate(devices or self.devices):
            key = (device, k % 10)
            values = self._cache.get(key)
            if values is None:
                values = self._cache[key] = self.values(i, model, k)
            bad = (self.points[model][0],) if (i + k) % 100 == 0 else ()
            out.append(Reading(device, model, stamp, values, values, bad, 0.012))
        return out


def old_copy(engine: Engine, readings: Sequence[Reading]) -> None:
    """Today's write path (devices/store.py before migration 0020): CSV with two JSON documents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for r in readings:
        writer.writerow([datetime.fromtimestamp(r.time, UTC).isoformat(), r.device_id, r.model,
                         json.dumps(r.values, separators=(",", ":")), json.dumps(r.raw, separators=(",", ":")),
                         "{" + ",".join(r.out_of_range) + "}", round(r.latency_s * 1000, 3)])
    buffer.seek(0)
    with engine.begin() as conn:
        conn.connection.dbapi_connection.cursor().copy_expert(
            "COPY bench_v1.telemetry (time, device_id, model, scaled, raw, out_of_range, latency_ms) "
            "FROM STDIN WITH (FORMAT csv)", buffer)


def new_copy(engine: Engine, writer: TelemetryWriter, readings: Sequence[Reading]) -> None:
    """The sink's write path: register what is new, hold the threshold, COPY."""
    writer.prepare(readings)
    with engine.begin() as conn:
        note_writes(conn, datetime.fromtimestamp(min(r.time for r in readings), UTC))
        writer.copy(conn, readings)


# -- the web, serving meanwhile ---------------------------------------------------------

class WebLoad:
    """Two client threads asking the platform for charts and items, latencies kept per phase."""

    def __init__(self, port: int, paths: list[str]) -> None:
        self.port, self.paths = port, paths
        self.latencies: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(2)]

    def _run(self, k: int) -> None:
        i = k
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(urllib.request.Request(
                        f"http://127.0.0.1:{self.port}{path}", headers=HEADERS), timeout=30) as response:
                    response.read()
                self.latencies.append(time.perf_counter() - t)
            except OSError:
                self.errors += 1
            self._stop.wait(0.2)

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def take(self) -> dict[str, float]:
        """Figures since the last take."""
        lat, self.latencies = self.latencies, []
        errors, self.errors = self.errors, 0
        return {"requests": len(lat), "errors": errors, "p50_ms": pct(lat, 50) * 1000, "p95_ms": pct(lat, 95) * 1000}

    def stop(self) -> None:
        self._stop.set()


def start_web(url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "webgis.wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/conformance", timeout=30).read()
            return server, port
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.5)


# -- phases ---------------------------------------------------------------------------

def ingest(write: Callable[[list[Reading]], None], fleet: Fleet, base: float, seconds: int) -> dict:
    """Write one batch per second, paced by the wall clock; a batch that runs over delays the next."""
    durations, missed = [], 0
    start = time.monotonic()
    for s in range(seconds):
        if time.monotonic() - start >= seconds:
            break  # a layout that cannot keep up stops at the same wall time, its backlog reported
        due = start + s
        if time.monotonic() < due:
            time.sleep(due - time.monotonic())
        batch = fleet.batch(base + s)
        t = time.perf_counter()
        write(batch)
        durations.append(time.perf_counter() - t)
        missed += time.monotonic() > due + 1
    elapsed = time.monotonic() - start
    n = len(durations) * len(fleet.devices)
    return {"readings": n, "backlog_readings": (seconds - len(durations)) * len(fleet.devices),
            "elapsed_s": round(elapsed, 1), "readings_per_s": round(n / elapsed),
            "load_average_1min": os.getloadavg()[0],
            "write_p50_ms": round(pct(durations, 50) * 1000, 1), "write_p95_ms": round(pct(durations, 95) * 1000, 1),
            "write_max_ms": round(max(durations) * 1000, 1), "seconds_missed": missed}


class RollupLoop:
    """Roll-ups every minute in their own thread, as a maintenance process runs them."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.runs = engine, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(60):
            t = time.perf_counter()
            roll_up(self.engine)
            self.runs.append(time.perf_counter() - t)

    def __enter__(self) -> RollupLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sizes(engine: Engine) -> dict:
    with engine.connect() as conn:
        old_rows = conn.execute(text("SELECT count(*) FROM bench_v1.telemetry")).scalar_one()
        new_rows = conn.execute(text("SELECT count(*) FROM devices.readings")).scalar_one()
        old_bytes = conn.execute(text("SELECT pg_total_relation_size('bench_v1.telemetry')")).scalar_one()
        sums = {}
        for table in partitions.TABLES:
            sums[table.name] = int(conn.execute(text(
                "SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) FROM pg_inherits i "
                "WHERE i.inhparent = CAST(:t AS regclass)"), {"t": table.qualified}).scalar_one())
        minute_rows = conn.execute(text("SELECT count(*) FROM devices.readings_minute")).scalar_one()
    return {"readings_old": old_rows, "readings_new": new_rows,
            "old_bytes_per_reading": round(old_bytes / old_rows, 1),
            "new_bytes_per_reading": round(sums["readings"] / new_rows, 1),
            "old_total_mb": round(old_bytes / 1e6, 1), "new_total_mb": round(sums["readings"] / 1e6, 1),
            "minute_rollup_mb": round(sums["readings_minute"] / 1e6, 1), "minute_rollup_rows": minute_rows,
            "hour_rollup_mb": round(sums["readings_hour"] / 1e6, 1)}


def history(engine: Engine, writer: TelemetryWriter, fleet: Fleet, device: tuple[str, str], now: float) -> None:
    """Seven days of one reading a second for one device, in both layouts."""
    start = int(now) - 7 * 86400
    chunk = 20_000
    for first in range(start, int(now) - 60, chunk):
        readings = [Reading(device[0], device[1], t, fleet.values(0, device[1], t), {}, (), 0.012)
                    for t in range(first, min(first + chunk, int(now) - 60))]
        new_copy(engine, writer, readings)
        old_copy(engine, readings)


def chart_p95(engine: Engine, device: str, now: datetime, runs: int, old_runs: int) -> dict:
    since = now - timedelta(days=7)
    new, old = [], []
    for k in range(runs):
        t = time.perf_counter()
        rows_new = series(engine, device, since, 3600)
        new.append(time.perf_counter() - t)
        if k >= old_runs:
            continue
        t = time.perf_counter()
        with engine.connect() as conn:
            rows_old = conn.execute(text(OLD_CHART), {"device": device, "since": since, "bucket": 3600}).all()
        old.append(time.perf_counter() - t)
    return {"buckets_new": len(rows_new), "buckets_old": len(rows_old),
            "new_p50_ms": round(pct(new, 50) * 1000, 1), "new_p95_ms": round(pct(new, 95) * 1000, 1),
            "old_p50_ms": round(pct(old, 50) * 1000, 1), "old_p95_ms": round(pct(old, 95) * 1000, 1),
            "runs_new": len(new), "runs_old": len(old), "load_average_1min": os.getloadavg()[0]}


def retention(engine: Engine, day: datetime) -> dict:
    """Drop the partition of `day` vs DELETE the same day's rows from today's table."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM devices.readings WHERE time >= :d AND time < :e"),
                            {"d": day, "e": day + timedelta(days=1)}).scalar_one()
    t = time.perf_counter()
    with engine.begin() as conn:
        dropped = partitions.drop_before(conn, partitions.READINGS, day + timedelta(days=1))
    new_s = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as conn:
        deleted = conn.execute(text("DELETE FROM bench_v1.telemetry WHERE time < :e"),
                               {"e": day + timedelta(days=1)}).rowcount
    old_s = time.perf_counter() - t
    return {"readings_new": rows, "partitions_dropped": dropped, "drop_s": round(new_s, 3),
            "rows_deleted_old": deleted, "delete_s": round(old_s, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600, help="ingest time per layout (default 600)")
    parser.add_argument("--devices", type=int, default=10_000, help="devices, one reading each per second")
    parser.add_argument("--chart-runs", type=int, default=50)
    parser.add_argument("--old-chart-runs", type=int, default=5, help="today's layout takes seconds a query")
    args = parser.parse_args(argv)
    url = prepare_database()
    from layers.db import engine_for

    engine = engine_for(url)
    fleet = Fleet(args.devices)
    server, port = start_web(url)
    results: dict = {"devices": args.devices, "seconds": args.seconds}
    try:
        results.update(run(engine, fleet, port, args))
    finally:
        server.terminate()
        server.wait(30)
    print(json.dumps(results, indent=2, default=str))
    return 0


def run(engine: Engine, fleet: Fleet, port: int, args: argparse.Namespace) -> dict:
    from devices.registry import read_fleet

    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    writer = TelemetryWriter(engine)
    now = time.time()
    log(f"7 days of 1 Hz readings of {light.device_id} into both layouts ...")
    history(engine, writer, fleet, (light.device_id, light.model), now)
    roll_up(engine)
    layer_path = f"/operator/api/devices/{light.layer}/{light.code}/telemetry?window="
    paths = [layer_path + "hour", layer_path + "day", layer_path + "week",
             f"/collections/{light.layer}/items?limit=50"]
    web = WebLoad(port, paths)
    web.start()
    time.sleep(5)
    out: dict = {"web_idle": web.take()}
    log(f"ingest, new layout: {len(fleet.devices):,} readings/s for {args.seconds} s ...")
    base = time.time()
    with RollupLoop(engine) as loop:
        out["ingest_new"] = ingest(lambda b: new_copy(engine, writer, b), fleet, base, args.seconds)
    out["ingest_new"]["rollup_runs_s"] = [round(r, 2) for r in loop.runs]
    out["web_during_new"] = web.take()
    log(f"ingest, today's layout: the same readings for {args.seconds} s ...")
    out["ingest_old"] = ingest(lambda b: old_copy(engine, b), fleet, base, args.seconds)
    out["web_during_old"] = web.take()
    web.stop()
    roll_up(engine)
    log("sizes, 7-day chart, retention ...")
    log(json.dumps(out, default=str))
    out["bytes"] = sizes(engine)
    out["chart_7d"] = chart_p95(engine, light.device_id, datetime.now(UTC), args.chart_runs, args.old_chart_runs)
    first_day = partitions.span_start(datetime.fromtimestamp(now - 6 * 86400, UTC), "day")
    with engine.begin() as conn:  # keep only whole days before first_day out of the comparison
        partitions.drop_before(conn, partitions.READINGS, first_day)
        conn.execute(text("DELETE FROM bench_v1.telemetry WHERE time < :d"), {"d": first_day})
    out["retention_one_day"] = retention(engine, first_day)
    out["retention_ingested"] = retention(engine, partitions.span_start(datetime.fromtimestamp(base, UTC), "day"))
    return out


def prepare_database() -> str:
    from config.settings import get_settings
    from geodata.cluster import database_on_server, drop_database, ensure_database
    from geodata.migrate import upgrade
    from geodata.seed import seed_all
    from layers.db import engine_for

    url = os.environ.get("DATABASE_URL") or database_on_server(get_settings(), BENCH_DATABASE)
    parsed = make_url(url)
    if parsed.database != BENCH_DATABASE:
        url = parsed.set(database=BENCH_DATABASE).render_as_string(False)
    server = make_url(url).set(database="postgres").render_as_string(False)
    log(f"fresh database {BENCH_DATABASE} ...")
    drop_database(server, BENCH_DATABASE)
    ensure_database(server, BENCH_DATABASE)
    upgrade(url)
    engine = engine_for(url)
    seed_all(engine, only=["kelurahan", "street_lights"], echo=lambda _m: None)
    with engine.begin() as conn:
        conn.execute(text(OLD_DDL))
    engine.dispose()
    return url


if __name__ == "__main__":
    raise SystemExit(main())
