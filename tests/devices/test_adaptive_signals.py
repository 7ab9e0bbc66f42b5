"""Adaptive traffic signals (issue 21): a closed loop an operator turns on per intersection,
within the declared safety bounds, back to the fixed plan on a fault or stale data, every
change an audited command. On the project's simulator (queues that respond to the greens),
polled into PostGIS by the real poller, on a clock 60 times faster than the wall's.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
import yaml
from sqlalchemy import text

import devices
from devices.__main__ import main
from devices.adaptivectl import LOOP_ACTOR, AdaptiveError, disable, status
from devices.adaptiveplan import (
    APPROACHES,
    DECLARATION,
    AdaptiveDeclarationError,
    check_plan,
    load_declaration,
    parse_declaration,
    plan_greens,
)
from layers.access import with_roles
from layers.db import engine_for
from tests.helpers.intersection import Intersection

BOUNDS = load_declaration().bounds
FIXED = {a: 22 for a in APPROACHES}  # the simulator's fixed plan: 4 x 22 s in a 90 s cycle


def test_plans_never_leave_the_declared_bounds() -> None:
    rng = random.Random(21)
    for _ in range(20_000):
        cycle = rng.choice([70, 90, 120])
        budget = rng.randint(sum(BOUNDS.minimum(a) for a in APPROACHES), cycle)
        current = {a: rng.randint(BOUNDS.minimum(a), BOUNDS.green_max_s) for a in APPROACHES}
        while sum(current.values()) > budget:
            a = max(current, key=lambda k: current[k] - BOUNDS.minimum(k))
            current[a] -= 1
        demand = {a: rng.choice([0.0, rng.uniform(0, 3000)]) for a in APPROACHES}
        plan = plan_greens(current, demand, budget, cycle, BOUNDS)
        for a in APPROACHES:
            assert BOUNDS.minimum(a) <= plan[a] <= BOUNDS.green_max_s
            assert abs(plan[a] - current[a]) <= BOUNDS.max_step_s
        assert sum(plan.values()) <= min(budget, cycle)
    # The pedestrian minimum is the floor of an approach nobody drives on.
    plan = FIXED
    for _ in range(10):
        plan = plan_greens(plan, {"north": 2000, "east": 0, "south": 0, "west": 0}, 88, 90, BOUNDS)
    assert plan == {"north": 41, "east": 15, "south": 17, "west": 15}
    with pytest.raises(ValueError, match="outside"):
        check_plan({**FIXED, "east": 14}, FIXED, 88, 90, BOUNDS)


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["bounds"].update(green_max_s=95), "register map"),
    (lambda d: d["bounds"].update(cycle_max_s=200), "cycle limits"),
    (lambda d: d["bounds"].update(cycle_min_s=40), "do not fit in the shortest cycle"),
    (lambda d: d["bounds"].update(changes_per_cycle=2), "changes_per_cycle 1"),
    (lambda d: d["bounds"]["pedestrian_min_s"].update(northeast=10), "unknown approaches"),
    (lambda d: d["bounds"].update(max_step_s="6"), "whole number"),
])
def test_a_wrong_declaration_is_refused(change, says: str) -> None:  # noqa: ANN001
    doc = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    change(doc)
    with pytest.raises(AdaptiveDeclarationError, match=says):
        parse_declaration(doc)


def _events(engine) -> list[dict]:  # noqa: ANN001
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM devices.adaptive_events ORDER BY id")).mappings()]


def _commands(engine) -> dict[int, dict]:  # noqa: ANN001
    with engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(text(
            "SELECT id, actor, point, value, read_back, result FROM devices.commands")).mappings()}


def test_the_loop_shortens_the_queues_within_bounds_one_audited_change_per_cycle(
        isolated_database_url, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    x = Intersection(engine, port)
    try:
        x.run(600, loop=False)  # ten minutes of the morning peak on the fixed plan
        switched = x.clock()
        assert x.enable()["mode"] == "adaptive"
        x.run(1200)  # twenty on the loop: the standing queue drains, then the last five are compared
        end = x.clock()
    finally:
        x.close()
    fixed, adaptive = x.trace.mean_queue(switched - 300, switched), x.trace.mean_queue(end - 300, end)
    assert adaptive["north"] < 0.5 * fixed["north"], (fixed, adaptive)  # the busy approach
    assert sum(adaptive.values()) < 0.75 * sum(fixed.values()), (fixed, adaptive)
    for t, _queues, greens, cycle in x.trace.samples:
        if t > switched:
            assert all(BOUNDS.minimum(a) <= greens[a] <= BOUNDS.green_max_s for a in APPROACHES), greens
            assert sum(greens.values()) <= cycle
    events = _events(engine)
    changes = [e for e in events if e["event"] == "change"]
    assert [e["event"] for e in events][:2] == ["enable", "change"] and len(changes) >= 3
    paced = [e["loop_clock"] for e in changes]
    assert min(b - a for a, b in zip(paced, paced[1:], strict=False)) >= 90  # at most one change per 90 s cycle
    commands = _commands(engine)
    linked = [i for e in changes for i in e["command_ids"]]
    assert sorted(linked) == sorted(i for i, c in commands.items() if c["actor"] == LOOP_ACTOR)  # all audited
    for e in changes:
        written = {commands[i]["point"]: commands[i] for i in e["command_ids"]}
        assert written and set(written) == {f"green_{a}" for a in APPROACHES if e["plan"][a] != e["previous"][a]}
        assert all(c["result"] == "ok" and c["read_back"] == e["plan"][p.removeprefix("green_")]
                   for p, c in written.items())
    assert status(engine, x.record.layer, x.record.code)["mode"] == "adaptive"


def _run_with_trouble(engine, port: int, start_trouble, end_trouble) -> tuple[Intersection, list[dict]]:  # noqa: ANN001
    declaration = dataclasses.replace(load_declaration(), stale_after_s=3.0, resume_after_s=120)
    # Half the usual speed: the loop must see several cycles before the trouble even when
    # the machine is busy (a loop tick took up to 0.3 s of wall time, 18 s at 60 times).
    x = Intersection(engine, port, speed=30, declaration=declaration)
    phases: dict[str, float] = {}

    def script(elapsed: float) -> None:
        if elapsed >= 60 and "on" not in phases:
            phases["on"] = x.clock()
            x.enable()
        if elapsed >= 420 and "trouble" not in phases:
            phases["trouble"] = x.clock()
            start_trouble(x)
        if elapsed >= 720 and "healthy" not in phases:
            phases["healthy"] = x.clock()
            end_trouble(x)

    try:
        x.run(1440, during=script)
    finally:
        x.close()
    x.phases = phases  # type: ignore[attr-defined]
    return x, _events(engine)


def _check_fallback(x: Intersection, events: list[dict], reason: str) -> None:
    kinds = [e["event"] for e in events]
    fell = kinds.index("fallback")
    assert kinds[0] == "enable" and "change" in kinds[:fell]  # it was adapting before the trouble
    assert reason in events[fell]["detail"]
    resumed = kinds.index("resume")
    assert "change" not in kinds[fell:resumed]  # nothing changes while in fallback
    restores = [e for e in events[fell:resumed] if e["event"] == "restore" and e["command_ids"]]
    assert restores and restores[-1]["plan"] == FIXED
    # The controller ran the fixed plan from the restore until the loop resumed.
    restored, resumed_at = x.clock.at(restores[-1]["at"].timestamp()), x.clock.at(events[resumed]["at"].timestamp())
    shown = [greens for t, _q, greens, _c in x.trace.samples if restored + 5 <= t <= resumed_at]
    assert len(shown) > 10 and all(g == FIXED for g in shown), shown[:3]
    assert "change" in kinds[resumed:]  # and adapts again after the resume


def test_stale_detector_data_sends_the_intersection_back_to_its_fixed_plan(isolated_database_url, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    x, events = _run_with_trouble(engine, port, lambda x: x.sim.set_fault(port, 1, "timeout"),
                                  lambda x: x.sim.clear_fault(port, 1))
    fell = next(e for e in events if e["event"] == "fallback")
    # The loop sees the silence as stale data or an offline controller, or first as a change
    # whose command got no answer (when a cycle ended just then): all three fall back.
    assert any(why in fell["detail"] for why in ("stale", "offline", "a command did not go through")), fell["detail"]
    _check_fallback(x, events, "")


def test_a_detector_fault_sends_the_intersection_back_to_its_fixed_plan(isolated_database_url, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    x, events = _run_with_trouble(engine, port, lambda x: x.sim.force(port, 1, "detector_fault", 1),
                                  lambda x: x.sim.force(port, 1, "detector_fault", None))
    _check_fallback(x, events, "detector_fault = 1 (fault)")
    restore = next(e for e in events if e["event"] == "restore")
    commands = _commands(engine)
    assert all(commands[i]["actor"] == LOOP_ACTOR and commands[i]["result"] == "ok" for i in restore["command_ids"])


def test_the_loop_is_turned_on_only_on_a_safe_plan_and_off_restores_it(isolated_database_url, ports,  # noqa: ANN001
                                                                       capsys) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    x = Intersection(engine, port)
    layer, code = x.record.layer, x.record.code
    try:
        with pytest.raises(AdaptiveError, match="no readings from the controller yet"):
            x.enable()  # never polled: no data to trust
        x.sim.force(port, 1, "cycle_time", 150)
        x.run(20, loop=False)
        with pytest.raises(AdaptiveError, match="cycle 150.0 s lies outside the declared 70..120 s") as refused:
            x.enable()
        assert refused.value.status == 409
        x.sim.force(port, 1, "cycle_time", None)
        x.run(20, loop=False)
        with pytest.raises(AdaptiveError, match="operators only"):
            from devices.adaptivectl import enable

            enable(engine, layer, code, with_roles("citizen:budi", "citizen"))
        assert status(engine, layer, code)["mode"] == "off" and _events(engine) == []
        x.enable()
        with pytest.raises(AdaptiveError, match="already runs"):
            x.enable()
        x.run(400)
        changed = [e for e in _events(engine) if e["event"] == "change"]
        assert changed
        x.run(2, loop=False)  # the poller's data shows the last change
        done = disable(engine, layer, code, "operator:ani")
        assert done["mode"] == "off"
        assert {x.device.state[f"green_{a}"] for a in APPROACHES} == {22}
        kinds = [(e["event"], e["actor"]) for e in done["events"]][:2]
        assert kinds == [("restore", "operator:ani"), ("disable", "operator:ani")]
        with pytest.raises(AdaptiveError, match="not on"):
            disable(engine, layer, code, "operator:ani")
    finally:
        x.close()
    # The command line says the same; ./medan run starts the loop beside the poller.
    assert main(["adaptive", "status", layer, code, "--database-url", isolated_database_url]) == 0
    assert f"{layer} {code}: off" in capsys.readouterr().out
    assert main(["adaptive", "off", layer, code, "--actor", "operator:ani", "--database-url",
                 isolated_database_url]) == 2
    assert "refused: the loop is not on" in capsys.readouterr().err
    loop = dict(devices.background_commands(isolated_database_url))["adaptive signal loop"]
    assert loop[1:5] == ["-m", "devices", "adaptive", "run"]
