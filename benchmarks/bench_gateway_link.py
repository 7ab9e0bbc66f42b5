"""A gateway that allows one connection (an RTU converter or a Modbus TCP gateway), polled and commanded at once.

One MisbehavingPeer (RTU framing, or Modbus TCP with `--framing tcp`) that accepts a single
TCP connection and answers one request at a time (an RS-485 line), `--units` lamps behind it polled every `--interval`
seconds; meanwhile an operator's script writes and reads back a register every
`--every` seconds through the poller's lent connection (devices/gatewaylink.py), as
devices.commands does. Prints the command round trips, the share of poll slots that
gave a good reading, and the connections the converter refused (target: 0).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_gateway_link.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_gateway_link.py --units 20 --duration 30
    PYTHONPATH=. .venv/bin/python benchmarks/bench_gateway_link.py --framing tcp
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from pymodbus.client import ModbusTcpClient

from devices.datatypes import DeviceConfig, MemorySink
from devices.gatewaylink import Lender
from devices.poller import Poller, PollerConfig
from tests.helpers.modbus import MisbehavingPeer, free_ports


def command(port: int, unit: int, value: int) -> float:
    """Write a holding register and read it back through the link; the round trip in seconds."""
    started = time.perf_counter()
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=3, retries=0)
    try:
        assert client.connect()
        assert not client.write_registers(0, [value], device_id=unit).isError()
        assert client.read_holding_registers(0, count=1, device_id=unit).registers == [value]
    finally:
        client.close()
    return time.perf_counter() - started


async def scenario(args: argparse.Namespace, port: int) -> tuple[list[float], Poller, MemorySink]:
    transport = "rtu_over_tcp" if args.framing == "rtu" else "tcp"
    fleet = [DeviceConfig(f"lamp/{u}", "lpju_solar_v1", "127.0.0.1", port, u, args.interval, transport=transport)
             for u in range(1, args.units + 1)]
    sink = MemorySink()
    poller = Poller(fleet, sink, PollerConfig(timeout_s=0.5, flush_interval_s=0.2))
    await poller.start()
    lender = Lender(poller, None)
    await lender.refresh()
    link_port = next(iter(lender.links.values())).link_port
    trips: list[float] = []
    try:
        end = time.monotonic() + args.duration
        value = 0
        while time.monotonic() < end:
            value = (value + 7) % 100
            trips.append(await asyncio.to_thread(command, link_port, 1 + value % args.units, value))
            await asyncio.sleep(args.every)
    finally:
        await lender.stop()
        await poller.stop()
    return trips, poller, sink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between commands")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--framing", choices=("rtu", "tcp"), default="rtu",
                        help="an RTU converter (default) or a Modbus TCP gateway")
    args = parser.parse_args()
    (port,) = free_ports(1)
    with MisbehavingPeer(port, serial=True, framing=args.framing, max_connections=1) as converter:
        trips, poller, sink = asyncio.run(scenario(args, port))
        slots = args.units * args.duration / args.interval
        print(f"{args.units} {args.framing.upper()} units every {args.interval:g} s for {args.duration:g} s, a command every "
              f"{args.every:g} s through the poller's connection")
        print(f"commands: {len(trips)}, round trip (write + read-back) median {statistics.median(trips) * 1000:.0f} ms, "
              f"max {max(trips) * 1000:.0f} ms")
        print(f"good readings: {len(sink.readings)} of ~{slots:.0f} poll slots "
              f"({100 * len(sink.readings) / slots:.1f} %); failed polls: {poller.stats.failed}")
        print(f"converter: {converter.connections} connection(s) accepted, {converter.rejected} refused, "
              f"at most {converter.most_at_once} at once")


if __name__ == "__main__":
    main()
