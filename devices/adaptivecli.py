"""`python -m devices adaptive on|off|status|run`: the adaptive signal loop from the command line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("adaptive", help="adaptive traffic signals: turn the loop on/off per intersection, or run it")
    p.add_argument("action", choices=["on", "off", "status", "run"])
    p.add_argument("layer", nargs="?", help="e.g. atcs_intersections (on, off, status)")
    p.add_argument("code", nargs="?", help="e.g. ATCS-001 (on, off, status)")
    p.add_argument("--actor", help="who turns it on or off, for the audit (e.g. operator:ani)")
    p.add_argument("--every", type=float, default=1.0, help="seconds between the loop's passes (run)")
    return p


def run_cli(args: argparse.Namespace, engine) -> int:  # noqa: ANN001
    from devices.adaptivectl import AdaptiveError, AdaptiveLoop, disable, enable, status

    if args.action == "run":
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _s, _f: stop.set())
        AdaptiveLoop(engine).run(stop.is_set, every_s=args.every)
        return 0
    if not args.layer or not args.code:
        print("adaptive on/off/status needs LAYER and CODE", file=sys.stderr)
        return 2
    try:
        if args.action == "on":
            state = enable(engine, args.layer, args.code, args.actor or "")
        elif args.action == "off":
            state = disable(engine, args.layer, args.code, args.actor or "")
        else:
            state = status(engine, args.layer, args.code)
    except AdaptiveError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(f"{args.layer} {args.code}: {state['mode']}{' (' + state['reason'] + ')' if state['reason'] else ''}")
    for e in state["events"][:10]:
        plan = f" {e['previous']} -> {e['plan']}" if e["plan"] else ""
        print(f"  {e['at']} {e['event']:<8} {e['actor']}: {e['detail']}{plan}")
    return 0
