"""Several pollers sharing a fleet by leases (issue 22, item 5): polls on time before, during and after a kill.

N poller processes (devices/pollgroup.py, leases in PostgreSQL) poll D simulated devices at
1 Hz behind G gateways; after `--kill-at` seconds one poller is killed with SIGKILL. The
gateways are tests/helpers/modbus.py MisbehavingPeer servers (one request at a time, like
an RS-485 gateway) in child processes, and they log the time of every request: a device's
polls are counted where they land, and each poller reports the local port of every
connection it opens, so each request is traced to its poller. Per phase (before the kill,
the 10 s after it, after that) the figures are the share of device-seconds with a poll
("on time", every slot of 1 s counted once), polls of a device by a second poller less than
an interval after another's (must be 0), and for the killed poller's devices the time from
the kill to their first poll by a survivor.

The devices are one-block sensors (one Modbus request per poll, 8 input registers) by
default; `--model lpju_solar_v1` polls the street-light map (4 requests per poll). The
pollers hand readings to a counting sink, not to PostGIS: this measures polling and the
hand-over, not telemetry ingest (that is item 1's benchmark).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_pollers.py --database-url postgresql://webgis@127.0.0.1:54329/medan
    PYTHONPATH=. .venv/bin/python benchmarks/bench_pollers.py --devices 600 --gateways 12 --duration 40 --kill-at 15
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import os
import signal
import statistics
import time
from collections.abc import Sequence

from sqlalchemy import text

from devices.datatypes import Batch, DeviceConfig
from devices.leases import LeaseBook, lease_table
from devices.modbustcp import ModbusTcpConnection
from devices.pollconfig import PollerConfig
from devices.poller import Poller
from devices.pollgroup import PollerGroupMember
from devices.registermap import load_maps, parse_map
from layers.db import engine_for
from tests.helpers.modbus import MisbehavingPeer, free_ports

SENSOR = {"model": "bench_sensor_v1", "title": {"id": "Sensor uji", "en": "Benchmark sensor"},
          "points": [{"name": f"value_{i}", "title": {"id": f"Nilai {i}", "en": f"Value {i}"}, "function": "input",
                      "address": i, "type": "uint16"} for i in range(8)]}
INTERVAL_S = 1.0
TAKEOVER_WINDOW_S = 10.0


def maps(model: str) -> dict:
    return {"bench_sensor_v1": parse_map(SENSOR)} if model == "bench_sensor_v1" else load_maps()


def serve_gateways(ports: Sequence[int], units: int, ready: mp.Event, stop: mp.Event,
                   out: mp.Queue) -> None:
    """A child process: MisbehavingPeer gateways (all units well behaved); sends their request logs at the end."""
    peers = [MisbehavingPeer(port, serial=True).__enter__() for port in ports]
    for peer in peers:
        for unit in range(1, units + 1):
            peer.unit(unit)
    ready.set()
    stop.wait()
    logs = {(peer.port, unit): [(t, client) for t, _, client in peer.unit(unit).log]
            for peer in peers for unit in range(1, units + 1)}
    for peer in peers:
        peer.__exit__(None, None, None)
    out.put(logs)


class CountingSink:
    def __init__(self) -> None:
        self.readings = 0

    async def write(self, batch: Batch) -> None:
        self.readings += len(batch.readings)


def run_poller(url: str, fleet: list[DeviceConfig], model: str, index: int, sockets: mp.Queue) -> None:
    """A child process: one member of the group, until SIGTERM (or SIGKILL).

    Each connection it opens is reported (its local port, poller index) as it opens, so the
    gateways' request logs tell which poller sent each request, even the killed one's.
    """
    logging.getLogger("devices").setLevel(logging.ERROR)  # per-device faults of an overloaded run: figures say it
    connect = ModbusTcpConnection.connect

    async def reporting_connect(self: ModbusTcpConnection) -> None:
        await connect(self)
        sockets.put((self._writer.get_extra_info("sockname")[1], index))

    ModbusTcpConnection.connect = reporting_connect  # type: ignore[method-assign]

    async def main() -> None:
        poller = Poller([], CountingSink(), PollerConfig(timeout_s=1.0, flush_interval_s=1.0), maps=maps(model))
        member = PollerGroupMember(poller, LeaseBook(engine_for(url)), fleet)
        await poller.start()
        renewing = asyncio.create_task(member.run())
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        renewing.cancel()
        await member.leave()
        await poller.stop()

    asyncio.run(main())


def phase_figures(logs: dict, owner: dict[int, int], start: float, end: float,
                  devices: Sequence[tuple[int, int]]) -> dict:
    """In [start, end): the share of device-seconds with a poll, and polls of a device by a second
    poller less than an interval after another poller's (two pollers on one device at once)."""
    slots = int((end - start) // INTERVAL_S)
    covered = doubles = 0
    for key in devices:
        polls = [(t, owner.get(client, -1)) for t, client in logs[key] if start <= t < start + slots * INTERVAL_S]
        covered += len({int((t - start) // INTERVAL_S) for t, _ in polls})
        doubles += sum(1 for (a, pa), (b, pb) in zip(polls, polls[1:], strict=False)
                       if pa != pb and b - a < INTERVAL_S)
    expected = slots * len(devices)
    return {"slots": expected, "on_time": covered / expected if expected else 0.0, "doubles": doubles}


def _reset(url: str) -> None:
    engine = engine_for(url)
    with engine.begin() as conn:  # a fresh group: no leases or members of an earlier run
        conn.execute(text("DELETE FROM devices.poller_leases"))
        conn.execute(text("DELETE FROM devices.pollers"))
    engine.dispose()


def _start_gateways(ctx, ports: list[int], units: int, processes: int):  # noqa: ANN001, ANN202
    stop, out, children = ctx.Event(), ctx.Queue(), []
    for i in range(processes):
        ready = ctx.Event()
        child = ctx.Process(target=serve_gateways, args=(ports[i::processes], units, ready, stop, out), daemon=True)
        child.start()
        children.append((child, ready))
    for _child, ready in children:
        assert ready.wait(60), "gateways did not start"
    return stop, out, [c for c, _ in children]


def _wait_balanced(url: str, pollers: int, gateways: int, timeout_s: float = 60) -> float:
    engine = engine_for(url)
    started, share = time.monotonic(), -(-gateways // pollers)
    try:
        while time.monotonic() - started < timeout_s:
            held: dict[str, int] = {}
            for row in lease_table(engine):
                if row["valid"] and row["holder"]:
                    held[row["holder"]] = held.get(row["holder"], 0) + 1
            if len(held) == pollers and sum(held.values()) == gateways and max(held.values()) <= share:
                return time.monotonic() - started
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise SystemExit(f"the pollers did not share the {gateways} gateways within {timeout_s:g} s")


def _victim(url: str, procs: list) -> tuple[object, set[int]]:  # noqa: ANN001
    engine = engine_for(url)
    rows = [r for r in lease_table(engine) if r["valid"] and r["holder"]]
    engine.dispose()
    proc = procs[0]
    mine = next(r["holder"] for r in rows if f":{proc.pid}:" in r["holder"])
    return proc, {int(r["gateway"].rsplit(":", 1)[1]) for r in rows if r["holder"] == mine}


def main() -> None:
    from config import database_url

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="a migrated database (default: the platform's)")
    parser.add_argument("--devices", type=int, default=3000)
    parser.add_argument("--gateways", type=int, default=60)
    parser.add_argument("--pollers", type=int, default=3)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured after the pollers share")
    parser.add_argument("--kill-at", type=float, default=20.0, help="seconds into the measured run")
    parser.add_argument("--gateway-processes", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=0,
                        help="gateways on base-port, base-port + 1, ... (keep below 32768); 0: free ports the kernel picks")
    parser.add_argument("--model", default="bench_sensor_v1", help="bench_sensor_v1 (1 request a poll) or a shipped map")
    args = parser.parse_args()
    url = args.database_url or database_url()
    units = args.devices // args.gateways
    ctx = mp.get_context("spawn")
    ports = list(range(args.base_port, args.base_port + args.gateways)) if args.base_port else free_ports(args.gateways)
    fleet = [DeviceConfig(f"bench/{p}/{u}", args.model, "127.0.0.1", p, u, INTERVAL_S)
             for p in ports for u in range(1, units + 1)]
    _reset(url)
    stop, out, gateway_children = _start_gateways(ctx, ports, units, args.gateway_processes)
    sockets = ctx.Queue()
    procs = [ctx.Process(target=run_poller, args=(url, fleet, args.model, i, sockets)) for i in range(args.pollers)]
    for proc in procs:
        proc.start()
    try:
        shared_after = _wait_balanced(url, args.pollers, args.gateways)
        time.sleep(2.0)  # the last hand-overs of the start settle
        start = time.monotonic()
        time.sleep(args.kill_at)
        victim, orphans = _victim(url, procs)
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        time.sleep(max(0.0, args.duration - args.kill_at))
        end = time.monotonic()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(20)
        stop.set()
        logs: dict = {}
        for _ in gateway_children:
            logs.update(out.get(timeout=60))
        for child in gateway_children:
            child.join(10)
    owner: dict[int, int] = {}
    while not sockets.empty():
        port, index = sockets.get()
        owner[port] = index
    report(args, logs, owner, fleet, shared_after, start, killed, end, orphans)


def report(args: argparse.Namespace, logs: dict, owner: dict[int, int], fleet: list[DeviceConfig], shared_after: float,
           start: float, killed: float, end: float, orphans: set[int]) -> None:
    everyone = [(d.port, d.unit) for d in fleet]
    orphaned = [k for k in everyone if k[0] in orphans]
    phases = {"before the kill": (start, killed), f"kill .. +{TAKEOVER_WINDOW_S:g} s": (killed, killed + TAKEOVER_WINDOW_S),
              "after": (killed + TAKEOVER_WINDOW_S, end)}
    print(f"{len(fleet)} devices ({args.model}) behind {args.gateways} gateways, {args.pollers} pollers at "
          f"{1 / INTERVAL_S:g} Hz; {os.cpu_count()} CPUs; shared out {shared_after:.1f} s after start; "
          f"poller killed (SIGKILL) at {killed - start:.1f} s, holding {len(orphans)} gateways ({len(orphaned)} devices)")
    print(f"{'phase':<18} {'devices':>8} {'device-seconds':>15} {'on time':>9} {'two pollers':>12}")
    for name, (a, b) in phases.items():
        for who, keys in (("all", everyone), ("orphaned", orphaned)):
            f = phase_figures(logs, owner, a, b, keys)
            print(f"{name:<18} {who:>8} {f['slots']:>15,} {f['on_time']:>8.2%} {f['doubles']:>12}")
    # A request sent just before the kill can reach its gateway just after it: count from 0.5 s.
    takeover = [min((t for t, _ in logs[k] if t >= killed + 0.5), default=float("inf")) - killed for k in orphaned]
    unknown = sum(1 for k in everyone for _, client in logs[k] if client not in owner)
    if unknown:
        print(f"({unknown} requests from connections no poller reported; counted as a poller of their own)")
    if takeover:
        print(f"takeover (kill -> first poll by a survivor): median {statistics.median(takeover):.2f} s, "
              f"max {max(takeover):.2f} s over {len(takeover)} devices (bound: 10 s)")


if __name__ == "__main__":
    main()
