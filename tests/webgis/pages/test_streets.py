"""Streets from OpenStreetMap on the homepage's map (issue 20 item 1): street names at street zoom,
OpenStreetMap's credit while they are drawn, and a note for staff while no extract is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from config.settings import get_settings
from geodata.osm import import_extract
from layers.access import ANONYMOUS, Principal
from layers.db import sqlalchemy_url
from layers.registry import get_registry
from tests.helpers.browser import Session, new_session, serving
from tests.helpers.database import settings_for
from webgis.pages.config import map_config

EXTRACT = Path(__file__).resolve().parents[2] / "geodata" / "data" / "medan_streets.osm"
OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
KESAWAN_VIEW = "#map=17/3.58800/98.67920"


@pytest.mark.parametrize(("roles", "noted"), [({"public"}, False), ({"public", "citizen"}, False),
                                               ({"public", "staff"}, True), ({"public", "admin"}, True)])
def test_staff_are_told_the_streets_are_missing_until_an_extract_is_loaded(engine: Engine, roles: set[str],
                                                                           noted: bool) -> None:
    principal = Principal(actor="test", roles=frozenset(roles)) if roles != {"public"} else ANONYMOUS
    streets = map_config(engine, get_registry(), get_settings(), principal)["streets"]
    assert streets["loaded"] is False
    assert (streets["staff_note"] is not None) is noted
    if noted:
        assert "basemap import" in streets["staff_note"]["id"]


@pytest.fixture(scope="module")
def streets_server(isolated_database_url_module: str, vendored_assets: None) -> Iterator[str]:
    from webgis.app import create_app

    engine = create_engine(sqlalchemy_url(isolated_database_url_module))
    import_extract(engine, EXTRACT, actor="test")
    engine.dispose()
    with serving(create_app(settings_for(isolated_database_url_module))) as base:
        yield base


@pytest.fixture(scope="module")
def isolated_database_url_module(server_url: str, template_database_url: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database
    from layers.db import engine_for
    from tests.helpers.database import clone_database

    url = clone_database(server_url, template_database_url)
    yield url
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture
def streets_session(browser: Any, streets_server: str) -> Iterator[Session]:
    s = new_session(browser, streets_server)
    yield s
    s.page.context.close()


def _labels(page: Any) -> list[str]:
    return page.locator(".street-label span").all_inner_texts()


def test_street_names_are_written_at_street_zoom_with_osm_credit(streets_session: Session) -> None:
    page = streets_session.open("/peta" + KESAWAN_VIEW)
    page.wait_for_function("() => document.querySelectorAll('.street-label span').length > 0")
    assert "Jalan Ahmad Yani" in _labels(page)
    assert OSM_CREDIT in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator("#streets-note").count() == 0  # loaded: nothing to tell
    streets_session.screenshot("streets-kesawan")
    # Below street zoom the names go, and they go with the basemap too.
    page.evaluate("Medan.state.map.setZoom(13)")
    page.wait_for_function("() => Medan.streetLabelsShown() === 0")
    page.evaluate("Medan.state.map.setZoom(17)")
    page.wait_for_function("() => Medan.streetLabelsShown() > 0")
    page.evaluate("Medan.setBasemap(false)")
    page.wait_for_function("() => Medan.streetLabelsShown() === 0")
    assert streets_session.errors == []
    assert streets_session.foreign_requests() == []


@pytest.mark.parametrize(("path", "map_id"), [("/lapor", "report-map"), ("/ppdb", "ppdb-map"),
                                              ("/lapor/peta", "complaints-map")])
def test_citizen_maps_draw_named_streets_with_osm_credit(streets_session: Session, path: str, map_id: str) -> None:
    page = streets_session.page
    page.goto(streets_session.base + path)
    page.wait_for_function("() => window.MedanStreets && window.MedanStreets.maps.length > 0")
    assert page.locator(f"#{map_id}").get_attribute("data-streets").startswith("/collections/osm_roads/items")
    page.evaluate("() => window.MedanStreets.maps[0].setView([3.5880, 98.6792], 17)")
    page.wait_for_function("() => document.querySelectorAll('.c-street-label').length > 0")
    assert "Jalan Ahmad Yani" in page.locator(".c-street-label").all_inner_texts()
    assert OSM_CREDIT in page.locator(f"#{map_id} .leaflet-control-attribution").inner_text()
    streets_session.screenshot(f"streets{path.replace('/', '-')}")
    page.evaluate("() => window.MedanStreets.maps[0].setZoom(13)")
    page.wait_for_function("() => document.querySelectorAll('.c-street-label').length === 0")
    assert OSM_CREDIT not in page.locator(f"#{map_id} .leaflet-control-attribution").inner_text()
    assert streets_session.errors == []
    assert streets_session.foreign_requests() == []
