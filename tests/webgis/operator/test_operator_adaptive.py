"""Adaptive signals on the operator's pages: turning the loop on and off through the API
(operators only, CSRF, a clear 4xx when unsafe or malformed), and the device page's
table of queues before and after, in Chromium.

The data comes first: a simulated intersection (queues that respond to the greens)
polled into PostGIS at 60 times the wall clock, ten simulated minutes on the fixed plan,
then fifteen on the loop, as tests/devices/test_adaptive_signals.py does.
"""

from __future__ import annotations

import pytest

from layers.db import engine_for
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.intersection import Intersection
from tests.helpers.operator import PASSWORD, build_app, readdress, user_client
from webgis.accounts import manage
from webgis.assets import assets_present


@pytest.fixture
def junction(isolated_database_url, ports):  # noqa: ANN001, ANN201
    (port, other) = ports(2)
    engine = engine_for(isolated_database_url)
    x = Intersection(engine, port)
    light = readdress(engine, other, ["lpju_solar_v1"])["lpju_solar_v1"]
    app = build_app(isolated_database_url)
    operator, csrf = user_client(app, "operator")
    citizen = user_client(app, "citizen")
    url = f"/operator/api/devices/{x.record.layer}/{x.record.code}/adaptive"
    try:
        assert operator.get(url).get_json()["mode"] == "off"
        refused = operator.post(url, json={"enabled": True}, headers={"X-CSRFToken": csrf})
        assert refused.status_code == 409 and "no readings" in refused.get_json()["description"]  # never polled
        x.run(600, loop=False)
        yield x, app, citizen, operator, csrf, url, light
    finally:
        x.close()


def test_the_loop_is_switched_through_the_api_by_operators_only(junction) -> None:  # noqa: ANN001
    x, _app, (citizen, citizen_csrf), operator, csrf, url, light = junction
    assert operator.post(url, json={"enabled": "yes"}, headers={"X-CSRFToken": csrf}).status_code == 400
    assert operator.post(url, json={"enabled": True}).status_code == 400  # no CSRF token: refused
    assert citizen.post(url, json={"enabled": True}, headers={"X-CSRFToken": citizen_csrf}).status_code == 403
    lamp = f"/operator/api/devices/{light.layer}/{light.code}/adaptive"
    assert operator.post(lamp, json={"enabled": True}, headers={"X-CSRFToken": csrf}).status_code == 404
    on = operator.post(url, json={"enabled": True}, headers={"X-CSRFToken": csrf})
    assert on.status_code == 200 and on.get_json()["mode"] == "adaptive"
    assert on.get_json()["fixed_plan"] == {"cycle_time": 90.0, "north": 22, "east": 22, "south": 22, "west": 22}
    again = operator.post(url, json={"enabled": True}, headers={"X-CSRFToken": csrf})
    assert again.status_code == 409 and "already runs" in again.get_json()["description"]
    x.run(1500)
    panel = operator.get(url).get_json()
    assert any(e["event"] == "change" and e["actor"] == "devices:adaptive" for e in panel["events"]), panel["events"]
    north = next(r for r in panel["queues"]["approaches"] if r["approach"] == "north")
    assert north["after_m"] < north["before_m"] and north["change_pct"] < -30, panel["queues"]
    x.run(2, loop=False)
    off = operator.post(url, json={"enabled": False}, headers={"X-CSRFToken": csrf}).get_json()
    assert off["mode"] == "off" and off["events"][0]["event"] == "restore"
    assert {x.device.state[f"green_{a}"] for a in ("north", "east", "south", "west")} == {22}


def test_the_device_page_shows_queues_before_and_after_and_switches_the_loop_off(junction) -> None:  # noqa: ANN001
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    x, app, _citizen, operator, csrf, url, _light = junction
    assert operator.post(url, json={"enabled": True}, headers={"X-CSRFToken": csrf}).status_code == 200
    x.run(1500)
    x.run(2, loop=False)
    manage.create_user(x.engine, "test", None, "tono_operator", PASSWORD, roles=["operator"])
    with serving(app) as base, launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + f"/operator/devices/{x.record.layer}/{x.record.code}")
        page.fill("input[name=username]", "tono_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector('#adaptive-queues tr[data-approach="north"]')
        s.errors.clear()
        assert page.locator("#adaptive-mode").inner_text().startswith("adaptif")
        cells = page.locator('#adaptive-queues tr[data-approach="north"] td')
        before, after = float(cells.nth(0).inner_text()), float(cells.nth(1).inner_text())
        assert after < before and cells.nth(2).inner_text().startswith("-")
        assert page.locator('#adaptive-queues tr[data-approach="total"]').count() == 1
        assert page.locator('#adaptive-events li[data-event="change"]').count() >= 1
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#adaptive-switch")
        page.wait_for_selector("#adaptive-mode.off")  # the page's CSP forbids wait_for_function's eval
        assert page.locator("#adaptive-mode").inner_text().startswith("mati")
        assert page.locator('#adaptive-events li[data-event="restore"]').count() >= 1
        assert s.errors == []
