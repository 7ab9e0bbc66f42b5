"""The PostGIS sink: telemetry by COPY, latest state per device, status, retention, aggregates."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from devices.datatypes import Batch, DeviceConfig, Reading, StatusChange
from devices.poller import Poller, PollerConfig, wait_until
from devices.simulator import FleetEntry
from devices.store import (
    PostgisSink,
    StoreNotReady,
    aggregate_hours,
    latest_state,
    prune,
    telemetry,
)
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.5, flush_interval_s=0.1)


def _reading(device: str, t: float, soc: float, model: str = "lpju_solar_v1") -> Reading:
    return Reading(device, model, t, {"battery_soc": soc, "lamp_on": 1}, {"battery_soc": soc * 10, "lamp_on": 1})


def _count(engine, sql: str, **params) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_poller_writes_telemetry_and_latest_state(isolated_database_url, simulator, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 1, "lpju_solar_v1"), FleetEntry(port, 2, "atcs_controller_v1")])
    sim.force(port, 1, "battery_soc", 55.5)
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    devices = [DeviceConfig(f"sim/{port}-1", "lpju_solar_v1", "127.0.0.1", port, 1, 0.1),
               DeviceConfig(f"sim/{port}-2", "atcs_controller_v1", "127.0.0.1", port, 2, 0.1)]
    poller = Poller(devices, sink, FAST)

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: sink.rows_written >= 10, 10)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    rows = _count(engine, "SELECT count(*) FROM devices.telemetry")
    assert rows == sink.rows_written >= 10
    state = {s["device_id"]: s for s in latest_state(engine)}
    assert set(state) == {d.device_id for d in devices}
    light = state[f"sim/{port}-1"]
    assert light["status"] == "online" and light["scaled"]["battery_soc"] == pytest.approx(55.5)
    newest = _count(engine, "SELECT max(time) FROM devices.telemetry WHERE device_id = :d", d=f"sim/{port}-1")
    assert light["last_seen"] == newest
    raw = telemetry(engine, f"sim/{port}-1", datetime.now(UTC) - timedelta(minutes=5), "battery_soc")
    assert raw and all(r["value"] == pytest.approx(55.5) for r in raw)
    plan = _count(engine, "SELECT raw ->> 'signal_plan' FROM devices.device_state WHERE device_id = :d",
                  d=f"sim/{port}-2")
    assert plan == "1"


def test_latest_state_keeps_the_newest_and_folds_status_changes(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    now = time.time()
    sink.write_sync(Batch([_reading("x/1", now, 50.0)], [StatusChange("x/1", now - 1, "online")]))
    # An older reading arriving late (a retried batch) must not overwrite the newer state.
    sink.write_sync(Batch([_reading("x/1", now - 30, 10.0)]))
    sink.write_sync(Batch([], [StatusChange("x/1", now + 1, "fault", "timeout: no answer"),
                               StatusChange("x/1", now + 2, "offline", "3 polls missed"),
                               StatusChange("x/2", now + 2, "offline", "never answered")]))
    state = {s["device_id"]: s for s in latest_state(engine)}
    assert state["x/1"]["scaled"]["battery_soc"] == 50.0
    assert state["x/1"]["status"] == "offline" and state["x/1"]["fault"] == "timeout: no answer"
    assert state["x/1"]["status_since"].timestamp() == pytest.approx(now + 2, abs=0.01)
    assert state["x/2"]["status"] == "offline" and state["x/2"]["model"] == "unknown"
    sink.write_sync(Batch([_reading("x/1", now + 5, 60.0)], [StatusChange("x/1", now + 5, "recovered"),
                                                             StatusChange("x/1", now + 5, "online")]))
    state = {s["device_id"]: s for s in latest_state(engine)}
    assert state["x/1"]["status"] == "online" and state["x/1"]["fault"] is None
    assert state["x/1"]["scaled"]["battery_soc"] == 60.0
    assert _count(engine, "SELECT count(*) FROM devices.status_events WHERE device_id = 'x/1'") == 5


def test_device_ids_of_layers_carry_layer_and_code(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    PostgisSink(engine, alarms=False).write_sync(Batch([_reading("street_lights/LPJU-0001", time.time(), 70)]))
    (row,) = latest_state(engine, "street_lights")
    assert (row["layer"], row["code"]) == ("street_lights", "LPJU-0001")


def test_prune_keeps_hourly_aggregates_of_what_it_deletes(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    old_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=100)
    t0 = old_hour.timestamp()
    sink.write_sync(Batch([_reading("x/1", t0 + 60 * i, soc) for i, soc in enumerate([10, 20, 30, 40])]))
    sink.write_sync(Batch([_reading("x/1", time.time(), 99)]))
    result = prune(engine, timedelta(days=90))
    # The old day goes as a whole partition, not row by row.
    assert result["raw"] == [f"readings_p{old_hour:%Y%m%d}"]
    assert _count(engine, "SELECT count(*) FROM devices.telemetry") == 1
    hourly = telemetry(engine, "x/1", old_hour - timedelta(hours=1), "battery_soc", hourly=True)
    h = hourly[0]
    assert (h["samples"], h["avg"], h["min"], h["max"], h["last"]) == (4, 25.0, 10.0, 40.0, 40.0)
    assert h["time"] == old_hour
    # Rolling up again is idempotent: the same hour again changes nothing.
    aggregate_hours(engine, old_hour, old_hour + timedelta(hours=1))
    assert _count(engine, "SELECT count(*) FROM devices.telemetry_hourly WHERE device_id = 'x/1' AND hour = :h",
                  h=old_hour) == 2


def test_a_database_without_the_devices_schema_is_refused_clearly(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA devices CASCADE"))
    with pytest.raises(StoreNotReady, match="migrations 0003 and 0020"):
        PostgisSink(engine)
