"""Command line: ``python -m devices simulate`` and ``python -m devices poll``.

Examples::

    # the demo city's fleet on 127.0.0.1 (ports as devices/addressing.py assigns them)
    python -m devices simulate --cctv 60 --atcs 40 --lights 500
    # an explicit fleet, with faults, from a file (JSON list or CSV port,unit,model[,fault])
    python -m devices simulate --fleet fleet.json
    # or on the command line, PORT:UNIT:MODEL[:FAULT]
    python -m devices simulate --device 15020:1:cctv_ipcam_v1 --device 15021:1:atcs_controller_v1:slow
    # poll the same fleet and print readings (in-memory/stdout sink) for 30 s
    python -m devices poll --fleet fleet.json --duration 30
    # the city's fleet as the device layers register it (status aktif), telemetry to PostGIS
    python -m devices simulate --from-db --database-url postgresql://webgis@127.0.0.1:54329/medan
    python -m devices poll --from-db --database-url postgresql://webgis@127.0.0.1:54329/medan
    # operator commands (bounds-checked, read back, audited; asks to confirm unless --yes)
    python -m devices command street_lights LPJU-0001 lamp_on 1 --actor operator:ani
    python -m devices command atcs_intersections ATCS-001 signal_plan 3 --actor operator:ani --yes
    # alarms and retention
    python -m devices alarms list
    python -m devices alarms ack 12 --actor operator:ani
    python -m devices alarms report   # file complaint reports an alarm rule asked for but did not get
    python -m devices prune --days 14   # drop raw-reading partitions older than 14 days (roll-ups stay)
    python -m devices rollup            # roll up the new minutes and hours now (the poller does it every minute)
    # which poller of a group (poll --group) holds which gateway
    python -m devices leases
    # congestion per ATCS intersection (also refreshed by `poll --from-db` every minute)
    python -m devices traffic --window 15
    # adaptive signals: the closed loop per intersection (./medan run starts `adaptive run`)
    python -m devices adaptive on atcs_intersections ATCS-001 --actor operator:ani
    python -m devices adaptive status atcs_intersections ATCS-001
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from devices.addressing import CCTV_PORT_BASE
from devices.datatypes import Batch, DeviceConfig, Sink
from devices.gatewaylink import Lender
from devices.poller import Poller, PollerConfig
from devices.simcamera import CameraServer
from devices.simulator import (
    FleetEntry,
    Simulator,
    devices_from_fleet,
    fleet_from_specs,
    load_fleet,
    standard_fleet,
)

log = logging.getLogger("devices.poller")


def _records(args: argparse.Namespace) -> list:
    """The device layers' active devices when --from-db is given (else none)."""
    if not args.from_db:
        return []
    from devices.registry import read_fleet
    from layers.db import engine_for

    return read_fleet(engine_for(args.database_url))


def _fleet(args: argparse.Namespace, records: list | None = None) -> list[FleetEntry]:
    fleet: list[FleetEntry] = []
    if records:
        from devices.registry import simulator_fleet

        fleet += simulator_fleet(records)
    if args.fleet:
        fleet += load_fleet(args.fleet)
    fleet += fleet_from_specs(args.device or [])
    fleet += standard_fleet(args.cctv, args.atcs, args.lights, args.base_port)
    if not fleet and not records:
        raise SystemExit("no devices: give --from-db, --fleet, --device or --cctv/--atcs/--lights")
    return fleet


def _add_fleet_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from-db", action="store_true",
                   help="the devices registered in the device layers (status aktif)")
    p.add_argument("--database-url",
                   help="PostGIS to read the registry from and write telemetry to "
                        "(with --from-db, default: DATABASE_URL, else the project-local cluster)")
    p.add_argument("--fleet", help="JSON or CSV file listing port, unit, model (and fault)")
    p.add_argument("--device", action="append", metavar="PORT:UNIT:MODEL[:FAULT]")
    p.add_argument("--cctv", type=int, default=0, help="cameras on the base port")
    p.add_argument("--atcs", type=int, default=0, help="ATCS controllers on base port + 1")
    p.add_argument("--lights", type=int, default=0, help="street lights from base port + 2")
    p.add_argument("--base-port", type=int, default=CCTV_PORT_BASE)
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
    fleet = _fleet(args, _records(args))
    if not fleet:
        raise SystemExit("no device of the registry is on a loopback address; nothing to simulate")
    sim = Simulator(fleet, host=args.host)
    if args.from_db:  # the attendance machines know their office's staff (devices/punchcli.py)
        from devices.punchcli import enrol_from_db
        from layers.db import engine_for

        enrol_from_db(sim, _records(args), engine_for(args.database_url))
    await sim.start()
    print(f"simulating {len(sim.devices)} devices on {args.host} ports "
          f"{sim.ports[0]}..{sim.ports[-1]}", flush=True)
    cameras = CameraServer(args.host) if any(e.model == "cctv_ipcam_v1" for e in fleet) else None
    if cameras is not None:  # the cameras' still images, at the seed's snapshot_url
        await cameras.start()
        print(f"serving camera snapshots on http://{args.host}:{cameras.port}/snapshot/<code>.png", flush=True)
    try:
        await _run_until_signal(args.duration)
    finally:
        await sim.stop()
        if cameras is not None:
            await cameras.stop()


