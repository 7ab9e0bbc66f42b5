"""Alarms whose rule says `report: true` file one complaint report; a failed filing is retried by the CLI."""

from __future__ import annotations

import time

from sqlalchemy import text

from devices.__main__ import main
from devices.alarms import Locator, file_report, list_alarms, open_alarm, unreported
from devices.registry import read_fleet
from devices.rules import Transition, load_rules
from layers import read_layer
from layers.db import engine_for


def _open(engine, device: str, rule_id: str) -> int:  # noqa: ANN001
    rule = next(r for r in load_rules()["lpju_solar_v1"] if r.id == rule_id)
    with engine.begin() as conn:
        return open_alarm(conn, Transition("open", device, rule, time.time(), rule.points[0], 1.0),
                          "lpju_solar_v1", Locator())


def test_missing_reports_are_filed_once_and_only_for_reporting_rules(isolated_database_url, capsys) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    # Opened as if the complaints service had been down: no report yet.
    lamp = _open(engine, light.device_id, "lamp_fault")
    battery = _open(engine, light.device_id, "battery_low")
    assert unreported(engine) == [lamp]  # battery_low does not ask for a report
    assert main(["alarms", "report", "--database-url", isolated_database_url]) == 0
    assert f"alarm {lamp}: report " in capsys.readouterr().out
    alarms = {a["id"]: a for a in list_alarms(engine)}
    report = alarms[lamp]["report_id"]
    assert report and alarms[battery]["report_id"] is None
    found = read_layer(engine, "complaints", where={"service_request_id": report}, include_private=True)
    assert found["device_alarm"].iloc[0] == f"ALM-{lamp:06d}" and found["service_code"].iloc[0]
    # Again: the same report, no second one.
    assert file_report(engine, lamp) == report and unreported(engine) == []
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM layers.complaints WHERE device_alarm = :c"),
                             {"c": f"ALM-{lamp:06d}"}).scalar_one()
    assert count == 1
