"""In Chromium on a 360 px phone: a visitor opens /wisata, keeps only the religious sites, then
the parks open now and wheelchair accessible, opens a site from the list, then the Kesawan walk
drawn on the map with its numbered stops. Nothing is fetched from outside the app."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
KESAWAN_STOPS = 6


def test_a_visitor_filters_the_sites_opens_one_and_follows_the_kesawan_walk(app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.page
        page.goto(f"{base}/wisata")
        page.wait_for_selector("body[data-ready=true]")
        total = int(page.locator("#w-sites").get_attribute("data-count"))
        assert total >= 10 and page.locator("#w-map").get_attribute("data-sites") == str(total)
        assert page.locator("#w-map").get_attribute("data-walks") == "2"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

        page.check('input[name=jenis][value=religi]')
        page.click("#w-apply")
        page.wait_for_url("**/wisata?jenis=religi*")
        page.wait_for_selector("body[data-ready=true]")
        kinds = page.locator(".w-site").evaluate_all("items => items.map(i => i.dataset.jenis)")
        assert kinds and set(kinds) == {"religi"}
        assert page.locator("#w-map").get_attribute("data-sites") == str(len(kinds))

        page.uncheck('input[name=jenis][value=religi]')
        page.check('input[name=jenis][value=taman]')
        page.check("#w-open")
        page.check("#w-access")
        page.click("#w-apply")
        page.wait_for_url("**akses=1*")
        page.wait_for_selector("body[data-ready=true]")
        opened = page.locator(".w-site").evaluate_all("items => items.map(i => [i.dataset.jenis, i.dataset.open])")
        assert ["taman", "true"] in opened and all(item == ["taman", "true"] for item in opened)  # Lapangan Merdeka is 24/7

        page.goto(f"{base}/wisata")
        page.wait_for_selector("body[data-ready=true]")
        page.click('.w-site[data-kode="WS-TJONG-A-FIE"] h3 a')
        page.wait_for_selector('#w-site[data-kode="WS-TJONG-A-FIE"]')
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#w-hours li").count() == 7
        assert "Wikipedia" in page.locator(".w-source").inner_text()
        assert page.locator("#w-map").get_attribute("data-sites") == "1"
        session.screenshot("wisata-site-phone")

        page.click('.w-walk-link[href^="/wisata/rute/RW-KESAWAN"]')
        page.wait_for_selector('#w-walk[data-kode="RW-KESAWAN"]')
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#w-stops li").count() == KESAWAN_STOPS
        assert page.locator("#w-stops li").first.get_attribute("data-kode") == "WS-LAPANGAN-MERDEKA"
        assert page.locator("#w-map").get_attribute("data-walks") == "1"
        assert page.locator(".w-stop").count() == KESAWAN_STOPS  # numbered stops drawn on the map
        assert page.locator("#w-map path.leaflet-interactive").count() >= 1  # the line itself
        assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
        session.screenshot("wisata-kesawan-walk-phone")
        assert session.errors == [] and session.foreign_requests() == []


def test_on_a_desktop_in_english_a_marker_leads_to_its_site(app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, viewport={"width": 1280, "height": 900})
        page = session.page
        page.goto(f"{base}/wisata?lang=en&jenis=sejarah")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("h1").inner_text() == "Visiting Medan"
        assert page.locator("#w-map").bounding_box()["height"] >= 400
        # The palace's marker (under no walk line, beside no stop number): its popup links to its page, in English.
        page.locator("#w-map path.leaflet-interactive").first.wait_for()
        clicked = None
        for index in range(page.locator("#w-map path.leaflet-interactive").count()):
            page.locator("#w-map path.leaflet-interactive").nth(index).click(force=True)
            # A popup fades out as the next opens: look for the palace's link, not the first one.
            link = page.locator('.leaflet-popup-content a[href^="/wisata/WS-ISTANA-MAIMUN"]')
            if link.count():
                clicked = link.first.get_attribute("href")
                break
        assert clicked is not None and clicked.endswith("?lang=en")
        page.click(f'.leaflet-popup-content a[href="{clicked}"]')
        page.wait_for_selector("#w-site")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#w-site").get_attribute("data-kode") == "WS-ISTANA-MAIMUN"
        assert page.locator("#w-hours li").first.inner_text() == "Mon 08.00–17.00"
        session.screenshot("wisata-site-desktop")
        assert session.errors == [] and session.foreign_requests() == []
