"""The park Wi-Fi schedule against the real simulator: 16:01 on, 23:00 off, through the audited command path."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from devices.__main__ import main
from devices.commands import command_log
from devices.registry import read_fleet
from devices.wifischedule import (
    FINE,
    await_first_readings,
    first_readings_heard,
    load_schedule,
    run_once,
)
from tests.helpers.operator import poll_until
from tests.helpers.wifi import LAYER, wifi_fleet

WIB = timezone(timedelta(hours=7))
ACTOR = "jadwal:wifi-taman"


def wib(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, second, tzinfo=WIB)


@pytest.fixture
def fleet(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """Every seeded access point moved (through the layers API) onto units 1.. of a test simulator."""
    return (*wifi_fleet(isolated_database_url, simulator, ports), isolated_database_url)


def _radios(sim, port: int, units: dict[str, int]) -> set[float]:  # noqa: ANN001
    return {sim.device(port, u).state["radio_on"] for u in units.values()}


def _audit_rows(engine) -> list[dict]:  # noqa: ANN001
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT actor, device_id, point, previous, value, read_back, result FROM devices.commands "
            "WHERE layer = :layer ORDER BY id"), {"layer": LAYER}).mappings()]


def test_the_declared_schedule_is_1601_to_2300_jakarta_time() -> None:
    schedule = load_schedule()
    assert (schedule.hours, schedule.timezone, schedule.point) == ("16:01–23:00", "Asia/Jakarta", "radio_on")
    assert not schedule.wants_on(wib(16, 0, 59)) and schedule.wants_on(wib(16, 1))
    assert schedule.wants_on(wib(22, 59, 59)) and not schedule.wants_on(wib(23, 0))
    assert schedule.wants_on(datetime(2026, 12, 7, 9, 1, tzinfo=UTC))  # 16:01 WIB given in UTC
    with pytest.raises(ValueError, match="aware"):
        schedule.wants_on(datetime(2026, 12, 7, 20, 0))


def test_radios_switch_on_at_1601_and_off_at_2300_audited_like_an_operator(fleet) -> None:  # noqa: ANN001
    engine, sim, port, units, _ = fleet
    assert _radios(sim, port, units) == {0}
    before = run_once(engine, wib(16, 0, 59), timeout_s=1.0)
    assert {o.result for o in before} == {"unchanged"} and _audit_rows(engine) == []
    on = run_once(engine, wib(16, 1), timeout_s=1.0)
    assert len(on) == len(units) and {o.result for o in on} == {"ok"}
    assert _radios(sim, port, units) == {1}
    rows = _audit_rows(engine)
    assert len(rows) == len(units)
    assert {(r["actor"], r["point"], r["previous"], r["value"], r["read_back"], r["result"]) for r in rows} == {
        (ACTOR, "radio_on", 0, 1, 1, "ok")}
    # The same audit the operators' commands leave, read with the operators' tool.
    some = next(iter(units))
    assert command_log(engine, f"{LAYER}/{some}")[0]["actor"] == ACTOR
    # Idempotent: a second pass in the evening sends nothing.
    assert {o.result for o in run_once(engine, wib(19, 30), timeout_s=1.0)} == {"unchanged"}
    assert len(_audit_rows(engine)) == len(units)
    assert {o.result for o in run_once(engine, wib(22, 59, 59), timeout_s=1.0)} == {"unchanged"}
    off = run_once(engine, wib(23, 0), timeout_s=1.0)
    assert {o.result for o in off} == {"ok"} and _radios(sim, port, units) == {0}
    assert [r["value"] for r in _audit_rows(engine)].count(0) == len(units)


def test_a_scheduler_that_starts_late_or_was_down_across_2300_catches_up(fleet) -> None:  # noqa: ANN001
    engine, sim, port, units, _ = fleet
    # Started at 20:00: nothing remembered, the radios read off, so they are switched on.
    assert {o.result for o in run_once(engine, wib(20, 0), timeout_s=1.0)} == {"ok"}
    assert _radios(sim, port, units) == {1}
    # Down from 22:50 to 23:40: the first pass after it switches them off.
    assert {o.result for o in run_once(engine, wib(23, 40), timeout_s=1.0)} == {"ok"}
    assert _radios(sim, port, units) == {0}
    # And an operator who turned one radio on by hand at night is overruled the same audited way.
    code, unit = next(iter(units.items()))
    sim.device(port, unit).state["radio_on"] = 1
    sim.device(port, unit)._tables = {}
    outcomes = {o.code: o.result for o in run_once(engine, wib(2, 0), timeout_s=1.0)}
    assert outcomes[code] == "ok" and set(outcomes.values()) == {"ok", "unchanged"}


def test_unreachable_mismatched_and_unconfirmed_switches_are_reported(fleet, capsys) -> None:  # noqa: ANN001
    engine, sim, port, units, url = fleet
    (dead, dead_unit), (stuck, stuck_unit), (waiting, _) = list(units.items())[:3]
    sim.set_fault(port, dead_unit, "timeout")
    sim.force(port, stuck_unit, "radio_on", 0)  # takes the write, keeps reading 0
    with engine.begin() as conn:  # an earlier switch whose answer was lost, minutes ago
        conn.execute(text("INSERT INTO devices.commands (actor, device_id, layer, code, model, point, requested, "
                          "value, result, detail) VALUES (:actor, :device, :layer, :code, 'wifi_ap_v1', 'radio_on', "
                          "'1', 1, 'unconfirmed', 'no answer')"),
                     {"actor": ACTOR, "device": f"{LAYER}/{waiting}", "layer": LAYER, "code": waiting})
    outcomes = {o.code: o for o in run_once(engine, wib(18, 0), timeout_s=0.5)}
    assert outcomes[dead].result == "unreachable"
    assert outcomes[stuck].result == "mismatch" and "read back 0" in outcomes[stuck].detail
    assert command_log(engine, f"{LAYER}/{stuck}")[0]["result"] == "mismatch"  # audited
    assert outcomes[waiting].result == "awaiting"  # never sent twice while it may still apply
    assert len([o for o in outcomes.values() if o.result not in FINE]) == 3
    # The command line reports them and fails, so a cron or an operator notices.
    assert main(["wifi-schedule", "once", "--at", "2026-12-07T18:00:00+07:00", "--database-url", url]) == 3
    out = capsys.readouterr().out
    assert f"{dead}: radio on: unreachable" in out and "3 need attention" in out
    assert main(["wifi-schedule", "once", "--at", "2026-12-07 18:00", "--database-url", url]) == 2
    assert "time zone" in capsys.readouterr().err


def test_the_first_pass_waits_until_the_poller_has_heard_every_access_point(fleet) -> None:  # noqa: ANN001
    """./medan run starts simulator, poller and schedule at once: a first pass sent at once met no device."""
    engine, _sim, _port, _units, _url = fleet
    schedule, started = load_schedule(), datetime.now(UTC)
    began = time.monotonic()
    assert not await_first_readings(engine, schedule, lambda: False, started, limit_s=1.0, step_s=0.2)
    assert time.monotonic() - began >= 1.0  # nobody polled yet: it waited its limit, then gives way
    poll_until(engine, read_fleet(engine, layers=[LAYER]), lambda _sink: first_readings_heard(engine, schedule, started))
    began = time.monotonic()
    assert await_first_readings(engine, schedule, lambda: False, started, limit_s=30.0)
    assert time.monotonic() - began < 1.0
    assert not first_readings_heard(engine, schedule, datetime.now(UTC) + timedelta(seconds=5))


def test_simulated_park_users_rise_in_the_evening_and_leave_without_radio_or_uplink() -> None:
    import random

    from devices.simbehaviour import init_wifi, step_wifi

    def users_at(hour: int, minute: int, radio: int = 1, uplink_fault: bool = False) -> float:
        state: dict[str, float] = {}
        start = wib(hour, minute).timestamp() - 1800
        init_wifi(state, start, random.Random(7))
        state["radio_on"] = radio
        if uplink_fault:
            state["_fault_until"] = start + 7200
        for step in range(1, 61):  # half an hour in 30 s steps: users settle toward the hour's level
            step_wifi(state, start + step * 30, 30, random.Random(step))
        return state["connected_users"]

    assert users_at(19, 30) > 2 * users_at(16, 10) > 0
    assert users_at(19, 30, radio=0) == 0
    assert users_at(19, 30, uplink_fault=True) < users_at(19, 30) / 2
