"""An implausible value (a 450 W lamp rated 120 W) is marked bad, kept out of averages and charts, and raises its alarm."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from devices.alarms import list_alarms
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink, aggregate_hours, telemetry, telemetry_buckets
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, flush_interval_s=0.05, idle_write_s=0.1)
LAMP_POWER = 4  # input register of lamp_power (W, plausible 0..120)


def _rules() -> dict:
    return {m: [dataclasses.replace(r, for_s=min(r.for_s, 0.3), clear_for_s=0) for r in rs]
            for m, rs in load_rules().items()}


def test_an_out_of_range_value_is_marked_kept_out_of_averages_and_alarmed(isolated_database_url, peer,  # noqa: ANN001
                                                                          ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    for address, value in ((0, 1250), (1, 600), (LAMP_POWER, 45)):
        gateway.set(1, "input", address, value)
    light = dataclasses.replace(next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1"),
                                host="127.0.0.1", port=port, unit=1, interval_s=0.1)
    sink = PostgisSink(engine, devices=[light], rules=_rules())
    poller = Poller([light.config()], sink, FAST)
    since = datetime.now(UTC) - timedelta(seconds=1)

    def alarms() -> dict[str, dict]:
        return {a["rule"]: a for a in list_alarms(engine, device=light.device_id)}

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: sink.rows_written >= 5, 5)
            gateway.set(1, "input", LAMP_POWER, 450)  # the driver reports nonsense
            assert await wait_until(lambda: "implausible_value" in alarms(), 5)
            await asyncio.sleep(0.5)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    rows = telemetry(engine, light.device_id, since, point="lamp_power")
    assert {(r["value"], r["quality"]) for r in rows} == {(45, "good"), (450, "bad")}
    buckets = [b for b in telemetry_buckets(engine, light.device_id, since, 3600) if b["point"] == "lamp_power"]
    assert [round(b["avg"], 6) for b in buckets] == [45.0]  # the 450s are not averaged in
    now = datetime.now(UTC)
    aggregate_hours(engine, now - timedelta(hours=1), now + timedelta(hours=1))
    hourly = [h for h in telemetry(engine, light.device_id, since - timedelta(hours=1), point="lamp_power",
                                   hourly=True)]
    assert hourly and all(h["max"] == 45 for h in hourly)
    assert "lamp_power = 450" in alarms()["implausible_value"]["message"]
