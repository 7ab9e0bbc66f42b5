"""The operators' view over HTTP, with the real simulator behind it: roles, status JSON, ack, commands."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from devices.alarms import alarm_history, list_alarms
from devices.commands import command_log
from devices.simulator import FleetEntry
from layers import read_layer
from layers.db import engine_for
from tests.helpers.operator import build_app, poll_until, readdress, user_client

MODELS = ("lpju_solar_v1", "atcs_controller_v1")


@pytest.fixture
def fleet(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """A light (unit 1) and an ATCS controller (unit 2) registered on a live simulator, polled once."""
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    records = readdress(engine, port, MODELS)
    sim = simulator([FleetEntry(port, u, m) for u, m in enumerate(MODELS, start=1)])
    sim.force(port, 1, "battery_soc", 70.0)  # away from the battery rule, whatever the hour
    for approach in ("north", "east", "south", "west"):
        sim.force(port, 2, f"queue_{approach}", 5.0)
    poll_until(engine, list(records.values()), lambda sink: sink.rows_written >= 4)
    return engine, sim, port, records, build_app(isolated_database_url)


def test_the_operator_view_needs_login_and_the_operator_role(fleet) -> None:  # noqa: ANN001
    *_, app = fleet
    anonymous = app.test_client()
    page = anonymous.get("/operator/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert anonymous.get("/operator/api/status").status_code == 401
    citizen, _ = user_client(app, "citizen")
    assert citizen.get("/operator/").status_code == 403
    assert citizen.get("/operator/api/status").status_code == 403
    operator, _ = user_client(app, "operator")
    html = operator.get("/operator/")
    assert html.status_code == 200
    body = html.get_data(as_text=True)
    assert 'name="csrf-token"' in body and "operator/map.js" in body and "<script>" not in body
    assert app.test_client().get("/operator/api/status", headers={"Authorization": "Bearer test-token"}
                                 ).status_code == 200  # the admin-equivalent token


def test_status_and_device_json_carry_latest_values_and_etags(fleet) -> None:  # noqa: ANN001
    engine, sim, port, records, app = fleet
    operator, _ = user_client(app, "operator")
    status = operator.get("/operator/api/status")
    assert status.status_code == 200
    by_id = {d["id"]: d for d in status.get_json()["devices"]}
    light, atcs = records["lpju_solar_v1"], records["atcs_controller_v1"]
    assert by_id[light.device_id]["status"] == "online" and by_id[atcs.device_id]["status"] == "online"
    assert "modbus_host" not in status.get_data(as_text=True)
    again = operator.get("/operator/api/status", headers={"If-None-Match": status.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    device = operator.get(f"/operator/api/devices/{light.layer}/{light.code}").get_json()
    points = {p["name"]: p for p in device["points"]}
    assert points["battery_soc"]["value"] == pytest.approx(70.0, abs=0.1) and points["battery_soc"]["unit"] == "%"
    assert points["battery_voltage"]["unit"] == "V" and 10 < points["battery_voltage"]["value"] < 15
    assert points["lamp_on"]["writable"] and points["lamp_on"]["allowed"] == [0, 1]
    assert operator.get(f"/operator/api/devices/{light.layer}/NOPE").status_code == 404
    assert operator.get("/operator/api/devices/kelurahan/1").status_code == 404
    chart = operator.get(f"/operator/api/devices/{light.layer}/{light.code}/telemetry?window=hour").get_json()
    soc = next(s for s in chart["series"] if s["point"] == "battery_soc")
    assert soc["unit"] == "%" and soc["v"] and soc["v"][-1] == pytest.approx(70.0, abs=0.1)
    assert operator.get(f"/operator/api/devices/{light.layer}/{light.code}/telemetry?window=year").status_code == 400
    page = operator.get(f"/operator/devices/{light.layer}/{light.code}")
    assert page.status_code == 200 and light.name in page.get_data(as_text=True)


def test_an_alarm_is_listed_files_a_report_and_is_acknowledged_with_csrf(fleet) -> None:  # noqa: ANN001
    engine, sim, port, records, app = fleet
    light = records["lpju_solar_v1"]
    poll_until(engine, [light], lambda _s: any(a["rule"] == "lamp_fault" for a in list_alarms(engine)),
               during=lambda: sim.force(port, 1, "lamp_fault", 1))
    operator, csrf = user_client(app, "operator")
    status = operator.get("/operator/api/status").get_json()
    alarm = next(a for a in status["alarms"] if a["rule"] == "lamp_fault")
    assert next(d for d in status["devices"] if d["id"] == light.device_id)["status"] == "alarm"
    # The rule says `report: true`: a complaint report was filed and linked on the alarm.
    assert alarm["report_id"]
    reports = read_layer(engine, "complaints", where={"device_alarm": alarm["kode"]}, include_private=True)
    assert list(reports["service_request_id"]) == [alarm["report_id"]]
    url = f"/operator/api/alarms/{alarm['id']}/ack"
    assert operator.post(url, json={}).status_code == 400  # no CSRF token: refused, nothing changed
    assert list_alarms(engine, device=light.device_id)[0]["state"] == "open"
    citizen, citizen_csrf = user_client(app, "citizen")
    assert citizen.post(url, json={}, headers={"X-CSRFToken": citizen_csrf}).status_code == 403
    done = operator.post(url, json={"note": "teknisi dikirim"}, headers={"X-CSRFToken": csrf})
    assert done.status_code == 200 and done.get_json()["state"] == "acknowledged"
    history = alarm_history(engine, alarm["id"])
    assert [h["event"] for h in history] == ["open", "report", "acknowledge"]
    assert history[-1]["actor"].startswith("user:") and history[-1]["detail"] == "teknisi dikirim"
    again = operator.post(url, json={}, headers={"X-CSRFToken": csrf})
    assert (again.status_code, again.get_json()["code"]) == (409, "Conflict")
    unknown = operator.post("/operator/api/alarms/999999/ack", json={}, headers={"X-CSRFToken": csrf})
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "NotFound")
    assert unknown.get_json()["description"] == "alarm 999999 does not exist"
    with engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM auth.audit_log WHERE event = 'operator.alarm_ack'")).scalar_one()
    assert events == 1


def test_a_command_is_checked_confirmed_sent_and_read_back(fleet) -> None:  # noqa: ANN001
    engine, sim, port, records, app = fleet
    atcs = records["atcs_controller_v1"]
    url = f"/operator/api/devices/{atcs.layer}/{atcs.code}/command"
    operator, csrf = user_client(app, "operator")
    headers = {"X-CSRFToken": csrf}
    check = operator.post(url, json={"point": "cycle_time", "value": 120}, headers=headers)
    assert check.status_code == 200 and check.get_json()["confirm_required"] is True
    assert check.get_json()["min"] == 40 and check.get_json()["max"] == 180
    assert sim.device(port, 2).state["cycle_time"] == 90 and command_log(engine, atcs.device_id) == []
    refused = operator.post(url, json={"point": "cycle_time", "value": 500, "confirm": True}, headers=headers)
    assert refused.status_code == 400 and "above maximum" in refused.get_json()["description"]
    assert sim.device(port, 2).state["cycle_time"] == 90
    assert command_log(engine, atcs.device_id)[0]["result"] == "rejected"
    for bad in ({"point": "current_phase", "value": 2, "confirm": True}, {"point": "cycle_time", "value": "x"},
                {"value": 100}, ["cycle_time"]):
        assert operator.post(url, json=bad, headers=headers).status_code == 400, bad
    assert sim.device(port, 2).state["cycle_time"] == 90
    sent = operator.post(url, json={"point": "cycle_time", "value": 120, "confirm": True}, headers=headers)
    assert sent.status_code == 200, sent.get_json()
    result = sent.get_json()
    assert (result["result"], result["previous"], result["read_back"]) == ("ok", 90, 120)
    assert sim.device(port, 2).state["cycle_time"] == 120
    audit = command_log(engine, atcs.device_id)[0]
    assert audit["id"] == result["audit_id"] and audit["actor"].startswith("user:") and audit["result"] == "ok"
    citizen, citizen_csrf = user_client(app, "citizen")
    assert citizen.post(url, json={"point": "cycle_time", "value": 60, "confirm": True},
                        headers={"X-CSRFToken": citizen_csrf}).status_code == 403
    assert sim.device(port, 2).state["cycle_time"] == 120


def test_diagnostics_json_and_the_wall_page(fleet) -> None:  # noqa: ANN001
    engine, sim, port, records, app = fleet
    light = records["lpju_solar_v1"]
    operator, _ = user_client(app, "operator")
    diag = operator.get(f"/operator/api/devices/{light.layer}/{light.code}/diagnostics")
    assert diag.status_code == 200
    body = diag.get_json()
    assert body["polling"] == {"interval_s": 0.2, "timeout_s": 1.0, "retries": 1,
                               "poller_defaults": ["timeout_s", "retries"]}
    # The poll above stopped and handed its counters over: every request answered.
    assert body["comm"]["requests"] >= 4 and body["comm"]["ok"] == body["comm"]["requests"]
    assert len(body["days"]) == 30 and body["days"][0]["availability"] == 100.0
    assert len(body["months"]) == 12 and body["period_count"] == 0
    assert operator.get(f"/operator/api/devices/{light.layer}/NOPE/diagnostics").status_code == 404
    assert app.test_client().get(f"/operator/api/devices/{light.layer}/{light.code}/diagnostics").status_code == 401
    page = operator.get(f"/operator/devices/{light.layer}/{light.code}").get_data(as_text=True)
    assert "operator/diagnostics.js" in page and "Komunikasi dan ketersediaan" in page
    wall = operator.get("/operator/wall")
    assert wall.status_code == 200 and "operator/wall.js" in wall.get_data(as_text=True)
    assert app.test_client().get("/operator/wall").status_code == 302
    citizen, _ = user_client(app, "citizen")
    assert citizen.get("/operator/wall").status_code == 403
