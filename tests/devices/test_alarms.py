"""Alarm rules against the real simulator: open, acknowledge, clear, history, the alarm layer."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import yaml

from devices.alarms import (
    ALARM_LAYER,
    AlarmError,
    acknowledge,
    alarm_code,
    alarm_history,
    list_alarms,
)
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import RuleError, load_rules, parse_rules
from devices.simulator import FleetEntry
from devices.store import PostgisSink
from layers import feature_history, read_layer
from layers.access import with_roles
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.1)
MODELS = ("lpju_solar_v1", "atcs_controller_v1", "cctv_ipcam_v1", "attendance_v1")


def _quick_rules(for_s: float = 0.5) -> dict:
    """The shipped rules with their minutes-long on- and off-delays shortened for a test."""
    return {m: [dataclasses.replace(r, for_s=min(r.for_s, for_s), clear_for_s=min(r.clear_for_s, for_s)) for r in rules]
            for m, rules in load_rules().items()}


def _fleet_on(engine, port: int) -> list[DeviceRecord]:  # noqa: ANN001
    """One registered device per model, readdressed to the test's simulator port."""
    chosen: dict[str, DeviceRecord] = {}
    for record in read_fleet(engine):
        chosen.setdefault(record.model, record)
    return [dataclasses.replace(chosen[m], host="127.0.0.1", port=port, unit=i + 1, interval_s=0.1)
            for i, m in enumerate(MODELS)]


def _calm(sim, port: int) -> None:  # noqa: ANN001
    """Pin the values that drift with the clock (traffic peaks, dawn batteries) away from thresholds."""
    sim.force(port, 1, "battery_soc", 60.0)
    for approach in ("north", "east", "south", "west"):
        sim.force(port, 2, f"queue_{approach}", 5.0)


def _active(engine, device: str) -> dict[str, dict]:  # noqa: ANN001
    return {a["rule"]: a for a in list_alarms(engine, device=device)}


def test_alarms_open_acknowledge_and_clear_with_history(isolated_database_url, simulator, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    light, atcs, cam, _ = fleet = _fleet_on(engine, port)
    sim = simulator([FleetEntry(port, i + 1, m) for i, m in enumerate(MODELS)])
    _calm(sim, port)
    sink = PostgisSink(engine, devices=fleet, rules=_quick_rules())
    poller = Poller([d.config() for d in fleet], sink, FAST)
    got: dict[str, dict] = {}

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: sink.rows_written >= 8, 10)
            assert list_alarms(engine) == []
            sim.force(port, 1, "battery_soc", 10.0)
            sim.force(port, 1, "lamp_fault", 1)
            sim.force(port, 2, "controller_fault", 1)
            sim.force(port, 3, "tamper_alarm", 1)
            assert await wait_until(lambda: {"battery_low", "lamp_fault"} <= set(_active(engine, light.device_id))
                                    and "controller_fault" in _active(engine, atcs.device_id)
                                    and "tamper" in _active(engine, cam.device_id), 10)
            alarm = got["alarm"] = _active(engine, light.device_id)["battery_low"]
            assert alarm["state"] == "open" and alarm["value"] == pytest.approx(10.0)
            acknowledge(engine, alarm["id"], with_roles("operator:ani", "operator"), "checking the battery")
            # Hysteresis: 22 % is above the 20 % threshold but below the 25 % clear level.
            sim.force(port, 1, "battery_soc", 22.0)
            await asyncio.sleep(0.5)
            assert _active(engine, light.device_id)["battery_low"]["state"] == "acknowledged"
            sim.force(port, 1, "battery_soc", 80.0)
            sim.force(port, 3, "tamper_alarm", None)
            assert await wait_until(lambda: "battery_low" not in _active(engine, light.device_id)
                                    and "tamper" not in _active(engine, cam.device_id), 10)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    alarm = got["alarm"]
    events = alarm_history(engine, alarm["id"])
    assert [e["event"] for e in events] == ["open", "acknowledge", "clear"]
    assert events[1]["actor"] == "operator:ani" and events[1]["detail"] == "checking the battery"
    (done,) = [a for a in list_alarms(engine, active=False) if a["id"] == alarm["id"]]
    assert done["state"] == "cleared" and done["acknowledged_by"] == "operator:ani"
    # The alarm layer: one feature per alarm at the device, its changes in history.
    layer = read_layer(engine, ALARM_LAYER, where={"kode": alarm_code(alarm["id"])})
    assert layer.iloc[0]["state"] == "cleared" and layer.iloc[0]["ack_by"] == "operator:ani"
    assert layer.geometry.iloc[0].x == pytest.approx(light.lon)
    changes = feature_history(engine, ALARM_LAYER, int(layer.index[0]))
    assert [c["op"] for c in changes] == ["insert", "update", "update"]
    assert [c["new"]["state"] for c in changes] == ["open", "acknowledged", "cleared"]
    still_open = {a["rule"] for a in list_alarms(engine)}
    assert still_open == {"lamp_fault", "controller_fault"}
    opened = read_layer(engine, ALARM_LAYER, where={"state": "open"})
    assert set(opened["rule"]) == still_open