def add_poll_args(p: argparse.ArgumentParser) -> None:
    """Options of ``python -m devices poll``."""
    p.add_argument("--interval", type=float, default=1.0,
                   help="seconds between polls of a device (--from-db: each device's own)")
    p.add_argument("--timeout", type=float, default=1.0, help="per-request timeout, seconds")
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    p.add_argument("--offline-after", type=int, default=3, help="missed polls before offline")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--no-alarms", action="store_true", help="store telemetry only, evaluate no rules")
    p.add_argument("--reload-every", type=float, default=10.0,
                   help="--from-db: seconds between checks of the device layers for added, moved or "
                        "retired devices (0: never)")
    p.add_argument("--traffic-every", type=float, default=60.0,
                   help="with a database: seconds between refreshes of the traffic_congestion layer (0: never)")
    p.add_argument("--group", action="store_true",
                   help="with a database: share the fleet with the other pollers started with --group on it "
                        "(a lease per gateway in PostgreSQL; a dead poller's gateways are taken within 10 s)")
    p.add_argument("--metrics-port", type=int, default=0,
                   help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (0: none)")


class LogSink:
    """Logs a one-line summary per batch; the sink of ``poll`` without a database."""

    async def write(self, batch: Batch) -> None:
        log.info("sink: %d readings, %d status changes", len(batch.readings), len(batch.changes))


async def run_poll_cli(args: argparse.Namespace, devices: Sequence[DeviceConfig],
                       records: Sequence = ()) -> None:
    """``python -m devices poll``: run until the duration ends or a signal arrives.

    With a database URL the sink is PostGIS (devices/store.py); `records` (the
    registry's DeviceRecords) let it place alarms and name each device's layer.
    """
    sink: Sink = LogSink()
    if args.database_url:
        from devices.store import PostgisSink

        sink = PostgisSink(args.database_url, devices=records, alarms=not args.no_alarms,
                           traffic_every_s=args.traffic_every or None)
    config = PollerConfig(timeout_s=args.timeout, retries=args.retries,
                          max_concurrency=args.concurrency, offline_after=args.offline_after)
    if args.group and not args.database_url:
        raise SystemExit("--group needs a database (--database-url or --from-db): the leases live there")
    # In a group the poller starts empty; the leases decide what it polls.
    poller = Poller([] if args.group else devices, sink, config)
    metrics = _serve_metrics(poller, args.metrics_port)
    await poller.start()
    # Gateways that allow one connection: commands go out on the poller's (devices/gatewaylink.py).
    lender = Lender(poller, getattr(sink, "engine", None))
    await lender.refresh()
    member, grouping = (await _join_group(poller, sink, devices, lender, metrics, args.metrics_port)
                        if args.group else (None, None))
    watcher = None
    if records and args.database_url and args.reload_every > 0:
        from devices.registry import follow_registry

        # Only the registry's devices follow it; ad-hoc --fleet/--device entries stay as given.
        extra = [d for d in devices if d.device_id not in {r.device_id for r in records}]

        def reload(new_records: list) -> None:
            sink.set_devices(new_records)  # type: ignore[union-attr]
            if member is not None:  # the next renewal applies it to the leased gateways
                member.set_fleet([r.config() for r in new_records] + extra)
                return
            poller.set_devices([r.config() for r in new_records] + extra)
            refreshing.add(asyncio.create_task(lender.refresh()))
            refreshing.difference_update({t for t in refreshing if t.done()})

        refreshing: set[asyncio.Task] = set()

        watcher = asyncio.create_task(follow_registry(sink.engine, reload, args.reload_every))  # type: ignore[union-attr]
    try:
        await _run_until_signal(args.duration)
    finally:
        for task in (watcher, grouping):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if member is not None:
            await member.leave()
        await lender.stop()
        await poller.stop()
    s = poller.stats
    log.info("polled %d of %d scheduled, %d ok, %d failed", s.polled, s.scheduled, s.ok, s.failed)


def _serve_metrics(poller: Poller, port: int):  # noqa: ANN202 - a PollerMetrics or None
    if not port:
        return None
    from devices.pollmetrics import PollerMetrics

    metrics = PollerMetrics()
    try:
        metrics.serve(port)
    except OSError as exc:  # a busy port costs the metrics, never the polling
        log.warning("poller: no Prometheus metrics: cannot serve on 127.0.0.1:%d (%s)", port, exc.strerror)
        return None
    poller.metrics = metrics
    log.info("poller: Prometheus metrics on http://127.0.0.1:%d/metrics", port)
    return metrics


async def _join_group(poller: Poller, sink: Sink, devices: Sequence[DeviceConfig], lender: Lender,
                      metrics, metrics_port: int) -> tuple:  # noqa: ANN001 - PollerMetrics or None
    """Lease gateways with the other pollers of the database; returns the member and its renewing task."""
    from devices.leases import LeaseBook
    from devices.pollgroup import PollerGroupMember

    owned = getattr(sink, "set_owned", None)
    if owned is not None:
        owned([], set())  # judge no device's alarms until its gateway is ours
    url = f"http://127.0.0.1:{metrics_port}/metrics" if metrics_port else None
    member = PollerGroupMember(poller, LeaseBook(sink.engine, metrics_url=url), devices,  # type: ignore[attr-defined]
                               on_owned=owned)

    async def after_tick() -> None:
        await lender.refresh()
        await lender.retain()
        if metrics is not None:
            member.export(metrics)

    log.info("poller: in a group as %s; %d devices behind %d gateways to share",
             member.book.poller_id, len(devices), len(member.gateways))
    return member, asyncio.create_task(member.run(after_tick), name="poller group")


def _poll(args: argparse.Namespace) -> None:

    records = _records(args)
    plain = argparse.Namespace(**{**vars(args), "from_db": False})
    extra = _fleet(plain) if (args.fleet or args.device or args.cctv or args.atcs or args.lights
                              or not records) else []
    devices = [r.config() for r in records] + devices_from_fleet(extra, args.host, args.interval)
    print(f"polling {len(devices)} devices", flush=True)
    asyncio.run(run_poll_cli(args, devices, records))


def _engine(args: argparse.Namespace):  # noqa: ANN202 - an SQLAlchemy Engine
    from config import database_url
    from layers.db import engine_for

    return engine_for(args.database_url or database_url())


def _command(args: argparse.Namespace) -> int:
    from devices.commands import CommandFailed, CommandUnconfirmed, send
    from devices.registermap import CommandRejected

    if not args.yes:
        answer = input(f"write {args.point} = {args.value} to {args.layer}/{args.code} as {args.actor}? [y/N] ")
        if answer.strip().lower() not in ("y", "ya", "yes"):
            print("cancelled; nothing written")
            return 1
    try:
        result = send(_engine(args), args.layer, args.code, args.point, args.value, args.actor,
                      timeout_s=args.timeout)
    except CommandRejected as exc:
        print(f"refused, nothing written: {exc}", file=sys.stderr)
        return 2
    except CommandUnconfirmed as exc:
        print(f"UNCONFIRMED, do not send again yet: {exc.result.detail} (audit #{exc.result.audit_id})",
              file=sys.stderr)
        return 4
    except CommandFailed as exc:
        print(f"failed: {exc} (audit #{exc.result.audit_id})", file=sys.stderr)
        return 3
    print(f"{result.result}: {result.point} {result.previous} -> {result.read_back} "
          f"(audit #{result.audit_id}){' ' + result.detail if result.detail else ''}")
    return 0 if result.ok else 3


def _alarms(args: argparse.Namespace) -> int:
    from devices.alarms import AlarmError, acknowledge, file_report, list_alarms, unreported

    engine = _engine(args)
    if args.action == "report":
        # Retry the complaint reports that failed to file when their alarms opened.
        for alarm_id in unreported(engine):
            print(f"alarm {alarm_id}: report {file_report(engine, alarm_id)}")
        return 0
    if args.action == "ack":
        try:
            row = acknowledge(engine, args.id, args.actor, args.note or "")
        except AlarmError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
        print(f"alarm {row['id']} acknowledged by {row['acknowledged_by']}")
        return 0
    shelved: list[dict] = []
    if args.all:
        rows = list_alarms(engine, active=False)
    else:  # the operator's list (ISA-18.2: awaiting an acknowledgement too), then the shelved ones
        from devices.alarmlife import operator_alarms

        listed, shelved = operator_alarms(engine)
        rows = listed + shelved
    shelved_ids = {a["id"] for a in shelved}
    for a in rows:
        shelf = f" [shelved until {a['shelved_until']:%Y-%m-%d %H:%M} by {a['shelved_by']}: {a['shelve_reason']}]" \
            if a["id"] in shelved_ids else ""
        unacked = " (unacknowledged)" if a["state"] == "cleared" and a["acknowledged_at"] is None else ""
        print(f"{a['id']:>6} {a['state']:<12} {a['severity']:<8} {a['opened_at']:%Y-%m-%d %H:%M} "
              f"{a['device_id']} {a['rule']}: {a['message']}{unacked}{shelf}")
    return 0


def _prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from devices.store import prune

    if args.command == "rollup":
        from devices.rollups import roll_up

        print(roll_up(_engine(args)))
        return 0
    print(prune(_engine(args), timedelta(days=args.days)))
    return 0


def _leases(args: argparse.Namespace) -> int:
    from devices.leases import group_members, lease_table

    engine = _engine(args)
    for m in group_members(engine):
        print(f"{m['poller_id']:<40} {'live' if m['live'] else 'gone':<5} {m['gateways']:>4} gateways "
              f"since {m['started_at']:%Y-%m-%d %H:%M:%S} {m['metrics_url'] or ''}")
    for row in lease_table(engine):
        print(f"  {row['gateway']:<24} {row['holder'] if row['valid'] else '(free)'} epoch {row['epoch']}")
    return 0


def _traffic(args: argparse.Namespace) -> int:
    from devices.traffic import refresh

    result = refresh(_engine(args), window_min=args.window)
    print(f"traffic_congestion: {result['intersections']} intersections, +{result['inserted']} new, "
          f"{result['updated']} updated")
    for s in result["suggestions"]:
        print(f"  suggest {s['layer']} {s['code']}: {s['point']} {s['current']:g} -> {s['suggested']:g} {s['unit']} "
              f"(mean queue {s['queue_avg_m']:g} m); apply with: python -m devices command {s['layer']} "
              f"{s['code']} {s['point']} {s['suggested']:g} --actor operator:NAME")
    return 0


def _add_admin_commands(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("command", help="write a point of a registered device (operators)")
    cmd.add_argument("layer")
    cmd.add_argument("code")
    cmd.add_argument("point")
    cmd.add_argument("value", type=float)
    cmd.add_argument("--actor", required=True, help="who is commanding, for the audit (e.g. operator:ani)")
    cmd.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    cmd.add_argument("--timeout", type=float, default=2.0)
    alarms = sub.add_parser("alarms", help="list or acknowledge alarms, or file their missing reports")
    alarms.add_argument("action", choices=["list", "ack", "report"])
    alarms.add_argument("id", type=int, nargs="?")
    alarms.add_argument("--actor", help="who acknowledges (ack)")
    alarms.add_argument("--note")
    alarms.add_argument("--all", action="store_true", help="list every alarm, acknowledged and cleared ones too")
    prune = sub.add_parser("prune", help="drop partitions of raw readings older than --days, keeping the roll-ups")
    prune.add_argument("--days", type=float, default=14)
    rollup = sub.add_parser("rollup", help="roll up the minutes and hours of telemetry not rolled up yet")
    traffic = sub.add_parser("traffic", help="refresh the traffic_congestion layer and print green-time suggestions")
    traffic.add_argument("--window", type=int, help="minutes of telemetry (default: devices/traffic.yaml)")
    leases = sub.add_parser("leases", help="the pollers of a group (poll --group) and the gateways each holds")
    from devices.adaptivecli import add_parser
    from devices.punchcli import add_parser as add_punches_parser
    from devices.wificli import add_parser as add_wifi_parser

    for p in (cmd, alarms, prune, rollup, traffic, leases, add_parser(sub), add_punches_parser(sub),
              add_wifi_parser(sub)):
        p.add_argument("--database-url", help="default: DATABASE_URL, else the project-local cluster")


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
    add_poll_args(poll)
    _add_admin_commands(sub)
    args = parser.parse_args(argv)
    if getattr(args, "from_db", False) and not args.database_url:
        # Only --from-db falls back to the platform's database (DATABASE_URL, else the local
        # cluster): a plain `poll --fleet` must not start writing into whatever database
        # the shell happens to point at.
        from config import database_url

        args.database_url = database_url()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    if args.command == "simulate":
        asyncio.run(_simulate(args))
    elif args.command == "poll":
        _poll(args)
    elif args.command == "command":
        return _command(args)
    elif args.command == "alarms":
        if args.action == "ack" and (args.id is None or not args.actor):
            parser.error("alarms ack needs an alarm id and --actor")
        return _alarms(args)
    elif args.command == "traffic":
        return _traffic(args)
    elif args.command == "adaptive":
        from devices.adaptivecli import run_cli

        return run_cli(args, _engine(args))
    elif args.command == "leases":
        return _leases(args)
    elif args.command == "punches":
        from devices.punchcli import run_cli as run_punches

        return run_punches(args, _engine(args))
    elif args.command == "wifi-schedule":
        from devices.wificli import run_cli as run_wifi

        return run_wifi(args, _engine(args))
    else:
        return _prune(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
