"""Poll 1,000 simulated Modbus devices every second from one poller process.

Simulators run as separate processes (``python -m devices simulate``) on loopback
ports; this process is the poller, writing to an in-memory sink, and reports:
polls completed vs scheduled, on-time share, p50/p99 latency, rows/s and its own CPU.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_devices.py            # 60 s
    PYTHONPATH=. .venv/bin/python benchmarks/bench_devices.py --duration 10
    # the same, writing to PostGIS (schema devices, migration 0003) with alarm rules on
    PYTHONPATH=. .venv/bin/python benchmarks/bench_devices.py --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devices.datatypes import MemorySink
from devices.poller import Poller, PollerConfig
from devices.simulator import FleetEntry, devices_from_fleet

MODELS = [("lpju_solar_v1", 0.60), ("cctv_ipcam_v1", 0.20), ("atcs_controller_v1", 0.15),
          ("attendance_v1", 0.05)]
FAULTS = [{"kind": "timeout"}, {"kind": "slow", "delay_s": 0.1},
          {"kind": "exception", "code": 4}, {"kind": "out_of_range"}]


def build_fleet(n: int, units_per_port: int, base_port: int, faulty: float,
                rng: random.Random) -> list[FleetEntry]:
    models = rng.choices([m for m, _ in MODELS], [w for _, w in MODELS], k=n)
    bad = set(rng.sample(range(n), round(n * faulty)))
    return [FleetEntry(base_port + i // units_per_port, i % units_per_port + 1, models[i],
                       FAULTS[i % len(FAULTS)] if i in bad else None) for i in range(n)]


def start_simulators(fleet: list[FleetEntry], procs: int, tmp: Path) -> list[subprocess.Popen]:
    ports = sorted({e.port for e in fleet})
    children = []
    for k in range(procs):
        mine = set(ports[k::procs])
        path = tmp / f"fleet{k}.json"
        path.write_text(json.dumps([e.__dict__ for e in fleet if e.port in mine]))
        children.append(subprocess.Popen(
            [sys.executable, "-m", "devices", "simulate", "--fleet", str(path)],
            env={**os.environ, "PYTHONPATH": os.getcwd()},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    deadline = time.monotonic() + 30
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"simulator port {port} did not open") from None
                time.sleep(0.1)
    return children


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


class CountingSink:
    """The PostGIS sink, keeping what the figures need (readings are not held in memory)."""

    def __init__(self, url: str) -> None:
        from devices.store import PostgisSink

        self.inner = PostgisSink(url)
        self.readings: list = []
        self.changes: list = []
        self.write_s: list[float] = []

    async def write(self, batch) -> None:  # noqa: ANN001
        t0 = time.monotonic()
        await self.inner.write(batch)
        self.write_s.append(time.monotonic() - t0)
        self.readings.extend(batch.readings)
        self.changes.extend(batch.changes)


async def poll(fleet: list[FleetEntry], args: argparse.Namespace) -> None:
    sink = CountingSink(args.database_url) if args.database_url else MemorySink()
    config = PollerConfig(timeout_s=args.timeout, retries=1, offline_after=3,
                          offline_probe_s=args.offline_probe, max_concurrency=args.concurrency,
                          connections_per_endpoint=args.connections, quarantine=not args.no_quarantine)
    poller = Poller(devices_from_fleet(fleet, interval_s=args.interval), sink, config)
    cpu0, t0 = time.process_time(), time.monotonic()
    stats = await poller.run(args.duration)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
    faulty = {f"127.0.0.1:{e.port}/{e.unit}" for e in fleet if e.fault}
    healthy_rows = [r for r in sink.readings if r.device_id not in faulty]
    expected_healthy = (len(fleet) - len(faulty)) * args.duration / args.interval
    points = sum(len(r.values) for r in sink.readings)
    print(f"devices {len(fleet)} ({len(faulty)} faulty), ports {len({e.port for e in fleet})}, "
          f"simulator processes {args.procs}, interval {args.interval}s, duration {args.duration}s, "
          f"connections/port {args.connections}, timeout {args.timeout}s, "
          f"quarantine {'off' if args.no_quarantine else 'on'}, offline probe {args.offline_probe}s")
    print(f"polls scheduled {stats.scheduled}, completed {stats.polled} "
          f"({100 * stats.polled / max(1, stats.scheduled):.2f} %), ok {stats.ok}, failed {stats.failed}, "
          f"skipped late {stats.skipped_late}, skipped while offline {stats.skipped_offline}")
    attempted = stats.scheduled - stats.skipped_offline
    print(f"completed of the slots not deliberately skipped while offline: {stats.polled} of {attempted} "
          f"({100 * stats.polled / max(1, attempted):.2f} %); quarantine moves {stats.quarantined}")
    print(f"on time (finished before the device's next slot): "
          f"{100 * stats.on_time / max(1, stats.polled):.2f} % of completed polls")
    print(f"healthy devices: {len(healthy_rows)} readings of ~{expected_healthy:.0f} expected "
          f"({100 * len(healthy_rows) / max(1, expected_healthy):.2f} %)")
    print(f"latency of good polls p50 {1000 * pct(stats.latencies, 50):.1f} ms, "
          f"p99 {1000 * pct(stats.latencies, 99):.1f} ms; start lateness p99 "
          f"{1000 * pct(stats.lateness, 99):.1f} ms")
    where = "PostGIS" if args.database_url else "in-memory"
    if args.database_url:
        print(f"PostGIS batches {len(sink.write_s)}, write p50 {1000 * pct(sink.write_s, 50):.0f} ms, "
              f"p99 {1000 * pct(sink.write_s, 99):.0f} ms, rows committed {sink.inner.rows_written}")
    print(f"rows to sink ({where}): {len(sink.readings) / wall:.0f} readings/s "
          f"({points / wall:.0f} point values/s), {len(sink.changes)} status changes")
    print(f"poller CPU {cpu:.1f} s over {wall:.1f} s wall = {100 * cpu / wall:.0f} % of one core "
          f"(sink thread included); load average at end {os.getloadavg()[0]:.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--procs", type=int, default=3, help="simulator processes")
    p.add_argument("--units-per-port", type=int, default=25)
    p.add_argument("--faulty", type=float, default=0.05)
    p.add_argument("--timeout", type=float, default=0.3)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--connections", type=int, default=1, help="connections per host:port")
    p.add_argument("--no-quarantine", action="store_true",
                   help="one lane per endpoint: faulty devices' waits hold the healthy ones (the old poller)")
    p.add_argument("--offline-probe", type=float, default=10.0, help="seconds between polls of an offline device")
    p.add_argument("--base-port", type=int, default=17000)
    p.add_argument("--database-url", help="write to PostGIS (an own database, migrated) instead of memory")
    args = p.parse_args()
    # Fault transitions are expected here; keep the output to the figures.
    logging.basicConfig(level=logging.ERROR)
    print(f"load average at start {os.getloadavg()[0]:.1f} (2 cores, shared)")
    fleet = build_fleet(args.devices, args.units_per_port, args.base_port, args.faulty,
                        random.Random(6))
    with tempfile.TemporaryDirectory() as tmp:
        children = start_simulators(fleet, args.procs, Path(tmp))
        try:
            asyncio.run(poll(fleet, args))
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


if __name__ == "__main__":
    main()
