"""In Chromium on a phone: a resident opens today's agenda, moves to the week, opens an event on the map."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_resident_reads_the_day_then_the_week_and_opens_an_event_on_the_map(app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.page
        page.goto(f"{base}/agenda?tanggal=2026-12-08")
        page.wait_for_selector("body[data-ready=true]")
        day_count = int(page.locator("#a-list").get_attribute("data-count"))
        assert day_count > 0 and page.locator("#a-map").get_attribute("data-markers") == str(day_count)
        assert page.locator(".a-day").count() == 1
        page.click("#a-week")
        page.wait_for_selector("#a-list[data-view=minggu]")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator(".a-day").count() == 7
        assert page.locator(".a-day").first.get_attribute("data-day") == "2026-12-07"
        assert int(page.locator("#a-list").get_attribute("data-count")) > day_count
        assert page.locator('.a-event[data-sifat="internal"]').count() == 0
        event = page.locator(".a-event").nth(2)
        event.locator(".a-show").click()
        page.wait_for_selector(f"#a-map[data-opened=\"{event.get_attribute('data-kode')}\"]")
        assert page.locator(".leaflet-popup-content").inner_text().startswith(event.locator(".a-time").inner_text()[:5])
        session.screenshot("agenda-week-phone")
        assert session.errors == [] and session.foreign_requests() == []
