"""`python -m devices wifi-schedule once|run`: the park Wi-Fi schedule from the command line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("wifi-schedule", help="switch the park Wi-Fi access points at their schedule "
                                             "(devices/wifi_schedule.yaml) through the audited command path")
    p.add_argument("action", choices=["once", "run"], help="once: one pass and report; run: keep passing")
    p.add_argument("--at", help="once: act as if it were this time (ISO 8601 with offset, e.g. 2026-12-07T20:00+07:00)")
    return p


def run_cli(args: argparse.Namespace, engine) -> int:  # noqa: ANN001 - an SQLAlchemy Engine
    from devices.wifischedule import FINE, load_schedule, run, run_once

    schedule = load_schedule()
    if args.action == "run":
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _s, _f: stop.set())
        run(engine, stop.is_set, schedule)
        return 0
    try:
        now = datetime.fromisoformat(args.at) if args.at else None
        if now is not None and now.tzinfo is None:
            raise ValueError("give the time zone, e.g. +07:00")
    except ValueError as exc:
        print(f"--at {args.at!r}: {exc}", file=sys.stderr)
        return 2
    outcomes = run_once(engine, now, schedule)
    for o in outcomes:
        audit = f" (audit #{o.audit_id})" if o.audit_id else ""
        print(f"{o.code}: radio {'on' if o.wanted else 'off'}: {o.result}{audit}{' ' + o.detail if o.detail else ''}")
    trouble = [o for o in outcomes if o.result not in FINE]
    print(f"{len(outcomes)} access points, {len(trouble)} need attention (hours {schedule.hours} {schedule.timezone})")
    return 3 if trouble else 0
