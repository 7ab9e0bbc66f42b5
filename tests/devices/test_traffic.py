"""Traffic: congestion per intersection and approach from ATCS telemetry, and the green-time suggestion."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from devices.__main__ import main
from devices.commands import send
from devices.datatypes import Reading
from devices.registry import read_fleet
from devices.simulator import FleetEntry
from devices.store import copy_readings
from devices.traffic import (
    APPROACHES,
    TrafficRuleError,
    approach_stats,
    load_rules,
    parse_rules,
    refresh,
    suggestions,
)
from layers import feature_history, read_layer
from layers.db import engine_for
from tests.helpers.operator import build_app, poll_until, readdress, user_client

MODEL = "atcs_controller_v1"


def _reading(device: str, t: float, counts: dict[str, float], queues: dict[str, float]) -> Reading:
    values = {**{f"count_{a}": counts[a] for a in APPROACHES}, **{f"queue_{a}": queues[a] for a in APPROACHES},
              "green_north": 22.0}
    return Reading(device, MODEL, t, values, values)


def test_counts_and_queues_aggregate_per_approach_with_resets_skipped(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    atcs = next(r for r in read_fleet(engine) if r.model == MODEL)
    now = time.time()
    # Six readings a minute apart: north counts 0, 10, 20, (reboot) 0, 10, 20 -> 40 vehicles in 5 minutes.
    north = [0, 10, 20, 0, 10, 20]
    rows = [_reading(atcs.device_id, now - 300 + 60 * i,
                     {"north": north[i], "east": 100 + 5 * i, "south": 7, "west": 50 + i},
                     {"north": 200.0 - 10 * i, "east": 30.0, "south": 0.0, "west": 60.0 + i}) for i in range(6)]
    # Outside the window and another model's rows count for nothing.
    rows.append(_reading(atcs.device_id, now - 3600, {a: 1e6 for a in APPROACHES}, {a: 999.0 for a in APPROACHES}))
    with engine.begin() as conn:
        copy_readings(conn, rows)
    stats = approach_stats(engine, window_min=10, until=datetime.fromtimestamp(now + 1, UTC))[atcs.device_id]
    assert stats["north"]["samples"] == 6
    assert stats["north"]["vehicles_per_hour"] == pytest.approx(40 * 3600 / 300)
    assert stats["east"]["vehicles_per_hour"] == pytest.approx(25 * 3600 / 300)
    assert stats["south"]["vehicles_per_hour"] == 0
    assert stats["north"]["queue_avg_m"] == pytest.approx(175.0) and stats["north"]["queue_max_m"] == 200.0
    assert stats["west"]["queue_avg_m"] == pytest.approx(62.5)

    result = refresh(engine, window_min=10, until=datetime.fromtimestamp(now + 1, UTC))
    layer = read_layer(engine, "traffic_congestion", where={"kode": atcs.code})
    row = layer.iloc[0]
    assert (row["level"], row["worst_approach"], row["samples"]) == ("macet", "north", 6)
    assert row["queue_max_m"] == 200.0
    assert row["vehicles_per_hour"] == pytest.approx((40 + 25 + 0 + 5) * 3600 / 300)
    # An intersection without telemetry shows "no data", never a made-up level.
    others = read_layer(engine, "traffic_congestion")
    assert set(others.loc[others["kode"] != atcs.code, "level"]) == {"tidak_ada_data"}
    assert result["intersections"] == len(others)
    fid = int(layer.index[0])
    assert feature_history(engine, "traffic_congestion", fid)[-1]["actor"] == "devices:traffic"


def test_the_rule_suggests_a_bounded_longer_green_and_never_writes() -> None:
    rules = load_rules()
    stats = {"atcs_intersections/ATCS-001": {
        "north": {"samples": 5, "queue_avg_m": 130.0, "queue_max_m": 180.0, "vehicles_per_hour": 900.0},
        "east": {"samples": 5, "queue_avg_m": 40.0, "queue_max_m": 60.0, "vehicles_per_hour": 400.0},
        "south": {"samples": 1, "queue_avg_m": 300.0, "queue_max_m": 300.0, "vehicles_per_hour": 100.0},
        "west": {"samples": 5, "queue_avg_m": 150.0, "queue_max_m": 180.0, "vehicles_per_hour": 900.0}}}
    greens = {"green_north": 22, "green_east": 22, "green_south": 22, "green_west": 85}
    # In a 158 s cycle the greens (151 s) leave 7 s: north may grow to 29 s only.
    tight = suggestions(stats, {"atcs_intersections/ATCS-001": {**greens, "cycle_time": 158}}, rules)
    assert [(s["point"], s["suggested"]) for s in tight] == [("green_north", 29.0), ("green_west", 90.0)]
    latest = {"atcs_intersections/ATCS-001": {**greens, "cycle_time": 180}}
    got = suggestions(stats, latest, rules)
    # north: 22 -> 32; west capped at the register map's max 90; east under the threshold; south too few samples.
    assert [(s["approach"], s["point"], s["current"], s["suggested"]) for s in got] == [
        ("north", "green_north", 22, 32.0), ("west", "green_west", 85, 90.0)]
    latest["atcs_intersections/ATCS-001"]["green_west"] = 90
    assert [s["approach"] for s in suggestions(stats, latest, rules)] == ["north"]


@pytest.mark.parametrize(("change", "message"), [
    ({"window_min": 0}, "must be positive"),
    ({"suggestion": {"id": "x", "queue_avg_m": 100, "step_s": 10, "point": "queue_{approach}", "title": {}}},
     "not a writable point"),
    ({"levels": [{"level": "lancar", "queue_avg_m": 0}, {"level": "macet", "queue_avg_m": 120}]}, "highest"),
    ({"model": "nope"}, "no register map"),
])
def test_a_bad_traffic_rule_is_refused(change: dict, message: str) -> None:
    import yaml

    from devices.traffic import RULES_FILE

    data = {**yaml.safe_load(RULES_FILE.read_text()), **change}
    with pytest.raises(TrafficRuleError, match=message):
        parse_rules(data)


def test_congestion_from_the_simulator_and_applying_the_suggestion(isolated_database_url, simulator, ports,  # noqa: ANN001
                                                                 capsys) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    atcs = readdress(engine, port, [MODEL])[MODEL]
    sim = simulator([FleetEntry(port, 1, MODEL)])
    for approach, queue in zip(APPROACHES, (180.0, 20.0, 20.0, 20.0), strict=True):
        sim.force(port, 1, f"queue_{approach}", queue)
    # A 120 s cycle leaves room for a longer green (4 x 22 s); in the simulator's 90 s cycle a
    # 32 s green would not fit, and the suggestion respects the map's greens-fit-the-cycle rule.
    sim.force(port, 1, "cycle_time", 120)
    poll_until(engine, [atcs], lambda sink: sink.rows_written >= 5)
    assert main(["traffic", "--database-url", isolated_database_url]) == 0
    out = capsys.readouterr().out
    assert f"suggest atcs_intersections {atcs.code}: green_north 22 -> 32 s" in out
    row = read_layer(engine, "traffic_congestion", where={"kode": atcs.code}).iloc[0]
    assert (row["level"], row["worst_approach"], row["queue_max_m"]) == ("macet", "north", 180.0)
    assert sim.device(port, 1).state["green_north"] == 22  # suggested, never written
    # The operator applies it through the web's command path: confirmation, bounds, read-back, audit.
    app = build_app(isolated_database_url)
    operator, csrf = user_client(app, "operator")
    listed = operator.get("/operator/api/traffic").get_json()["suggestions"]
    suggestion = next(s for s in listed if s["code"] == atcs.code)
    assert (suggestion["point"], suggestion["suggested"]) == ("green_north", 32.0)
    detail = operator.get(f"/operator/api/devices/{atcs.layer}/{atcs.code}").get_json()
    assert [s["point"] for s in detail["suggestions"]] == ["green_north"]
    url = f"/operator/api/devices/{atcs.layer}/{atcs.code}/command"
    body = {"point": suggestion["point"], "value": suggestion["suggested"]}
    assert operator.post(url, json=body, headers={"X-CSRFToken": csrf}).get_json()["confirm_required"]
    sent = operator.post(url, json={**body, "confirm": True}, headers={"X-CSRFToken": csrf}).get_json()
    assert (sent["result"], sent["previous"], sent["read_back"]) == ("ok", 22, 32)
    assert sim.device(port, 1).state["green_north"] == 32
    with pytest.raises(Exception, match="above maximum"):
        send(engine, atcs.layer, atcs.code, "green_north", 120, "operator:ani")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM devices.commands WHERE point = 'green_north' "
                                 "AND result = 'ok'")).scalar_one() == 1
