"""Command line: ``python -m devices simulate`` and ``python -m devices poll``.

Examples::

    # the demo city's fleet on 127.0.0.1 (ports as geodata/synthetic.py assigns them)
    python -m devices simulate --cctv 60 --atcs 40 --lights 500
    # an explicit fleet, with faults, from a file (JSON list or CSV port,unit,model[,fault])
    python -m devices simulate --fleet fleet.json
    # or on the command line, PORT:UNIT:MODEL[:FAULT]
    python -m devices simulate --device 15020:1:cctv_ipcam_v1 --device 15021:1:atcs_controller_v1:slow
    # poll the same fleet and print readings (in-memory/stdout sink) for 30 s
    python -m devices poll --fleet fleet.json --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from devices.simulator import FleetEntry, Simulator, fleet_from_specs, load_fleet, standard_fleet


def _fleet(args: argparse.Namespace) -> list[FleetEntry]:
    fleet: list[FleetEntry] = []
    if args.fleet:
        fleet += load_fleet(args.fleet)
    fleet += fleet_from_specs(args.device or [])
    fleet += standard_fleet(args.cctv, args.atcs, args.lights, args.base_port)
    if not fleet:
        raise SystemExit("no devices: give --fleet, --device or --cctv/--atcs/--lights")
    return fleet


def _add_fleet_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fleet", help="JSON or CSV file listing port, unit, model (and fault)")
    p.add_argument("--device", action="append", metavar="PORT:UNIT:MODEL[:FAULT]")
    p.add_argument("--cctv", type=int, default=0, help="cameras on the base port")
    p.add_argument("--atcs", type=int, default=0, help="ATCS controllers on base port + 1")
    p.add_argument("--lights", type=int, default=0, help="street lights from base port + 2")
    p.add_argument("--base-port", type=int, default=15020)
    p.add_argument("--host", default="127.0.0.1")


async def _run_until_signal(duration: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=duration)


async def _simulate(args: argparse.Namespace) -> None:
    sim = Simulator(_fleet(args), host=args.host)
    await sim.start()
    print(f"simulating {len(sim.devices)} devices on {args.host} ports "
          f"{sim.ports[0]}..{sim.ports[-1]}", flush=True)
    try:
        await _run_until_signal(args.duration)
    finally:
        await sim.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m devices``."""
    parser = argparse.ArgumentParser(prog="python -m devices", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="serve a simulated fleet over Modbus TCP")
    _add_fleet_args(sim)
    sim.add_argument("--duration", type=float, help="stop after this many seconds")
    poll = sub.add_parser("poll", help="poll a fleet and write readings to a sink")
    _add_fleet_args(poll)
    from devices.poller import add_poll_args

    add_poll_args(poll)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    if args.command == "simulate":
        asyncio.run(_simulate(args))
    else:
        from devices.poller import run_poll_cli

        asyncio.run(run_poll_cli(args, _fleet(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
