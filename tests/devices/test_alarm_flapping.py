"""A flapping fault makes one alarm and one report; the report is told when the alarm clears."""

from __future__ import annotations

import asyncio
import dataclasses

from devices.alarms import list_alarms
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules, parse_rules
from devices.store import PostgisSink
from layers import read_layer
from layers.db import engine_for
from services.complaints.records import update_report

FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.05,
                    idle_write_s=0.1)
ON_DELAY_S, OFF_DELAY_S = 0.3, 1.5


def _rules() -> dict:
    """The shipped rules, lamp_fault's delays shortened for a test (its shape kept)."""
    rules = load_rules()
    lamp = next(r for r in rules["lpju_solar_v1"] if r.id == "lamp_fault")
    assert lamp.report and lamp.for_s > 0 and lamp.clear_for_s > 0, "lamp_fault must be debounced"
    return {m: [dataclasses.replace(r, for_s=ON_DELAY_S, clear_for_s=OFF_DELAY_S) if r.id == "lamp_fault" else r
                for r in rs] for m, rs in rules.items()}


def _healthy_lamp(gateway) -> None:  # noqa: ANN001
    gateway.set(1, "input", 0, 1250)  # 12.5 V
    gateway.set(1, "input", 1, 600)   # 60 %


def _light_on(engine, port: int) -> DeviceRecord:  # noqa: ANN001
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    return dataclasses.replace(light, host="127.0.0.1", port=port, unit=1, interval_s=0.1)


def _lamp_alarms(engine, device: str) -> list[dict]:  # noqa: ANN001
    return [a for a in list_alarms(engine, active=False, device=device) if a["rule"] == "lamp_fault"]


def _report(engine, report_id: str) -> dict:  # noqa: ANN001
    frame = read_layer(engine, "complaints", where={"service_request_id": report_id}, include_private=True)
    return frame.iloc[0].to_dict()


def _run(engine, light: DeviceRecord, scenario) -> None:  # noqa: ANN001
    sink = PostgisSink(engine, devices=[light], rules=_rules())
    poller = Poller([light.config()], sink, FAST)

    async def main() -> None:
        await poller.start()
        try:
            await scenario()
        finally:
            await poller.stop()

    asyncio.run(main())


def test_a_flapping_lamp_fault_makes_one_alarm_and_one_report(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    _healthy_lamp(gateway)
    light = _light_on(engine, port)

    async def flap() -> None:
        await asyncio.sleep(0.5)
        for _ in range(3):  # on long enough to pass the on-delay, off shorter than the off-delay
            gateway.set(1, "discrete_input", 0, 1)
            await asyncio.sleep(0.7)
            gateway.set(1, "discrete_input", 0, 0)
            await asyncio.sleep(0.6)
        assert await wait_until(lambda: not list_alarms(engine, device=light.device_id), 6)

    _run(engine, light, flap)
    (alarm,) = _lamp_alarms(engine, light.device_id)
    assert alarm["state"] == "cleared" and alarm["report_id"]
    report = _report(engine, alarm["report_id"])
    # The report stays open (staff decide) and carries a staff-only note that the alarm cleared.
    assert report["status"] == "open"
    assert "cleared" in (report["internal_notes"] or "") and alarm_code_in(alarm["id"], report["internal_notes"])


def alarm_code_in(alarm_id: int, text: str | None) -> bool:
    return f"ALM-{alarm_id:06d}" in (text or "")


def test_a_fault_that_returns_while_its_report_is_open_reuses_the_report(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    _healthy_lamp(gateway)
    light = _light_on(engine, port)

    def episode() -> None:
        async def fault_then_clear() -> None:
            gateway.set(1, "discrete_input", 0, 1)
            assert await wait_until(lambda: list_alarms(engine, device=light.device_id), 5)
            gateway.set(1, "discrete_input", 0, 0)
            assert await wait_until(lambda: not list_alarms(engine, device=light.device_id), 5)
        _run(engine, light, fault_then_clear)

    episode()
    episode()
    first, second = sorted(_lamp_alarms(engine, light.device_id), key=lambda a: a["id"])
    assert first["report_id"] == second["report_id"]  # one open report per device and rule
    assert alarm_code_in(second["id"], _report(engine, first["report_id"])["internal_notes"])
    # Once staff close it, the next fault files a new report.
    update_report(engine, first["report_id"], {"status": "closed"}, actor="staff:test")
    episode()
    third = max(_lamp_alarms(engine, light.device_id), key=lambda a: a["id"])
    assert third["report_id"] and third["report_id"] != first["report_id"]


def test_reporting_rules_must_be_debounced() -> None:
    raw = {"model": "lpju_solar_v1", "rules": [
        {"id": "x", "point": "lamp_fault", "op": "==", "value": 1, "severity": "critical", "report": True,
         "title": {"id": "x", "en": "x"}}]}
    try:
        parse_rules(raw)
    except ValueError as exc:
        assert "for_s" in str(exc)
    else:
        raise AssertionError("a reporting rule without a debounce was accepted")

