"""Devices that misbehave behind the same gateways as healthy ones: three figures of issue 21.

1. on time: gateways that answer one request at a time (RS-485 behind Modbus TCP), 5 % of
   their units misbehaving (silent, slow past the timeout, exception 11, garbage); the
   share of the healthy units' poll slots that produced a good reading in time
   (target >= 99.5 %);
2. return: a gateway drops for `--outage` seconds (30 by default, as in the issue); the
   time from its return to each of its devices' first good reading (target < 5 s);
3. flapping: the shipped alarm rules fed a lamp fault toggling three times in 30 s, then
   gone; alarms opened and reports filed (target: exactly one each). Pure rule
   evaluation on a simulated clock, so the 5-minute off-delay costs no wall time.

The gateways are tests/helpers/modbus.py MisbehavingPeer servers (not the project's
simulator), each in a child process so their work does not share this process's GIL.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_device_faults.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_device_faults.py --gateways 10 --units 20 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import statistics
import time
from collections import Counter

from devices.datatypes import DeviceConfig, MemorySink, Reading
from devices.poller import Poller, PollerConfig
from devices.rules import Evaluator, load_rules
from tests.helpers.modbus import MisbehavingPeer, free_ports

MISBEHAVIOURS = [("silent", {"busy_s": 0.5}), ("slow", {"delay_s": 1.5}), ("exception", {"code": 11}),
                 ("garbage", {})]


def serve(port: int, behaviours: dict[int, tuple[str, dict]], commands: mp.connection.Connection,
          max_connections: int | None = None) -> None:
    """A child process: one gateway, driven by 'down' / 'up' / 'stop' over a pipe."""
    with MisbehavingPeer(port, serial=True, max_connections=max_connections) as peer:
        for unit, (kind, options) in behaviours.items():
            peer.behave(unit, kind, **options)
            peer.set(unit, "input", 0, 1250)
            peer.set(unit, "input", 1, 600)
        commands.send("ready")
        while (command := commands.recv()) != "stop":
            peer.down() if command == "down" else peer.up()
            commands.send(command)


def start_gateways(layout: dict[int, dict[int, tuple[str, dict]]],
                   max_connections: int | None = None) -> dict[int, tuple[mp.Process, object]]:
    out = {}
    for port, behaviours in layout.items():
        ours, theirs = mp.Pipe()
        proc = mp.Process(target=serve, args=(port, behaviours, theirs, max_connections), daemon=True)
        proc.start()
        out[port] = (proc, ours)
    for _proc, pipe in out.values():
        assert pipe.recv() == "ready"
    return out


def stop_gateways(gateways: dict) -> None:
    for proc, pipe in gateways.values():
        pipe.send("stop")
        proc.join(timeout=10)


class TimedPoller(Poller):
    """Records each poll's device, slot and outcome."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.polls: list[tuple[str, float, float, bool]] = []

    async def _poll_once(self, ep, slot, state, due) -> None:  # noqa: ANN001
        answered_before = state.last_ok  # this poll's own outcome (stats.ok also counts the other lane's)
        await super()._poll_once(ep, slot, state, due)
        self.polls.append((state.config.device_id, due, time.monotonic(), state.last_ok != answered_before))


