"""In Chromium on a 360 px phone: a driver taps a start and a destination on /rute-berkendara and
sees the suggested route drawn around the congested junction beside the usual one, with both
times; on a desktop in English, a shared link opens on the route. Nothing is fetched from outside."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, new_session, serving
from tests.services.routing.test_planner import A, B
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _tap(page, lon: float, lat: float) -> None:  # noqa: ANN001
    """Click the map where (lon, lat) is, through Leaflet's own projection (the map scrolled into view)."""
    page.locator("#d-map").scroll_into_view_if_needed()
    x, y = page.evaluate("([lon, lat]) => { const m = window.MedanStreets.maps[0]; const p = "
                         "m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect(); "
                         "return [r.left + p.x, r.top + p.y]; }", [lon, lat])
    page.mouse.click(x, y)


def test_a_driver_taps_two_points_and_gets_the_way_round_the_jam(routed_app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(routed_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.page
        page.goto(f"{base}/rute-berkendara")
        page.wait_for_selector("body[data-ready=true]")
        page.evaluate("window.MedanStreets.maps[0].setView([3.5812, 98.6868], 15, {animate: false})")
        _tap(page, *A)
        assert page.input_value("#d-from") != "" and page.input_value("#d-to") == ""
        _tap(page, *B)
        page.wait_for_selector("#d-map[data-routes='1']")
        assert "Jalan Halat" in page.locator(".d-suggested .d-streets").inner_text()
        assert "Simpang Mesjid 1" in page.locator(".d-avoided-list").inner_text()
        assert "menunggu" in page.locator(".d-usual .d-time").inner_text()
        assert page.locator("#d-map path.leaflet-interactive, #d-map path").count() >= 3  # two lines and the junction
        assert page.locator("path.d-avoided").count() == 1
        assert "dari=" in page.url and "ke=" in page.url  # a shareable link
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        session.screenshot("rute-berkendara-phone")

        page.uncheck("#d-avoid")
        page.wait_for_selector("#d-map[data-routes='2']")
        assert page.locator(".d-avoided-list").count() == 0 and page.locator("path.d-avoided").count() == 0
        assert session.errors == [] and session.foreign_requests() == []


def test_a_shared_link_opens_on_the_route_in_english_on_a_desktop(routed_app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(routed_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, viewport={"width": 1280, "height": 900})
        page = session.page
        page.goto(f"{base}/rute-berkendara?lang=en&dari={A[0]},{A[1]}&ke=98.49,3.60")
        page.wait_for_selector("#d-map[data-routes='1']")
        assert page.locator("h1").inner_text() == "Driving routes around congestion"
        assert "di luar Kota Medan" in page.locator(".d-error[role=alert]").inner_text()
        page.fill("#d-to", f"{B[0]},{B[1]}")
        page.press("#d-to", "Enter")
        page.wait_for_selector("#d-map[data-routes='2']")
        assert "Suggested route" in page.locator(".d-suggested h2").inner_text()
        assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
        # Chromium logs the refused request itself (the page showed its reason); nothing else went wrong.
        assert session.errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
        assert session.foreign_requests() == []
