"""What the per-device communication counters cost (issue 21, control room).

1. counting: the poller's CommLedger.count per Modbus request, in microseconds;
2. storing: one flush of `--devices` devices' counts into devices.device_comm (one
   upsert per device, in one transaction), the median of `--repeat` flushes, in ms;
   every 10 s by default, so its share of one database connection is that over 10 s.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_device_comm.py --database-url postgresql://.../db
    PYTHONPATH=. .venv/bin/python benchmarks/bench_device_comm.py            # counting only

Writes rows `bench-comm/<n>` and deletes them afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import time

from devices.diagnostics import CommLedger, store_counts
from devices.pollstate import PollFailure

OUTCOMES = [None, None, None, None, PollFailure("timeout"), PollFailure("exception", "", 2), PollFailure("garbled")]


def counting(devices: int, requests: int) -> tuple[float, CommLedger]:
    ledger = CommLedger()
    ids = [f"bench-comm/{i}" for i in range(devices)]
    start = time.perf_counter()
    for n in range(requests):
        failure = OUTCOMES[n % len(OUTCOMES)]
        ledger.count(ids[n % devices], failure, 0.004 if failure is None else None, 1.0e9 + n)
    return (time.perf_counter() - start) / requests * 1e6, ledger


def storing(database_url: str, devices: int, repeat: int) -> list[float]:
    from sqlalchemy import text

    from layers.db import engine_for

    engine = engine_for(database_url)
    times = []
    try:
        for _ in range(repeat):
            _, ledger = counting(devices, devices * 10)
            counts = ledger.take()
            start = time.perf_counter()
            with engine.begin() as conn:
                store_counts(conn, counts)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM devices.device_comm WHERE device_id LIKE 'bench-comm/%'"))
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--requests", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--database-url")
    args = p.parse_args()
    per_request, _ = counting(args.devices, args.requests)
    print(f"counting      {per_request:8.2f} us per request ({args.requests:,} requests, {args.devices:,} devices)")
    if args.database_url:
        times = storing(args.database_url, args.devices, args.repeat)
        print(f"storing       {statistics.median(times):8.1f} ms per flush of {args.devices:,} devices "
              f"(median of {args.repeat}; min {min(times):.1f}, max {max(times):.1f})")


if __name__ == "__main__":
    main()
