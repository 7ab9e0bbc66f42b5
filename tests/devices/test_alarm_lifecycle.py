"""The alarm lifecycle after ISA-18.2 on the real poller and alarm store, behind a Modbus peer that goes dead.

A critical alarm that returned to normal before anyone saw it stays on the operator's
list until acknowledged; shelving hides an alarm (with a reason, until an expiry the
poller's sweep enforces) and lists it apart; an alarm unacknowledged beyond its
priority's time is escalated, once, and an `escalate` event is recorded for the
notifications of a later issue.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from devices.alarmlife import (
    BadShelf,
    Priority,
    load_policy,
    operator_alarms,
    shelve,
    sweep,
    unshelve,
)
from devices.alarms import AlarmError, acknowledge, alarm_history, list_alarms
from devices.operator import alarm_json, fleet_status
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink
from layers.access import with_roles
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.1,
                    idle_write_s=0.2)
REASON = "menunggu suku cadang"


def _light_on(engine, port: int) -> DeviceRecord:  # noqa: ANN001
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    return dataclasses.replace(light, host="127.0.0.1", port=port, unit=1, interval_s=0.1)


def _offline_rule_only() -> dict:
    """The light's shipped offline rule (critical), its 5-minute on-delay cut to half a second."""
    return {"lpju_solar_v1": [dataclasses.replace(r, for_s=0.5) for r in load_rules()["lpju_solar_v1"]
                              if r.id == "offline"]}


def _policy(**critical: float | None):  # noqa: ANN202
    """The shipped lifecycle policy with a fast sweep and, if given, critical's escalation time."""
    policy = load_policy()
    priorities = dict(policy.priorities)
    if "escalate_after_s" in critical:
        priorities["critical"] = Priority(True, critical["escalate_after_s"])
    return dataclasses.replace(policy, sweep_every_s=0.2, priorities=priorities)


def _run(engine, light: DeviceRecord, steps: Callable[[], Awaitable[None]], policy=None) -> None:  # noqa: ANN001
    """Poll the light into PostGIS with the alarm store and its lifecycle sweep while `steps` run."""
    sink = PostgisSink(engine, devices=[light], rules=_offline_rule_only())
    sink.lifecycle = policy or _policy()
    poller = Poller([light.config()], sink, FAST)

    async def scenario() -> None:
        await poller.start()
        try:
            await steps()
        finally:
            await poller.stop()

    asyncio.run(scenario())


def _events(engine, alarm_id: int) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(e["event"], e["actor"]) for e in alarm_history(engine, alarm_id)]


def _listed(engine) -> dict[int, dict]:  # noqa: ANN001
    return {a["id"]: a for a in fleet_status(engine)["alarms"]}


