"""Each way a Modbus peer can fail is named, and only "nobody answers" makes a device offline."""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import text

from devices.alarms import list_alarms
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, late_grace_s=0.6, retries=1, backoff_s=0.02, offline_after=2,
                    offline_probe_s=0.5, flush_interval_s=0.05, idle_write_s=0.1)
# unit -> (behaviour, options, the fault the device must show, the alarm it must raise)
CASES = {
    1: ("ok", {}, None, None),
    2: ("exception", {"code": 2}, "config", "config_mismatch"),
    3: ("exception", {"code": 6}, "busy", "busy"),
    4: ("exception", {"code": 11}, "unit_missing", "unit_missing"),
    5: ("garbage", {}, "garbled", "garbled"),
    6: ("wrong_tid", {}, "garbled", "garbled"),
    7: ("wrong_unit", {}, "garbled", "garbled"),
    8: ("slow", {"delay_s": 0.45}, "slow", "slow"),
    9: ("silent", {}, "no_answer", "offline"),
}
DETAILS = {2: "illegal data address", 3: "busy", 4: "gateway target", 6: "transaction id", 7: "unit"}


def _rules() -> dict:
    return {m: [dataclasses.replace(r, for_s=min(r.for_s, 0.3)) for r in rs] for m, rs in load_rules().items()}


def _state(engine) -> dict[str, dict]:  # noqa: ANN001
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT device_id, status, fault FROM devices.device_state")).mappings()
        return {r["device_id"]: dict(r) for r in rows}


def test_failure_causes_are_named_and_raise_the_matching_alarm(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    port, closing_port, refused_port = ports(3)
    engine = engine_for(isolated_database_url)
    gateway, closer = peer(port), peer(closing_port)
    template = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    fleet: dict[int, DeviceRecord] = {}
    for unit, (kind, options, _, _) in CASES.items():
        gateway.behave(unit, kind, **options)
        gateway.set(unit, "input", 0, 1250)
        gateway.set(unit, "input", 1, 600)
        fleet[unit] = dataclasses.replace(template, code=f"T-{unit}", port=port, unit=unit, interval_s=0.5)
    closer.behave(1, "close")
    fleet[20] = dataclasses.replace(template, code="T-close", port=closing_port, unit=1, interval_s=0.5)
    fleet[21] = dataclasses.replace(template, code="T-refused", port=refused_port, unit=1, interval_s=0.5)
    ids = {u: d.device_id for u, d in fleet.items()}
    sink = PostgisSink(engine, devices=list(fleet.values()), rules=_rules())
    poller = Poller([d.config() for d in fleet.values()], sink, FAST)

    def alarms(unit: int) -> set[str]:
        return {a["rule"] for a in list_alarms(engine, device=ids[unit])}

    def settled() -> bool:
        return all(expected is None or expected in alarms(u) for u, (*_, expected) in CASES.items()) \
            and {"offline"} <= alarms(20) and {"offline"} <= alarms(21)

    async def run() -> bool:
        await poller.start()
        try:
            return await wait_until(settled, 12)
        finally:
            await poller.stop()

    done = asyncio.run(run())
    state = _state(engine)
    got = {u: (state.get(ids[u], {}).get("fault") or "", sorted(alarms(u))) for u in fleet}
    assert done, repr(got)[-1000:]
    for unit, (_kind, _options, fault, alarm) in CASES.items():
        row = state[ids[unit]]
        if fault is None:
            assert row["status"] == "online" and not row["fault"] and not alarms(unit), (unit, row)
            continue
        assert (row["fault"] or "").startswith(f"{fault}:"), (unit, row["fault"])
        assert DETAILS.get(unit, "") in row["fault"], (unit, row["fault"])
        # Only the unit nobody answers for is offline; the others answer, so no crew is sent.
        assert (row["status"] == "offline") == (fault == "no_answer"), (unit, row)
        assert alarms(unit) == {alarm}, (unit, alarms(unit))
    assert state[ids[8]]["status"] == "online"  # slow but alive: its readings are kept
    assert state[ids[20]]["fault"].startswith("connection: closed") and "closed" in state[ids[20]]["fault"]
    assert state[ids[21]]["fault"].startswith("connection: refused")
