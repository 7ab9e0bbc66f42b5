"""Telemetry at city scale: day partitions made ahead and dropped behind, incremental roll-ups
equal to the raw averages, and charts that read the level their buckets allow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from devices import partitions
from devices.datatypes import Batch, Reading
from devices.rollups import Retention, prune, roll_up
from devices.store import PostgisSink, telemetry, telemetry_buckets
from layers.db import engine_for

HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)


def _readings(device: str, start: datetime, minutes: int) -> list[Reading]:
    """One reading every 20 s; every 7th has an implausible power flagged out of range."""
    out = []
    for k in range(minutes * 3):
        bad = k % 7 == 3
        power = 900.0 if bad else 40 + (k * 13 % 17) * 0.5
        out.append(Reading(device, "lpju_solar_v1", start.timestamp() + 20 * k,
                           {"lamp_power": power, "battery_soc": 50 + k % 11},
                           {"lamp_power": power, "battery_soc": 50 + k % 11},
                           ("lamp_power",) if bad else ()))
    return out


def _partitions(engine, table: partitions.PartitionedTable) -> list[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return sorted(partitions.existing(conn, table).values())


def _series(rows: list[dict]) -> dict[tuple[str, datetime], float]:
    return {(r["point"], r["t"]): r["avg"] for r in rows}


def test_partitions_are_made_for_new_days_and_ahead_and_dropped_behind(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    # Noon, so the late reading an hour later falls on the same day whatever the hour of the run
    # (from 23:00 UTC it fell on the next day, and the test failed one hour in 24).
    old = (datetime.now(UTC) - timedelta(days=20)).replace(hour=12, minute=0, second=0, microsecond=0)
    sink.write_sync(Batch(_readings("x/1", old, 2)))  # a day no partition was made for
    assert f"readings_p{old:%Y%m%d}" in _partitions(engine, partitions.READINGS)
    now = datetime.now(UTC)
    result = prune(engine, Retention(raw=timedelta(days=14)), now=now)
    assert result["raw"] == [f"readings_p{old:%Y%m%d}"]
    days = _partitions(engine, partitions.READINGS)
    assert f"readings_p{old:%Y%m%d}" not in days
    for ahead in range(3):  # today and the two days after it exist before any reading arrives
        assert f"readings_p{now + timedelta(days=ahead):%Y%m%d}" in days
        assert f"readings_minute_p{now + timedelta(days=ahead):%Y%m%d}" in _partitions(engine, partitions.MINUTES)
    assert f"readings_hour_p{now:%Y%m}" in _partitions(engine, partitions.HOURS)
    # A late reading for the dropped day finds its partition made again, not a cached "exists".
    sink.write_sync(Batch(_readings("x/1", old + timedelta(hours=1), 1)))
    assert f"readings_p{old:%Y%m%d}" in _partitions(engine, partitions.READINGS)
    # The minutes of the dropped day outlive it.
    with engine.connect() as conn:
        minutes = conn.execute(text("SELECT sum(readings) FROM devices.readings_minute WHERE minute < :t"),
                               {"t": old + timedelta(days=1)}).scalar_one()
    assert minutes == 6


def test_roll_ups_equal_the_raw_averages_and_charts_read_them(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    for device in ("x/1", "x/2"):
        sink.write_sync(Batch(_readings(device, HOUR, 150)))  # two and a half hours
    since = HOUR - timedelta(minutes=5)
    raw = {b: _series(telemetry_buckets(engine, "x/1", since, b)) for b in (600, 3600)}
    assert raw[3600] and all(v < 100 for (p, _), v in raw[3600].items() if p == "lamp_power")  # 900s left out
    until = datetime.now(UTC) - timedelta(minutes=1)
    done = roll_up(engine, until)
    assert done["minutes"][0] == HOUR and done["hours"][0] == HOUR
    # Only what is new is rolled up: a second run has nothing to do.
    assert roll_up(engine, until) == {"minutes": None, "hours": None}
    # Drop the raw readings: what the charts show now comes from the roll-ups alone.
    with engine.begin() as conn:
        partitions.drop_before(conn, partitions.READINGS, datetime.now(UTC) - timedelta(days=1))
    for bucket in (600, 3600):
        rolled = _series(telemetry_buckets(engine, "x/1", since, bucket))
        assert rolled.keys() == raw[bucket].keys()
        assert all(rolled[k] == pytest.approx(v, rel=1e-12) for k, v in raw[bucket].items())
    # Buckets finer than a minute need the raw readings, which are gone.
    assert telemetry_buckets(engine, "x/1", since, 30) == []
    hours = telemetry(engine, "x/1", HOUR, "lamp_power", hourly=True)
    # Readings every 20 s (450 of them) less the bad ones, per hour.
    assert [h["samples"] for h in hours] == [sum(1 for k in range(a, min(a + 180, 450)) if k % 7 != 3)
                                             for a in (0, 180, 360)]
    assert all(h["max"] < 100 for h in hours)


def test_a_late_reading_invalidates_its_minute_and_is_rolled_up_next_time(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    sink.write_sync(Batch(_readings("x/1", HOUR, 60)))
    roll_up(engine)
    late = Reading("x/1", "lpju_solar_v1", (HOUR + timedelta(seconds=5)).timestamp(),
                   {"lamp_power": 70.0, "battery_soc": 50}, {"lamp_power": 70.0, "battery_soc": 50})
    sink.write_sync(Batch([late]))  # a retried batch: below the roll-up threshold
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM devices.rollup_invalidations")).scalar_one() == 1
    done = roll_up(engine)
    assert done["minutes"][0] == HOUR and done["hours"] == [HOUR, done["hours"][1]]
    (hour,) = [h for h in telemetry(engine, "x/1", HOUR, "lamp_power", hourly=True) if h["time"] == HOUR]
    with engine.connect() as conn:
        raw = conn.execute(text(
            "SELECT count(*), avg((scaled ->> 'lamp_power')::float8) FROM devices.telemetry "
            "WHERE device_id = 'x/1' AND time >= :h AND time < :e AND NOT 'lamp_power' = ANY(out_of_range)"),
            {"h": HOUR, "e": HOUR + timedelta(hours=1)}).one()
    assert (hour["samples"], hour["avg"]) == (raw[0], pytest.approx(raw[1], rel=1e-12))
    assert hour["samples"] == 180 - 26 + 1


def test_raw_readings_keep_values_and_quality(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    counter = 4_000_000_123.0  # a uint32 counter: more digits than a real holds
    sink = PostgisSink(engine, alarms=False)
    sink.write_sync(Batch([Reading("x/9", "atcs_controller_v1", HOUR.timestamp(),
                                   {"count_north": counter, "queue_north": 999.0, "cycle_s": float("nan")},
                                   {}, ("queue_north",))]))
    (row,) = telemetry(engine, "x/9", HOUR)
    assert row["scaled"]["count_north"] == counter and row["out_of_range"] == ["queue_north"]
    assert [(r["value"], r["quality"]) for r in telemetry(engine, "x/9", HOUR, "queue_north")] == [(999.0, "bad")]
    assert [r["quality"] for r in telemetry(engine, "x/9", HOUR, "count_north")] == ["good"]


def test_the_sink_rolls_up_in_a_thread_of_its_own(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    sink = PostgisSink(engine, alarms=False)
    sink.rollup_every_s = 0  # due at the next batch
    sink.write_sync(Batch(_readings("x/1", HOUR, 3)))
    sink.join_maintenance(60)
    (hour,) = telemetry(engine, "x/1", HOUR, "battery_soc", hourly=True)
    assert hour["samples"] == 9 and hour["time"] == HOUR
