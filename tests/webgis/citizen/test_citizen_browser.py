"""The citizen pages in a real Chromium: file a complaint by clicking the map, see the tracking number;
the complaints map draws its choropleth and heat map; the PPDB page lists schools for a clicked home.

The live server runs on this package's own database (complaints_app), since
filing a report commits. Nothing may be fetched from outside 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from tests.helpers.browser import Session, new_session


@pytest.fixture
def tab(chromium: Any, citizen_server: str) -> Iterator[Session]:
    session = new_session(chromium, citizen_server)
    yield session
    session.page.context.close()


def _click_map_centre(session: Session, selector: str) -> None:
    box = session.page.locator(selector).bounding_box()
    session.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_filing_a_complaint_by_clicking_the_map_shows_the_tracking_number(tab: Session, complaints_app: Flask) -> None:
    page = tab.page
    page.goto(tab.base + "/lapor")
    page.wait_for_selector("#report-map .leaflet-overlay-pane path")  # the kelurahan outlines are drawn
    assert page.locator("[data-category=BANJIR]").is_hidden()  # only the chosen category's attributes show
    _click_map_centre(tab, "#report-map")  # the map opens on central Medan (Kel. Silalas)
    page.wait_for_selector("#report-map .leaflet-marker-icon")
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#long"))
    assert abs(lat - 3.595) < 0.01 and abs(lon - 98.672) < 0.01
    page.select_option("#service_code", "LAMPU_JALAN")
    assert page.locator("[data-category=LAMPU_JALAN]").is_visible()
    page.select_option("#attr-LAMPU_JALAN-KONDISI", "mati")
    page.fill("#description", "Lampu jalan di depan masjid mati (uji peramban).")
    with page.expect_navigation():
        page.click("#submit-report")

    assert re.search(r"/lapor/MDN-[0-9A-Z]{8}\?baru=1$", page.url), page.url
    number = page.inner_text("#tracking-number").strip()
    assert re.fullmatch(r"MDN-[0-9A-Z]{8}", number)
    assert page.get_attribute("#status", "data-status") == "open"
    assert page.locator("#received").is_visible()
    with complaints_app.extensions["engine"].connect() as conn:
        row = conn.execute(text("SELECT service_code, source, ST_Y(geom) AS lat FROM layers.complaints "
                                "WHERE service_request_id = :i"), {"i": number}).mappings().one()
    assert row["service_code"] == "LAMPU_JALAN" and row["source"] == "web" and abs(row["lat"] - lat) < 1e-5
    assert tab.errors == []
    assert tab.foreign_requests() == []


def test_a_duplicate_nearby_is_offered_for_support(tab: Session, complaints_app: Flask) -> None:
    page = tab.page
    page.goto(tab.base + "/lapor")
    page.wait_for_selector("#report-map .leaflet-overlay-pane path")
    _click_map_centre(tab, "#report-map")
    page.select_option("#service_code", "LAMPU_JALAN")  # the previous test filed one right here
    page.wait_for_selector("#duplicate-list li button.support-button")
    with page.expect_navigation():
        page.locator("#duplicate-list li button.support-button").first.click()
    assert "didukung=1" in page.url and page.locator("#supported").is_visible()
    assert int(page.inner_text("#supporters")) >= 1
    assert tab.errors == []


def test_the_complaints_map_draws_the_choropleth_and_the_heat_map(tab: Session, complaints_app: Flask) -> None:
    page = tab.page
    page.goto(tab.base + "/lapor/peta")
    page.wait_for_selector("#map-total[data-total]")
    with complaints_app.extensions["engine"].connect() as conn:
        kelurahan = conn.execute(text("SELECT count(*) FROM layers.kelurahan")).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM layers.complaints_public")).scalar_one()
    assert page.get_attribute("#map-total", "data-total") == str(total)
    page.wait_for_function("n => document.querySelectorAll('#complaints-map path.leaflet-interactive').length >= n",
                           arg=kelurahan)
    page.wait_for_selector("#complaints-map canvas.c-heat")
    # The heat canvas has coloured pixels somewhere (the reports are in view at the opening zoom).
    painted = page.evaluate("""() => {
        const c = document.querySelector('#complaints-map canvas.c-heat');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) { n++; } } return n; }""")
    assert painted > 100
    assert page.locator("#map-legend span").count() == 5
    page.uncheck("input[name=choropleth]")
    assert page.locator("#complaints-map path.leaflet-interactive").count() == 0
    assert tab.errors == [] and tab.foreign_requests() == []


def test_the_ppdb_page_lists_schools_for_a_clicked_home(tab: Session) -> None:
    page = tab.page
    page.goto(tab.base + "/ppdb")
    page.wait_for_selector("#ppdb-map .leaflet-overlay-pane path")
    _click_map_centre(tab, "#ppdb-map")
    page.wait_for_selector("#ppdb-schools:not([hidden]) tbody tr")
    rows = page.locator("#ppdb-schools tbody tr")
    assert rows.count() == 10
    distances = [float(t.split()[0]) for t in page.locator("#ppdb-schools tbody td:nth-child(4)").all_inner_texts()]
    assert distances == sorted(distances)
    assert page.locator("#ppdb-schools tbody tr.in-zone").count() >= 1  # central Medan is in some SMP zone
    assert "Kel." in page.inner_text("#ppdb-message")
    assert tab.errors == [] and tab.foreign_requests() == []


@pytest.mark.parametrize(("path", "map_id", "sources"), [
    ("/lapor", "#report-map", ["cahyadsn", "BIG"]),
    ("/lapor/peta", "#complaints-map", ["cahyadsn", "Data sintetis"]),
    ("/ppdb", "#ppdb-map", ["cahyadsn", "Kemendikbud"]),
])
def test_each_citizen_map_credits_the_sources_it_draws(tab: Session, path: str, map_id: str, sources: list[str]) -> None:
    """Before, their attribution read only "Leaflet"; the credits come from the layer declarations."""
    tab.page.goto(tab.base + path)
    credits = tab.page.locator(f"{map_id} .leaflet-control-attribution").inner_text()
    for source in sources:
        assert source in credits, (path, credits)
    assert tab.errors == []