def test_a_critical_alarm_that_cleared_unseen_stays_listed_until_acknowledged(
        isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    gateway.behave(1, "silent")
    light = _light_on(engine, port)
    device = light.device_id

    async def dies_and_returns() -> None:
        assert await wait_until(lambda: list_alarms(engine, device=device), 8)
        gateway.behave(1, "ok")
        assert await wait_until(lambda: not list_alarms(engine, device=device), 8)

    _run(engine, light, dies_and_returns)
    (alarm,) = list_alarms(engine, active=False, device=device)
    assert (alarm["rule"], alarm["state"], alarm["acknowledged_at"]) == ("offline", "cleared", None)
    # Returned to normal, unacknowledged: still on the operator's list, saying so.
    listed = _listed(engine)[alarm["id"]]
    assert (listed["isa_state"], listed["needs_ack"], listed["cleared_at"]) == (
        "rtn_unack", True, alarm["cleared_at"].isoformat())
    # The declaration decides: a priority without ack_after_clear lets it go when it clears.
    lenient = dataclasses.replace(load_policy(), priorities={**load_policy().priorities,
                                                              "critical": Priority(False, None)})
    assert operator_alarms(engine, device=device, policy=lenient) == ([], [])

    done = acknowledge(engine, alarm["id"], "operator:sri", "sudah dicek")
    assert (done["state"], done["acknowledged_by"]) == ("cleared", "operator:sri")
    assert alarm["id"] not in _listed(engine)
    assert alarm_json(done)["isa_state"] == "normal"
    with pytest.raises(AlarmError, match="already acknowledged"):
        acknowledge(engine, alarm["id"], "operator:sri")
    assert [e for e, _ in _events(engine, alarm["id"])] == ["open", "clear", "acknowledge"]


def test_a_shelved_alarm_leaves_the_active_list_and_returns_at_its_expiry(
        isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    gateway.behave(1, "silent")  # dead all along: the alarm stays active
    light = _light_on(engine, port)
    short = dataclasses.replace(load_policy(), shelve_min_s=1.0)
    seen: dict[str, object] = {}

    async def shelved_then_back() -> None:
        assert await wait_until(lambda: list_alarms(engine, device=light.device_id), 8)
        (alarm,) = list_alarms(engine, device=light.device_id)
        alarm_id = seen["id"] = alarm["id"]
        for reason, duration in (("", 600), ("  ab ", 600), (None, 600), ("x" * 501, 600), (REASON, 5),
                                 (REASON, 86_401), (REASON, True), (REASON, "600")):
            with pytest.raises(BadShelf):
                shelve(engine, alarm_id, "operator:sri", reason, duration)
        with pytest.raises(AlarmError, match="operators only"):
            shelve(engine, alarm_id, with_roles("citizen:budi", "citizen"), REASON, 600)
        with pytest.raises(AlarmError, match="does not exist"):
            shelve(engine, 999_999, "operator:sri", REASON, 600)
        assert _events(engine, alarm_id) == [("open", "devices:poller")]  # refusals changed nothing

        row = shelve(engine, alarm_id, "operator:sri", f"  {REASON} ", 1.5, policy=short)
        status = fleet_status(engine)
        assert alarm_id not in {a["id"] for a in status["alarms"]}
        (shelf,) = status["shelved"]
        assert (shelf["id"], shelf["shelved_by"], shelf["shelve_reason"]) == (alarm_id, "operator:sri", REASON)
        with pytest.raises(AlarmError, match="already shelved"):
            shelve(engine, alarm_id, "operator:sri", REASON, 600)
        # The poller's sweep brings it back at the expiry, and says so in the history.
        assert await wait_until(lambda: ("unshelve", "devices:poller") in _events(engine, alarm_id), 6)
        back = next(e for e in alarm_history(engine, alarm_id) if e["event"] == "unshelve")
        assert back["at"] >= row["shelved_until"] and "shelf expired" in back["detail"] and REASON in back["detail"]
        status = fleet_status(engine)
        assert alarm_id in {a["id"] for a in status["alarms"]} and status["shelved"] == []
        with pytest.raises(AlarmError, match="is not shelved"):
            unshelve(engine, alarm_id, "operator:sri")

        # Shelved again for ten minutes: not escalated however long it waits, and an operator
        # may take it off the shelf early.
        shelve(engine, alarm_id, "operator:sri", REASON, 600)
        later = datetime.now(UTC) + timedelta(seconds=120)
        assert sweep(engine, later, _policy(escalate_after_s=1.0)) == {"unshelved": [], "escalated": []}
        unshelve(engine, alarm_id, "operator:sri", "suku cadang datang")
        assert alarm_id in _listed(engine)

    _run(engine, light, shelved_then_back)
    assert _events(engine, seen["id"]) == [
        ("open", "devices:poller"), ("shelve", "operator:sri"), ("unshelve", "devices:poller"),
        ("shelve", "operator:sri"), ("unshelve", "operator:sri")]


def test_an_alarm_unacknowledged_too_long_is_escalated_once(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    gateway.behave(1, "silent")
    light = _light_on(engine, port)

    def escalated() -> list[dict]:
        return [a for a in list_alarms(engine, device=light.device_id) if a["escalated_at"] is not None]

    async def nobody_looks() -> None:
        assert await wait_until(lambda: list_alarms(engine, device=light.device_id), 8)
        assert not escalated()  # not before its time
        assert await wait_until(escalated, 6)
        await asyncio.sleep(1.0)  # five more sweeps: still one escalation

    _run(engine, light, nobody_looks, _policy(escalate_after_s=1.0))
    (alarm,) = escalated()
    waited = (alarm["escalated_at"] - alarm["opened_at"]).total_seconds()
    assert 1.0 <= waited < 2.5, waited
    history = alarm_history(engine, alarm["id"])
    assert [(e["event"], e["actor"]) for e in history] == [("open", "devices:poller"), ("escalate", "devices:poller")]
    assert "priority critical escalates after 1 s" in history[1]["detail"]
    assert _listed(engine)[alarm["id"]]["escalated"] is True
    acknowledge(engine, alarm["id"], "operator:sri")
    shown = _listed(engine)[alarm["id"]]
    assert (shown["escalated"], shown["escalated_at"]) == (False, alarm["escalated_at"].isoformat())
