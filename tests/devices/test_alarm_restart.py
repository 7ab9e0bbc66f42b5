"""Alarm state survives a poller restart: a device that stays dead keeps its alarm and its offline timer."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from sqlalchemy import text

from devices.alarms import alarm_history, list_alarms
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.1,
                    idle_write_s=0.2)
OFFLINE_FOR_S = 3.0


def _light_on(engine, port: int) -> DeviceRecord:  # noqa: ANN001
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    return dataclasses.replace(light, host="127.0.0.1", port=port, unit=1, interval_s=0.1)


def _rules() -> dict:
    return {m: [dataclasses.replace(r, for_s=OFFLINE_FOR_S) if r.status == "offline" else r for r in rules]
            for m, rules in load_rules().items()}


def _run(engine, light: DeviceRecord, until, timeout_s: float) -> bool:  # noqa: ANN001
    """Start a fresh sink and poller (a restart), run until `until()` or the timeout, stop."""
    sink = PostgisSink(engine, devices=[light], rules=_rules())
    poller = Poller([light.config()], sink, FAST)

    async def scenario() -> bool:
        await poller.start()
        try:
            return await wait_until(until, timeout_s)
        finally:
            await poller.stop()

    return asyncio.run(scenario())


def _offline_since(engine, device: str) -> float | None:  # noqa: ANN001
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, status_since FROM devices.device_state WHERE device_id = :d"),
                           {"d": device}).one_or_none()
    return row.status_since.timestamp() if row is not None and row.status == "offline" else None


def test_restarts_keep_the_offline_alarm_and_its_timer_while_the_device_stays_dead(
        isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    gateway.behave(1, "silent")  # the gateway answers TCP; the lamp behind it is dead
    light = _light_on(engine, port)
    device = light.device_id

    # Run 1: the device goes offline; the poller stops before the alarm is due.
    assert _run(engine, light, lambda: _offline_since(engine, device) is not None, 5)
    went_offline = _offline_since(engine, device)
    assert list_alarms(engine, device=device) == []

    # Run 2 (a restart): the alarm opens OFFLINE_FOR_S after the device went offline,
    # not OFFLINE_FOR_S after the new poller noticed it again.
    assert _run(engine, light, lambda: list_alarms(engine, device=device), 8)
    (alarm,) = list_alarms(engine, device=device)
    assert alarm["rule"] == "offline"
    late_by = alarm["opened_at"].timestamp() - (went_offline + OFFLINE_FOR_S)
    assert late_by < 0.7, f"offline timer restarted: alarm {late_by:.2f} s late"

    # Run 3 (another restart, device still dead): the alarm stays active, never cleared.
    started = time.monotonic()
    _run(engine, light, lambda: time.monotonic() - started > 1.5, 3)
    assert [a["id"] for a in list_alarms(engine, device=device)] == [alarm["id"]]
    assert [e["event"] for e in alarm_history(engine, alarm["id"])] == ["open"]
    assert _offline_since(engine, device) == went_offline