def on_time(args: argparse.Namespace, config: PollerConfig) -> None:
    rng = random.Random(21)
    ports = free_ports(args.gateways)
    n = args.gateways * args.units
    bad = set(rng.sample(range(n), round(n * 0.05)))
    layout = {p: {} for p in ports}
    fleet, healthy = [], set()
    for i in range(n):
        port, unit = ports[i // args.units], i % args.units + 1
        layout[port][unit] = MISBEHAVIOURS[i % len(MISBEHAVIOURS)] if i in bad else ("ok", {})
        fleet.append(DeviceConfig(f"{port}/{unit}", "lpju_solar_v1", "127.0.0.1", port, unit, args.interval))
        if i not in bad:
            healthy.add(f"{port}/{unit}")
    gateways = start_gateways(layout, args.max_connections)
    try:
        poller = TimedPoller(fleet, MemorySink(), config, rng=random.Random(1))
        asyncio.run(poller.run(args.duration))
    finally:
        stop_gateways(gateways)
    slots = [p for p in poller.polls if p[0] in healthy]
    good = [p for p in slots if p[3] and p[2] <= p[1] + args.interval]
    skipped = poller.stats.skipped_late
    share = len(good) / max(1, len(slots) + skipped)
    accepting = "" if args.max_connections is None else f" accepting {args.max_connections} connection(s) each"
    print(f"on time: {n} devices behind {args.gateways} serial gateways{accepting}, {len(bad)} misbehaving "
          f"({', '.join(k for k, _ in MISBEHAVIOURS)}), interval {args.interval:g} s, {args.duration:g} s")
    print(f"  healthy polls on time with a good reading: {len(good)} of {len(slots)} polled "
          f"(+{skipped} slots skipped late, any device) = {100 * share:.2f} % (target >= 99.5 %)")
    named = Counter(s.fault for d, s in poller.states.items() if d not in healthy)
    print(f"  misbehaving units' faults at the end: {dict(sorted(named.items(), key=str))}")


def gateway_return(args: argparse.Namespace, config: PollerConfig) -> None:
    (port,) = free_ports(1)
    units = range(1, args.units + 1)
    gateways = start_gateways({port: {u: ("ok", {}) for u in units}})
    _proc, pipe = gateways[port]
    fleet = [DeviceConfig(f"{port}/{u}", "lpju_solar_v1", "127.0.0.1", port, u, args.interval) for u in units]
    sink = MemorySink()
    poller = Poller(fleet, sink, config)
    back: list[float] = []

    async def scenario() -> None:
        await poller.start()
        try:
            await asyncio.sleep(3)
            pipe.send("down")
            pipe.recv()
            await asyncio.sleep(args.outage)
            pipe.send("up")
            pipe.recv()
            back.append(time.time())
            await asyncio.sleep(15)
        finally:
            await poller.stop()

    try:
        asyncio.run(scenario())
    finally:
        stop_gateways(gateways)
    firsts = [min((r.time for r in sink.readings if r.device_id == d.device_id and r.time > back[0]),
                  default=float("inf")) - back[0] for d in fleet]
    print(f"return: {args.units} devices behind one gateway, outage {args.outage:g} s, interval {args.interval:g} s")
    print(f"  gateway return -> first good reading: median {statistics.median(firsts):.2f} s, "
          f"max {max(firsts):.2f} s (target < 5 s)")


def count_lamp_alarms(toggles: list[tuple[int, int]], minutes: int = 30) -> tuple[int, int]:
    """(opened, cleared) lamp_fault alarms of the shipped rules for a fault following `toggles`."""
    rules = load_rules()
    device = "street_lights/LPJU-0001"
    evaluator = Evaluator(rules, {device: "lpju_solar_v1"})
    opened = cleared = 0
    for second in range(minutes * 60):
        fault = [v for at, v in toggles if at <= second][-1]
        values = {"lamp_fault": fault, "battery_soc": 60.0, "battery_voltage": 12.5}
        for t in evaluator.on_reading(Reading(device, "lpju_solar_v1", 1_000_000.0 + second, values, values)):
            opened += t.kind == "open" and t.rule.id == "lamp_fault"
            cleared += t.kind == "clear" and t.rule.id == "lamp_fault"
    return opened, cleared


def flapping() -> None:
    lamp = next(r for r in load_rules()["lpju_solar_v1"] if r.id == "lamp_fault")
    print(f"flapping: shipped lamp_fault rule (for_s {lamp.for_s:g} s, clear_for_s {lamp.clear_for_s:g} s, "
          f"report {lamp.report}), polled every 1 s for 30 min")
    cases = {"three 5 s blips in 30 s": [(0, 1), (5, 0), (10, 1), (15, 0), (20, 1), (25, 0)],
             "three 12 s faults in 54 s": [(0, 1), (12, 0), (18, 1), (30, 0), (36, 1), (48, 0)]}
    for name, toggles in cases.items():
        opened, cleared = count_lamp_alarms(toggles)
        print(f"  {name}, then healthy: alarms opened {opened}, cleared {cleared}, "
              f"reports filed {opened if lamp.report else 0} (target: at most one of each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--only", choices=("on_time", "return", "flapping"))
    parser.add_argument("--max-connections", type=int, default=None,
                        help="gateways that accept this many TCP connections (many accept one)")
    args = parser.parse_args()
    config = PollerConfig(timeout_s=0.5, retries=1)
    if args.only in (None, "flapping"):
        flapping()
    if args.only in (None, "return"):
        gateway_return(args, config)
    if args.only in (None, "on_time"):
        on_time(args, config)


if __name__ == "__main__":
    main()