def test_sustained_queue_and_offline_wait_for_their_duration(isolated_database_url, simulator, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    fleet = _fleet_on(engine, port)
    light, atcs = fleet[0], fleet[1]
    sim = simulator([FleetEntry(port, i + 1, m) for i, m in enumerate(MODELS)])
    _calm(sim, port)
    sink = PostgisSink(engine, devices=fleet, rules=_quick_rules(for_s=1.0))
    poller = Poller([d.config() for d in fleet], sink, FAST)
    seen: dict[str, float] = {}

    async def scenario() -> None:
        await poller.start()
        try:
            assert await wait_until(lambda: sink.rows_written >= 8, 10)
            sim.force(port, 2, "queue_north", 300.0)
            sim.set_fault(port, 1, "timeout")
            await asyncio.sleep(0.5)
            # Conditions hold, but not for long enough yet.
            seen["early"] = len(list_alarms(engine))
            assert await wait_until(lambda: "queue_long" in _active(engine, atcs.device_id)
                                    and "offline" in _active(engine, light.device_id), 10)
            sim.clear_fault(port, 1)
            sim.force(port, 2, "queue_north", 5.0)
            assert await wait_until(lambda: not _active(engine, light.device_id)
                                    and "queue_long" not in _active(engine, atcs.device_id), 10)
        finally:
            await poller.stop()

    asyncio.run(scenario())
    assert seen["early"] == 0
    queue = [a for a in list_alarms(engine, active=False, device=atcs.device_id) if a["rule"] == "queue_long"]
    # The point by its title (register map), with its unit: no English point name in the Bahasa text.
    assert queue[0]["message"] == "Antrean panjang: Antrean lengan utara = 300 m" and queue[0]["state"] == "cleared"


def test_acknowledging_needs_an_operator_and_an_open_alarm(isolated_database_url, simulator, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    fleet = _fleet_on(engine, port)[2:3]  # the camera
    sim = simulator([FleetEntry(port, 3, "cctv_ipcam_v1")])
    sim.force(port, 3, "tamper_alarm", 1)
    sink = PostgisSink(engine, devices=fleet, rules=_quick_rules())
    asyncio.run(_poll_until(Poller([fleet[0].config()], sink, FAST), lambda: list_alarms(engine)))
    (alarm,) = list_alarms(engine)
    with pytest.raises(AlarmError, match="operators only"):
        acknowledge(engine, alarm["id"], with_roles("citizen:budi", "citizen"))
    acknowledge(engine, alarm["id"], "operator:sri")
    with pytest.raises(AlarmError, match="is acknowledged, not open"):
        acknowledge(engine, alarm["id"], "operator:sri")
    with pytest.raises(AlarmError, match="does not exist"):
        acknowledge(engine, 999_999, "operator:sri")
    # A restarted poller takes the active alarm from the database and does not reopen it.
    again = PostgisSink(engine, devices=fleet, rules=_quick_rules())
    asyncio.run(_poll_until(Poller([fleet[0].config()], again, FAST), lambda: again.rows_written >= 3))
    assert [a["state"] for a in list_alarms(engine, active=False)] == ["acknowledged"]


async def _poll_until(poller: Poller, predicate, timeout_s: float = 10) -> None:  # noqa: ANN001
    await poller.start()
    try:
        assert await wait_until(predicate, timeout_s)
    finally:
        await poller.stop()


@pytest.mark.parametrize(("rule", "message"), [
    ({"id": "x", "point": "nope", "op": "<", "value": 1, "severity": "warning"}, "not in the register map"),
    ({"id": "x", "point": "battery_soc", "op": "~", "value": 1, "severity": "warning"}, "op must be"),
    ({"id": "x", "point": "battery_soc", "op": "<", "value": 1, "severity": "loud"}, "severity"),
    ({"id": "x", "status": "asleep", "severity": "warning"}, "status rule"),
    ({"id": "x", "point": "battery_soc", "op": "<", "value": "low", "severity": "info"}, "must be a number"),
])
def test_a_bad_rule_is_refused_with_its_name(rule: dict, message: str) -> None:
    from devices.registermap import load_maps

    rule = {**rule, "title": {"id": "X", "en": "X"}}
    with pytest.raises(RuleError, match=message):
        parse_rules(yaml.safe_load(yaml.safe_dump({"model": "lpju_solar_v1", "rules": [rule]})), load_maps())


def test_every_model_has_rules_and_an_offline_rule() -> None:
    from devices.registermap import load_maps

    rules = load_rules()
    assert set(rules) == set(load_maps())
    for model, model_rules in rules.items():
        assert any(r.status == "offline" and r.for_s == 300 for r in model_rules), model
