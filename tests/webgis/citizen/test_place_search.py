"""Finding an address or place on /lapor and /ppdb (issue 20 item 2), in Chromium: the place search
fills the page's location and moves its map; Enter searches rather than sending the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from geodata.osm import import_extract
from layers.db import sqlalchemy_url
from tests.helpers.browser import Session, launched_chromium, new_session, serving
from tests.helpers.database import settings_for
from webgis.assets import assets_present

EXTRACT = Path(__file__).resolve().parents[2] / "layers" / "data" / "medan_places.osm"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def places_database(server_url: str, template_database_url: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database
    from layers.db import engine_for
    from tests.helpers.database import clone_database

    url = clone_database(server_url, template_database_url)
    engine = create_engine(sqlalchemy_url(url))
    import_extract(engine, EXTRACT, actor="test")
    engine.dispose()
    yield url
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture(scope="module")
def places_server(places_database: str) -> Iterator[str]:
    from webgis.app import create_app

    if not assets_present():
        pytest.skip("vendored Leaflet missing: run ./medan (npm ci + python -m webgis assets)")
    with serving(create_app(settings_for(places_database))) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(params=[{"width": 360, "height": 740}, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def session(browser: Any, places_server: str, request: pytest.FixtureRequest) -> Iterator[Session]:
    s = new_session(browser, places_server, viewport=request.param)
    yield s
    s.page.context.close()


def _metres_to_street(url: str, name: str, lon: float, lat: float) -> float:
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        metres = conn.execute(text(
            "SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)) "
            "FROM layers.osm_roads WHERE nama = :n"), {"x": lon, "y": lat, "n": name}).scalar_one()
    engine.dispose()
    return metres


def test_a_street_typed_on_lapor_fills_the_report_location(session: Session, places_database: str) -> None:
    page = session.page
    page.goto(session.base + "/lapor")
    page.fill("#report-address", "jln gatot subroto")
    page.press("#report-address", "Enter")  # searches; the report is not sent
    first = page.locator(".c-place-result").first
    first.wait_for()
    assert first.inner_text().startswith("Jalan Gatot Subroto — Kel. ")
    assert page.url.endswith("/lapor")
    first.click()
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#long"))
    assert _metres_to_street(places_database, "Jalan Gatot Subroto", lon, lat) < 1
    assert "Jalan Gatot Subroto" in page.locator(".c-place-search [role=status]").inner_text()
    assert session.errors == []
    assert session.foreign_requests() == []


def test_a_place_typed_on_ppdb_places_the_home_and_lists_schools(session: Session) -> None:
    page = session.page
    page.goto(session.base + "/ppdb")
    page.fill("#ppdb-address", "masjid raya")
    page.click(".c-place-search button")
    first = page.locator(".c-place-result").first
    first.wait_for()
    assert first.inner_text().startswith("Masjid Raya Al-Mashun")
    first.click()
    page.wait_for_selector("#ppdb-schools:not([hidden])")
    assert abs(float(page.input_value("#ppdb-lat")) - 3.5752) < 0.002
    assert abs(float(page.input_value("#ppdb-lon")) - 98.6873) < 0.002
    assert "Kec. Medan Kota" in page.inner_text("#ppdb-message")
    session.screenshot(f"place-search-ppdb-{page.viewport_size['width']}")
    assert session.errors == []


def test_a_name_nobody_has_is_said_in_bahasa_indonesia(session: Session) -> None:
    page = session.page
    page.goto(session.base + "/ppdb")
    page.fill("#ppdb-address", "zzqxjv")
    page.press("#ppdb-address", "Enter")
    page.wait_for_function("() => document.querySelector('.c-place-search [role=status]').textContent !== ''")
    assert page.inner_text(".c-place-search [role=status]") == "Tidak ada jalan atau tempat dengan nama itu."
