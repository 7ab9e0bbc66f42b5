"""In Chromium on a 360 px phone: a rider finds the start and the destination by the place search,
the trips come back and the best is drawn; then two map clicks plan again. On a desktop in English:
the route list, a route page with its stops drawn, and the GTFS link. Nothing fetched from outside."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _need_assets() -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")


def test_on_a_phone_a_rider_plans_by_search_and_by_map_clicks(app: Flask) -> None:
    _need_assets()
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.page
        page.goto(f"{base}/angkot")
        page.wait_for_selector("body[data-ready=true]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        for end, name in (("dari", "P Berayan Darat II 1"), ("ke", "Tegal S Mandala I 1")):
            page.fill(f"#a-q-{end}", name)
            page.click(f'.a-find[data-end="{end}"]')
            page.click(f"#a-hits-{end} button.a-hit >> text={name}")
        page.wait_for_url("**/angkot?*dari=*ke=*")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator(".a-trip").first.get_attribute("data-trayek") == "5,86"
        assert page.locator("#a-map").get_attribute("data-legs") == "5"  # walk, ride, walk, ride, walk
        assert page.locator("#a-map path.leaflet-interactive").count() >= 5
        assert page.locator(".a-trip").first.get_attribute("aria-current") == "true"
        assert page.locator("#a-name-dari").inner_text() == "P Berayan Darat II 1"
        top = page.evaluate("document.getElementById('a-map').getBoundingClientRect().top")
        assert 0 <= top < 100  # the answer's map is brought into view past the phone's long form
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        session.screenshot("angkot-trip-phone")
        if page.locator(".a-trip").count() > 1:
            page.click('.a-show[data-index="1"]')
            assert page.locator("#a-map").get_attribute("data-trip") == "1"

        page.goto(f"{base}/angkot")
        page.wait_for_selector("body[data-ready=true]")
        the_map = page.locator("#a-map")
        box = the_map.bounding_box()
        the_map.click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.5})
        assert the_map.get_attribute("data-chosen") == "dari" and page.input_value("#a-dari")
        the_map.click(position={"x": box["width"] * 0.55, "y": box["height"] * 0.4})
        page.wait_for_url("**/angkot?*dari=*ke=*")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator(".a-trip").count() + page.locator("#a-message").count() >= 1
        assert session.errors == [] and session.foreign_requests() == []


def test_on_a_desktop_in_english_the_routes_and_a_route_with_its_stops(app: Flask) -> None:
    _need_assets()
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, viewport={"width": 1280, "height": 900})
        page = session.page
        page.goto(f"{base}/angkot/trayek?lang=en")
        assert page.locator("h1").inner_text() == "All angkot routes"
        assert page.locator(".a-route").count() == 25
        page.click('.a-route[data-kode="41"] a')
        page.wait_for_selector('#a-route[data-kode="41"]')
        page.wait_for_selector("body[data-ready=true]")
        stops = page.locator("#a-stops li").count()
        assert stops > 20 and page.locator("#a-map").get_attribute("data-stops") == str(stops)
        assert page.locator("#a-map path.leaflet-interactive").count() >= stops  # the line and every stop
        assert "also served by Medan Bus 9" in page.locator("#a-stops").inner_text()  # other routes by their spoken name
        assert "Shelter" in page.locator("#a-stops").inner_text() or "Boarding point" in page.locator("#a-stops").inner_text()
        session.screenshot("angkot-route-desktop")
        with page.expect_download() as download:
            page.click("#a-gtfs")
        assert download.value.suggested_filename == "angkot_medan_gtfs.zip"
        assert session.errors == [] and session.foreign_requests() == []
