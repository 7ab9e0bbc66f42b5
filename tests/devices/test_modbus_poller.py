"""Poller against the real simulator over TCP: every fault kind, transitions, isolation."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import pytest

from devices.datatypes import DeviceConfig, MemorySink
from devices.poller import Poller, PollerConfig, wait_until
from devices.simulator import FleetEntry

FAST = PollerConfig(timeout_s=0.2, retries=1, backoff_s=0.01, offline_after=3,
                    offline_probe_s=0.5, flush_interval_s=0.05)


def _cfg(port: int, unit: int, model: str, interval: float = 0.2) -> DeviceConfig:
    return DeviceConfig(f"{port}/{unit}", model, "127.0.0.1", port, unit, interval)


def _statuses(sink: MemorySink, device_id: str) -> list[str]:
    return [c.status for c in sink.changes if c.device_id == device_id]


async def _run_until(poller: Poller, predicate, timeout_s: float = 5.0) -> bool:
    await poller.start()
    try:
        return await wait_until(predicate, timeout_s)
    finally:
        await poller.stop()


def test_healthy_fleet_is_polled_and_scaled(simulator, ports) -> None:
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 1, "lpju_solar_v1"), FleetEntry(port, 2, "atcs_controller_v1"),
                     FleetEntry(port, 3, "cctv_ipcam_v1"), FleetEntry(port, 4, "attendance_v1")])
    sim.force(port, 1, "battery_voltage", 12.34)
    sim.force(port, 1, "solar_power", 87.5)  # float32, little word order
    sim.force(port, 3, "temperature", -3.2)  # int16 with scale 0.1
    sink = MemorySink()
    poller = Poller([_cfg(port, u, m) for u, m in [(1, "lpju_solar_v1"), (2, "atcs_controller_v1"),
                     (3, "cctv_ipcam_v1"), (4, "attendance_v1")]], sink, FAST)
    assert asyncio.run(_run_until(poller, lambda: len({r.device_id for r in sink.readings}) == 4))
    light = next(r for r in sink.readings if r.device_id == f"{port}/1")
    assert light.values["battery_voltage"] == pytest.approx(12.34)
    assert light.raw["battery_voltage"] == 1234
    assert light.values["solar_power"] == pytest.approx(87.5)
    cam = next(r for r in sink.readings if r.device_id == f"{port}/3")
    assert cam.values["temperature"] == pytest.approx(-3.2)
    assert cam.raw["temperature"] == -32
    assert all(poller.states[d].status == "online" for d in poller.states)


def test_timeout_goes_offline_after_n_then_online(simulator, ports, caplog) -> None:
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 1, "lpju_solar_v1", {"kind": "timeout"}),
                     FleetEntry(port, 2, "lpju_solar_v1")])
    sink = MemorySink()
    poller = Poller([_cfg(port, 1, "lpju_solar_v1", 0.1), _cfg(port, 2, "lpju_solar_v1", 0.1)],
                    sink, FAST)

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: poller.states[f"{port}/1"].status == "offline", 5)
            missed = poller.states[f"{port}/1"].missed
            assert missed >= FAST.offline_after
            sim.clear_fault(port, 1)
            assert await wait_until(lambda: poller.states[f"{port}/1"].status == "online", 5)
        finally:
            await poller.stop()

    with caplog.at_level(logging.INFO, logger="devices.poller"):
        asyncio.run(scenario())
    assert _statuses(sink, f"{port}/1") == ["fault", "offline", "recovered", "online"]
    # Logged once on transition, not once per missed poll.
    faults = [r for r in caplog.records if f"{port}/1: fault" in r.getMessage()]
    assert len(faults) == 1 and "timeout" in faults[0].getMessage()
    assert poller.states[f"{port}/2"].status == "online"


def test_modbus_exception_is_a_fault_not_a_crash(simulator, ports) -> None:
    (port,) = ports(1)
    simulator([FleetEntry(port, 1, "atcs_controller_v1", {"kind": "exception", "code": 4})])
    sink = MemorySink()
    poller = Poller([_cfg(port, 1, "atcs_controller_v1", 0.1)], sink, FAST)
    assert asyncio.run(_run_until(poller, lambda: poller.stats.failed >= 3))
    fault = next(c for c in sink.changes if c.status == "fault")
    assert fault.fault == "device_failure" and "exception 4 (server device failure)" in fault.detail
    # It answers, so it is not offline (no "not answering" alarm, no crew for it).
    assert poller.stats.ok == 0 and poller.states[f"{port}/1"].status != "offline"


def test_slow_answer_within_timeout_is_ok_but_late_one_is_a_timeout(simulator, ports) -> None:
    a, b = ports(2)
    simulator([FleetEntry(a, 1, "cctv_ipcam_v1", {"kind": "slow", "delay_s": 0.05}),
               FleetEntry(b, 1, "cctv_ipcam_v1", {"kind": "slow", "delay_s": 0.5}),
               FleetEntry(b, 2, "lpju_solar_v1")])
    sink = MemorySink()
    poller = Poller([_cfg(a, 1, "cctv_ipcam_v1"), _cfg(b, 1, "cctv_ipcam_v1"),
                     _cfg(b, 2, "lpju_solar_v1")], sink, FAST)
    ok_slow = lambda: any(r.device_id == f"{a}/1" for r in sink.readings)  # noqa: E731
    assert asyncio.run(_run_until(
        poller, lambda: ok_slow() and poller.states[f"{b}/1"].fault == "no_answer"
        and sum(r.device_id == f"{b}/2" for r in sink.readings) >= 8))
    slow = [r for r in sink.readings if r.device_id == f"{a}/1"]
    assert min(r.latency_s for r in slow) >= 0.05 * 3  # three blocks, each delayed
    # The late answers of b/1 must never be taken for b/2's (same connection): b/2 is
    # another model, so a mix-up would show as short responses or foreign values.
    assert not any(r.device_id == f"{b}/1" for r in sink.readings)
    assert _statuses(sink, f"{b}/2") == ["online"]
    assert all(r.model == "lpju_solar_v1" for r in sink.readings if r.device_id == f"{b}/2")


def test_reboot_resets_counters_and_is_reported(simulator, ports) -> None:
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 1, "atcs_controller_v1")])
    sink = MemorySink()
    poller = Poller([_cfg(port, 1, "atcs_controller_v1", 0.1)], sink, FAST)

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: len(sink.readings) >= 2, 3)
            sim.set_fault(port, 1, "reboot", duration_s=0.5)
            assert await wait_until(lambda: any(c.status == "counter_reset" for c in sink.changes), 5)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    before = [r for r in sink.readings if r.values["count_north"] > 100]
    after = sink.readings[-1]
    assert before and after.values["count_north"] < 100 and after.values["uptime"] <= 2
    assert "count_north" in next(c for c in sink.changes if c.status == "counter_reset").detail


def test_out_of_range_value_is_flagged_once(simulator, ports) -> None:
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 1, "lpju_solar_v1", {"kind": "out_of_range", "point": "battery_soc"})])
    sink = MemorySink()
    poller = Poller([_cfg(port, 1, "lpju_solar_v1", 0.05)], sink, FAST)

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: len(sink.readings) >= 5, 3)
            sim.clear_fault(port, 1)
            assert await wait_until(lambda: any(c.status == "in_range" for c in sink.changes), 3)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    assert sink.readings[0].out_of_range == ("battery_soc",)
    assert sink.readings[0].values["battery_soc"] > 100
    assert [c.status for c in sink.changes if "range" in c.status] == ["out_of_range", "in_range"]


def test_garbage_speaking_peer_does_not_kill_the_poller(simulator, ports) -> None:
    good, bad = ports(2)
    simulator([FleetEntry(good, 1, "lpju_solar_v1")])

    async def scenario() -> tuple[MemorySink, Poller]:
        async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await reader.read(260):
                writer.write(b"\x00\x01\x00\x00\x00\x03\x01\x84")  # truncated/odd frames
                await writer.drain()
        server = await asyncio.start_server(garbage, "127.0.0.1", bad)
        sink = MemorySink()
        poller = Poller([_cfg(good, 1, "lpju_solar_v1", 0.1), _cfg(bad, 1, "lpju_solar_v1", 0.1)],
                        sink, FAST)
        try:
            await _run_until(poller, lambda: poller.states[f"{bad}/1"].status == "offline")
        finally:
            server.close()
            await server.wait_closed()
        return sink, poller

    sink, poller = asyncio.run(scenario())
    assert poller.states[f"{bad}/1"].status == "offline"
    assert sum(r.device_id == f"{good}/1" for r in sink.readings) >= 3


def _silent_listener() -> socket.socket:
    """A port that accepts TCP connections and never answers: a hung gateway."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def _readings_per_device(devices: list[DeviceConfig], duration: float) -> dict[str, int]:
    sink = MemorySink()
    asyncio.run(Poller(devices, sink, FAST).run(duration))
    counts = {d.device_id: 0 for d in devices}
    for r in sink.readings:
        counts[r.device_id] += 1
    return counts


