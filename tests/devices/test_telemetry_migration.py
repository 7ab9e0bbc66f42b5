"""Migration 0020 moves today's JSON telemetry to the partitioned layout without losing a reading."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from devices.rollups import roll_up
from devices.store import telemetry_buckets
from geodata.cluster import drop_database, ensure_database
from geodata.migrate import alembic_config, upgrade
from layers.db import sqlalchemy_url
from tests.helpers.database import database_url_on

NOW = datetime.now(UTC).replace(microsecond=0)
MODELS = {"lpju_solar_v1": ["battery_soc", "lamp_power", "lamp_on"],
          "atcs_controller_v1": ["count_north", "queue_north", "signal_plan"]}


@pytest.fixture
def database_at_0019(server_url: str) -> Iterator[str]:
    name = f"medan_test_mig_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    url = database_url_on(server_url, name)
    upgrade(url, "0019")
    yield url
    drop_database(server_url, name)


def _old_rows(rng: random.Random) -> list[dict]:
    rows = []
    for d in range(6):
        device = f"street_lights/LPJU-{d:04d}" if d < 4 else f"atcs_intersections/ATCS-{d:03d}"
        model = "lpju_solar_v1" if d < 4 else "atcs_controller_v1"
        for k in range(300):  # every 17 minutes over three and a half days
            t = NOW - timedelta(minutes=17 * k + d)
            scaled = {p: round(rng.uniform(0, 500), 3) for p in MODELS[model]}
            if model == "atcs_controller_v1":
                scaled["count_north"] = 4_000_000_000 + k  # beyond a real's precision
            bad = [p for p in MODELS[model] if rng.random() < 0.1]
            rows.append({"time": t, "device_id": device, "model": model, "scaled": json.dumps(scaled),
                         "raw": json.dumps(scaled), "out_of_range": bad, "latency_ms": rng.uniform(1, 40)})
    return rows


def test_every_reading_survives_the_migration_with_its_values_and_quality(database_at_0019: str) -> None:
    engine = create_engine(sqlalchemy_url(database_at_0019))
    rows = _old_rows(random.Random(22))
    old_hour = (NOW - timedelta(days=100)).replace(minute=0, second=0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO devices.telemetry (time, device_id, model, scaled, raw, out_of_range, "
                          "latency_ms) VALUES (:time, :device_id, :model, CAST(:scaled AS jsonb), "
                          "CAST(:raw AS jsonb), :out_of_range, :latency_ms)"), rows)
        conn.execute(text("INSERT INTO devices.device_state (device_id, model) VALUES ('street_lights/LPJU-0000', "
                          "'lpju_solar_v1')"))
        # Aggregates of an hour retention already deleted the raw rows of.
        conn.execute(text("INSERT INTO devices.telemetry_hourly VALUES "
                          "('street_lights/LPJU-0000', 'battery_soc', :h, 60, 55.5, 20, 90, 61), "
                          "('street_lights/LPJU-0000', 'lamp_power', :h, 58, 40.25, 0, 80, 44)"), {"h": old_hour})
        before = conn.execute(text("SELECT time, device_id, model, scaled, out_of_range, latency_ms "
                                   "FROM devices.telemetry ORDER BY device_id, time")).all()
    upgrade(database_at_0019, "0020")
    with engine.connect() as conn:
        after = conn.execute(text("SELECT time, device_id, model, scaled, out_of_range, latency_ms "
                                  "FROM devices.telemetry ORDER BY device_id, time")).all()
        kinds = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = 'devices.readings'::regclass")).scalar()
        hourly = conn.execute(text("SELECT point, samples, avg, min, max, last FROM devices.telemetry_hourly "
                                   "WHERE hour = :h ORDER BY point"), {"h": old_hour}).all()
    assert kinds == "p"  # partitioned
    assert len(after) == len(before) == 1800
    for old, new in zip(before, after, strict=True):
        assert (new.time, new.device_id, new.model) == (old.time, old.device_id, old.model)
        assert new.scaled == old.scaled  # values equal, the 4e9 counters included
        assert sorted(new.out_of_range) == sorted(old.out_of_range)
        assert new.latency_ms == pytest.approx(old.latency_ms)
    assert [tuple(h) for h in hourly] == [("battery_soc", 60, 55.5, 20, 90, 61), ("lamp_power", 58, 40.25, 0, 80, 44)]
    # The migrated readings roll up and chart like new ones; bad values stay out of the averages.
    roll_up(engine)
    device = "street_lights/LPJU-0001"
    chart = {(r["point"], r["t"]): r["avg"] for r in telemetry_buckets(engine, device, NOW - timedelta(days=3), 3600)}
    expected: dict[tuple[str, datetime], list[float]] = {}
    start = datetime.fromtimestamp((NOW - timedelta(days=3)).timestamp() // 3600 * 3600, UTC)
    for r in rows:
        if r["device_id"] == device and r["time"] >= start:
            hour = r["time"].replace(minute=0, second=0)
            for point, value in json.loads(r["scaled"]).items():
                if point not in r["out_of_range"]:
                    expected.setdefault((point, hour), []).append(value)
    assert chart.keys() == expected.keys()
    assert all(chart[k] == pytest.approx(sum(v) / len(v)) for k, v in expected.items())
    # And back: the downgrade rebuilds today's table with every reading.
    command.downgrade(alembic_config(database_at_0019), "0019")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT time, device_id, scaled, out_of_range FROM devices.telemetry "
                                 "ORDER BY device_id, time")).all()
    assert [(b.time, b.device_id, b.scaled, sorted(b.out_of_range)) for b in back] == [
        (o.time, o.device_id, o.scaled, sorted(o.out_of_range)) for o in before]
    engine.dispose()
