"""Devices behind one gateway: a slow or dead neighbour never costs the healthy ones a poll; a returning gateway is polled within seconds."""

from __future__ import annotations

import asyncio
import time

from devices.datatypes import DeviceConfig, MemorySink
from devices.poller import Poller, PollerConfig, wait_until

HEALTHY = range(1, 6)
CONFIG = PollerConfig(timeout_s=0.3, late_grace_s=0.3, retries=0, offline_after=2, offline_probe_s=4.0,
                      flush_interval_s=0.05)


def _fleet(port: int, units, interval: float) -> list[DeviceConfig]:  # noqa: ANN001
    return [DeviceConfig(f"gw/{u}", "lpju_solar_v1", "127.0.0.1", port, u, interval) for u in units]


def _faults(sink: MemorySink, device: str) -> list[str]:
    return [c.detail for c in sink.changes if c.device_id == device and c.status in ("fault", "offline")]


def test_a_slow_neighbour_behind_the_gateway_costs_the_healthy_devices_nothing(peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    gateway = peer(port, serial=True)  # an RS-485 gateway: one request at a time
    gateway.behave(6, "slow", delay_s=0.8)  # answers after the poller gave up, holding the bus meanwhile
    gateway.behave(7, "silent", busy_s=0.5)  # dead: the gateway waits out its serial timeout
    interval, duration = 2.0, 10.0
    sink = MemorySink()
    poller = Poller(_fleet(port, [*HEALTHY, 6, 7], interval), sink, CONFIG)
    asyncio.run(poller.run(duration))
    for unit in HEALTHY:
        device = f"gw/{unit}"
        # No poll lost, never offline. (A "slow" note is tolerated: on a loaded test machine
        # an answer can take longer than 0.3 s by the device's own clock.)
        lost = [f for f in _faults(sink, device) if not f.startswith("slow")]
        assert lost == [], (device, lost)
        readings = sum(1 for r in sink.readings if r.device_id == device)
        assert readings >= duration / interval - 2, (device, readings, poller.stats)
        assert poller.states[device].status == "online"
    # The culprits are named, as nobody answering in time.
    assert _faults(sink, "gw/6")[0].startswith("timeout") and _faults(sink, "gw/7")[0].startswith("timeout")


def test_devices_are_polled_within_seconds_of_their_gateway_returning(peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    gateway = peer(port)
    sink = MemorySink()
    # The shipped back-off and probe settings: what a deployment gets.
    config = PollerConfig(timeout_s=0.3, flush_interval_s=0.05)
    poller = Poller(_fleet(port, range(1, 4), 1.0), sink, config)
    returned: list[float] = []

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: len(sink.readings) >= 3, 5)
            gateway.down()
            assert await wait_until(lambda: all(s.status == "offline" for s in poller.states.values()), 10)
            await asyncio.sleep(15)  # long enough for any back-off to reach its ceiling
            gateway.up()
            returned.append(time.time())
            await wait_until(lambda: {r.device_id for r in sink.readings if r.time > returned[0]}
                             == set(poller.states), 30)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    first_good = {d: min((r.time for r in sink.readings if r.device_id == d and r.time > returned[0]), default=None)
                  for d in poller.states}
    gaps = {d: None if t is None else round(t - returned[0], 2) for d, t in first_good.items()}
    assert all(g is not None and g < 5.0 for g in gaps.values()), gaps