def test_unreachable_hosts_do_not_slow_healthy_devices(simulator, ports) -> None:
    (port,) = ports(1)
    refused = ports(1)[0]  # nothing listens here
    hung = _silent_listener()
    healthy = [FleetEntry(port, u, "lpju_solar_v1") for u in range(1, 11)]
    simulator(healthy)
    interval, duration = 0.25, 2.5
    good = [_cfg(port, e.unit, e.model, interval) for e in healthy]
    dead = [_cfg(refused, u, "lpju_solar_v1", interval) for u in range(1, 6)]
    # Hung devices share one connection, so they go offline one timeout at a time.
    dead += [_cfg(hung.getsockname()[1], u, "lpju_solar_v1", interval) for u in range(1, 4)]
    try:
        # Compare against the same healthy fleet alone, so a busy machine does not
        # fail the test; what must not happen is the dead endpoints eating the pace.
        alone = _readings_per_device(good, duration)
        t0 = time.monotonic()
        mixed = _readings_per_device(good + dead, duration)
        elapsed = time.monotonic() - t0
    finally:
        hung.close()
    baseline = sum(alone.values())
    with_dead = sum(mixed[d.device_id] for d in good)
    assert with_dead >= 0.9 * baseline, (alone, mixed)
    assert min(mixed[d.device_id] for d in good) >= 0.5 * duration / interval, mixed
    assert elapsed < duration + 1.5
    assert all(mixed[d.device_id] == 0 for d in dead)
