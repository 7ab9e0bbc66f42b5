"""Adaptive traffic signals against the fixed plan on the same simulated intersection.

The project's simulator serves one ATCS controller whose queues respond to its greens
(store-and-forward per approach, devices/simbehaviour.py), at the morning peak with a busy
north-south road (north 900, south 600, east 250, west 300 vehicles/hour before the peak
factor ~1.06); the real poller writes its readings into PostGIS. Two runs of the same
scenario (same seed, same start), each `--minutes` simulated minutes at `--speed` times the
wall clock: the fixed plan (4 x 22 s in a 90 s cycle) throughout, then the adaptive loop
turned on after `--warmup` minutes. Prints the true mean queue per approach (sampled from
the simulator) over the last `--tail` minutes of each run, side by side, with the loop's
changes, the greens it settled on and the commands it sent (all audited, all within bounds).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_adaptive_signals.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_adaptive_signals.py --minutes 40 --speed 30

Without --database-url it works in its own database `medan_bench_adaptive` on the
configured server (the project-local cluster unless DATABASE_URL is set), created,
migrated and seeded (kelurahan, atcs_intersections) on the first run.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import text

from benchmarks.scratch import prepare_database
from devices.adaptiveplan import APPROACHES, load_declaration
from layers.db import engine_for
from tests.helpers.intersection import Intersection
from tests.helpers.modbus import free_ports


def _reset(engine) -> None:  # noqa: ANN001
    """The scratch database's loop state and the loop's commands of earlier runs."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM devices.commands WHERE actor = 'devices:adaptive'"))
        conn.execute(text("DELETE FROM devices.adaptive_events"))
        conn.execute(text("DELETE FROM devices.adaptive_signals"))


def run(engine, args: argparse.Namespace, adaptive: bool) -> tuple[Intersection, float]:  # noqa: ANN001
    _reset(engine)
    (port,) = free_ports(1)
    x = Intersection(engine, port, speed=args.speed)
    try:
        x.run(args.warmup * 60, loop=False)
        if adaptive:
            x.enable("operator:benchmark")
        x.run((args.minutes - args.warmup) * 60, loop=adaptive)
        return x, x.clock()
    finally:
        x.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=30, help="simulated minutes per run")
    p.add_argument("--warmup", type=float, default=10, help="simulated minutes on the fixed plan before the loop")
    p.add_argument("--tail", type=float, default=5, help="the last simulated minutes compared")
    p.add_argument("--speed", type=float, default=60, help="simulated seconds per wall second")
    p.add_argument("--database-url")
    args = p.parse_args()
    url = prepare_database(args.database_url, "medan_bench_adaptive", ["kelurahan", "atcs_intersections"],
                           "atcs_intersections")
    engine = engine_for(url)
    started = time.perf_counter()
    fixed, fixed_end = run(engine, args, adaptive=False)
    loop, loop_end = run(engine, args, adaptive=True)
    tail = args.tail * 60
    q_fixed = fixed.trace.mean_queue(fixed_end - tail, fixed_end)
    q_loop = loop.trace.mean_queue(loop_end - tail, loop_end)
    print(f"{args.minutes:g} simulated minutes per run at {args.speed:g}x, loop on after {args.warmup:g}; "
          f"mean queue (m) over the last {args.tail:g} minutes:")
    print(f"{'approach':<10}{'fixed plan':>12}{'adaptive':>12}{'change':>10}")
    for a in [*APPROACHES, "total"]:
        f = sum(q_fixed.values()) if a == "total" else q_fixed[a]
        g = sum(q_loop.values()) if a == "total" else q_loop[a]
        print(f"{a:<10}{f:>12.1f}{g:>12.1f}{(100 * (g - f) / f if f else 0):>9.0f}%")
    worst = max(max(s[1].values()) for s in loop.trace.samples if s[0] >= loop_end - tail)
    worst_fixed = max(max(s[1].values()) for s in fixed.trace.samples if s[0] >= fixed_end - tail)
    print(f"longest queue in that window: fixed {worst_fixed:.0f} m, adaptive {worst:.0f} m")
    with engine.connect() as conn:
        events = conn.execute(text("SELECT event, count(*) FROM devices.adaptive_events GROUP BY event")).all()
        commands = conn.execute(text("SELECT result, count(*) FROM devices.commands WHERE actor = 'devices:adaptive' "
                                     "GROUP BY result")).all()
    bounds = load_declaration().bounds
    greens = loop.trace.samples[-1][2]
    inside = all(bounds.minimum(a) <= s[2][a] <= bounds.green_max_s for s in loop.trace.samples
                 if s[0] > loop_end - (args.minutes - args.warmup) * 60 + 5 for a in APPROACHES)
    print(f"loop events: {dict(events)}; its commands: {dict(commands)}; greens at the end {greens} "
          f"(fixed 22 each); all greens within bounds: {inside}")
    print(f"wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
