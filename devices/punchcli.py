"""`python -m devices punches run|once|list`: the attendance machines' punch logs from the command line."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from sqlalchemy import Engine


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("punches", help="fetch the attendance machines' punches (run: every --every s; once; list)")
    p.add_argument("action", choices=["run", "once", "list"])
    p.add_argument("--every", type=float, default=30.0, help="seconds between rounds (run)")
    p.add_argument("--timeout", type=float, default=1.0, help="answer timeout per request (s)")
    p.add_argument("--machine", help="list: only this machine's punches")
    return p


def run_cli(args: argparse.Namespace, engine: Engine) -> int:
    from devices.punchpoller import collect_round, database_store, machines_from, run
    from devices.punchstore import punches_of
    from devices.registry import read_fleet

    if args.action == "run":
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _s, _f: stop.set())
        run(engine, every_s=args.every, stop=stop, timeout_s=args.timeout)
        return 0
    if args.action == "once":
        report = collect_round(machines_from(read_fleet(engine)), database_store(engine), timeout_s=args.timeout)
        print(f"{report.machines} machines: {report.read} punches read, {report.stored} new, "
              f"{report.acknowledged} acknowledged, {len(report.failures)} failed ({report.seconds:.1f} s)")
        for code, reason in sorted(report.failures.items()):
            print(f"  {code}: {reason}")
        return 1 if report.failures else 0
    for p in punches_of(engine, args.machine):
        print(f"{p['punched_at'].isoformat()} {p['machine']} pin {p['pin']} {'out' if p['direction'] else 'in'}")
    return 0


def enrol_from_db(sim, records: Sequence, engine: Engine) -> int:  # noqa: ANN001 - a Simulator
    """Enrol each simulated attendance machine's staff (devices.attendance_enrolments); returns the machines enrolled."""
    from devices.punchstore import enrolments

    pins = enrolments(engine)
    done = 0
    for r in records:
        dev = sim.devices.get((r.port, r.unit))
        if dev is not None and dev.punches is not None and r.code in pins:
            sim.enrol(r.port, r.unit, pins[r.code])
            done += 1
    return done
