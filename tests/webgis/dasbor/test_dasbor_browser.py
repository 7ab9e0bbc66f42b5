"""In Chromium, on a phone: a Bappeda planner opens /dasbor, sees the trend chart and the kecamatan
map of the first indicator, opens how a figure was computed, then picks a kecamatan on the map."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.accounts import manage
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_planner_reads_the_trend_the_map_and_the_provenance(indicators_app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    user = manage.create_user(indicators_app.extensions["engine"], "test", None, f"b{uuid.uuid4().hex[:8]}",
                              PASSWORD, roles=["staff"], agencies=["BAPPEDA"])
    with serving(indicators_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.page
        page.goto(f"{base}/login?next=/dasbor")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_selector("#d-detail[data-ready=complaint_sla]")
        assert int(page.locator("#d-chart").get_attribute("data-points")) > 24
        assert page.locator("#d-map").get_attribute("data-features") == "21"
        assert page.locator("#d-map path.leaflet-interactive").count() >= 21
        assert page.locator("#d-agencies tbody tr").count() >= 4
        page.locator("#d-chart circle.d-point").last.dispatch_event("click")
        dialog = page.locator("#d-provenance")
        page.wait_for_selector("#d-provenance[open]")
        assert "complaints" in page.locator("#p-layers").inner_text()
        assert int(dialog.get_attribute("data-n")) > 0
        assert "GROUPING SETS" in page.locator("#p-sql").text_content()
        session.screenshot("dasbor-provenance")
        page.click("#p-close")
        page.locator('.d-card[data-indicator="permit_days"] .d-select').click()
        page.wait_for_selector("#d-detail[data-ready=permit_days]")
        page.locator("#d-map path.leaflet-interactive").nth(3).dispatch_event("click")
        page.wait_for_selector("#d-chart[data-lines='2']")  # the city and the kecamatan chosen
        assert page.locator("#d-chart path").count() == 2
        page.locator(".d-map-how").click()
        page.wait_for_selector("#d-provenance[open]")
        assert "kecamatan 12.71." in page.locator("#p-title").inner_text()
        session.screenshot("dasbor-kecamatan")
        assert session.errors == [] and session.foreign_requests() == []
