"""Shelving and unshelving alarms through the operator API (CSRF, roles, 4xx, audit) and the map's controls in Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from devices.alarms import alarm_history, list_alarms
from devices.simulator import FleetEntry
from layers.db import engine_for
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.operator import PASSWORD, build_app, poll_until, readdress, user_client
from webgis.accounts import manage
from webgis.assets import assets_present

REASON = "menunggu teknisi vendor"


@pytest.fixture
def faulty(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """An ATCS controller reporting a controller fault (a critical alarm), polled until the alarm is open."""
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    records = readdress(engine, port, ("atcs_controller_v1",))
    sim = simulator([FleetEntry(port, 1, "atcs_controller_v1")])
    for approach in ("north", "east", "south", "west"):
        sim.force(port, 1, f"queue_{approach}", 5.0)
    sim.force(port, 1, "controller_fault", 1)
    atcs = records["atcs_controller_v1"]
    poll_until(engine, [atcs], lambda _s: any(a["rule"] == "controller_fault" for a in list_alarms(engine)))
    alarm = next(a for a in list_alarms(engine) if a["rule"] == "controller_fault")
    return engine, atcs, alarm, build_app(isolated_database_url)


def _audited(engine, event: str) -> list[dict]:  # noqa: ANN001
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT details FROM auth.audit_log WHERE event = :e ORDER BY id"),
                                 {"e": event}).scalars())


def test_an_operator_shelves_and_unshelves_an_alarm_with_csrf_and_audit(faulty) -> None:  # noqa: ANN001
    engine, atcs, alarm, app = faulty
    operator, csrf = user_client(app, "operator")
    url = f"/operator/api/alarms/{alarm['id']}/shelve"
    good = {"reason": REASON, "duration_s": 3600}
    assert operator.post(url, json=good).status_code == 400  # no CSRF token
    citizen, citizen_csrf = user_client(app, "citizen")
    assert citizen.post(url, json=good, headers={"X-CSRFToken": citizen_csrf}).status_code == 403
    for body, says in (({"duration_s": 3600}, "needs a reason"), ({"reason": "ok", "duration_s": 3600}, "needs a reason"),
                       ({"reason": REASON}, "duration_s"), ({"reason": REASON, "duration_s": 30}, "from 60 to 86400"),
                       ({"reason": REASON, "duration_s": 7 * 86400}, "a shelf is temporary"), ([1], "JSON object")):
        refused = operator.post(url, json=body, headers={"X-CSRFToken": csrf})
        assert refused.status_code == 400 and says in refused.get_json()["description"], (body, refused.get_json())
    assert [h["event"] for h in alarm_history(engine, alarm["id"])] == ["open", "report"]  # nothing changed

    done = operator.post(url, json=good, headers={"X-CSRFToken": csrf})
    assert done.status_code == 200, done.get_json()
    shelf = done.get_json()
    assert (shelf["shelved"], shelf["shelve_reason"], shelf["isa_state"]) == (True, REASON, "unack")
    status = operator.get("/operator/api/status").get_json()
    assert alarm["id"] not in {a["id"] for a in status["alarms"]}
    assert [a["id"] for a in status["shelved"]] == [alarm["id"]]
    assert status["shelving"]["durations_s"] == [900, 3600, 14400, 28800, 86400]
    device = operator.get(f"/operator/api/devices/{atcs.layer}/{atcs.code}").get_json()
    assert [(a["id"], a["shelved"]) for a in device["alarms"]] == [(alarm["id"], True)]
    again = operator.post(url, json=good, headers={"X-CSRFToken": csrf})
    assert again.status_code == 409 and "already shelved" in again.get_json()["description"]
    assert operator.post("/operator/api/alarms/999999/shelve", json=good,
                         headers={"X-CSRFToken": csrf}).status_code == 404

    back_url = f"/operator/api/alarms/{alarm['id']}/unshelve"
    assert operator.post(back_url, json={}).status_code == 400  # no CSRF token
    back = operator.post(back_url, json={"note": "teknisi tiba"}, headers={"X-CSRFToken": csrf})
    assert back.status_code == 200 and back.get_json()["shelved"] is False
    assert alarm["id"] in {a["id"] for a in operator.get("/operator/api/status").get_json()["alarms"]}
    assert operator.post(back_url, json={}, headers={"X-CSRFToken": csrf}).status_code == 409
    history = alarm_history(engine, alarm["id"])
    assert [h["event"] for h in history] == ["open", "report", "shelve", "unshelve"]
    assert history[2]["actor"].startswith("user:operator") and REASON in history[2]["detail"]
    assert history[3]["detail"] == "teknisi tiba"
    (shelved,) = _audited(engine, "operator.alarm_shelve")
    assert (shelved["alarm_id"], shelved["reason"], shelved["rule"]) == (alarm["id"], REASON, "controller_fault")
    assert [a["alarm_id"] for a in _audited(engine, "operator.alarm_unshelve")] == [alarm["id"]]


def test_the_map_shelves_an_alarm_with_a_reason_and_unshelves_it(faulty) -> None:  # noqa: ANN001
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine, atcs, alarm, app = faulty
    manage.create_user(engine, "test", None, "sri_operator", PASSWORD, roles=["operator"])
    with serving(app) as base, launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + "/operator/")
        page.fill("input[name=username]", "sri_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.reload()  # the login page (not this suite's) asks for a /favicon.ico it lacks
        page.wait_for_selector("body[data-ready=true]")
        s.errors.clear()
        item = page.locator(f'#alarms li[data-alarm="{alarm["id"]}"]')
        item.locator("button.shelve").click()
        form = item.locator("form.shelve")
        # A shelf without a reason is not sent: the browser's own check stops it.
        form.locator("button[type=submit]").click()
        assert list_alarms(engine, device=atcs.device_id)[0]["shelved_until"] is None
        form.locator("input[name=reason]").fill(REASON)
        form.locator("select[name=duration_s]").select_option("14400")
        form.locator("button[type=submit]").click()
        shelved = page.locator(f'#shelved-alarms li[data-alarm="{alarm["id"]}"]')
        shelved.wait_for()
        assert REASON in shelved.inner_text() and "sri_operator" in shelved.inner_text()
        assert page.locator(f'#alarms li[data-alarm="{alarm["id"]}"]').count() == 0
        assert page.locator("#shelved-count").inner_text() == "1"
        row = list_alarms(engine, device=atcs.device_id)[0]
        assert 14390 < (row["shelved_until"] - row["shelved_at"]).total_seconds() <= 14400.5
        shelved.locator("button.unshelve").click()
        page.locator(f'#alarms li[data-alarm="{alarm["id"]}"]').wait_for()
        assert page.locator("#shelved-count").inner_text() == "0"
        assert [h["event"] for h in alarm_history(engine, alarm["id"])][-2:] == ["shelve", "unshelve"]
        assert s.errors == [] and s.foreign_requests() == [], s.errors
