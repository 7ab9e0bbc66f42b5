"""The agency profile and the operators' network map in real Chromium.

The network's statuses are made first by the real probe against real local listeners (one answering,
one refused), and an outage is raised through the same code with past timestamps; Playwright starts
afterwards (a live sync Playwright keeps an event loop that would break asyncio.run)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from services.skpd import network
from services.skpd.probe import ProbeSettings, Target, run_probes
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.database import own_database, settings_for
from tests.helpers.listeners import HOST, answering, closed_port
from webgis.accounts import manage
from webgis.assets import assets_present

PASSWORD = "kata-sandi-yang-panjang"
PORTS = {"answering": 26031, "closed": 26032}
FAST = ProbeSettings(tries=2, timeout_s=1.0, pause_s=0.05)
KC, KL, LONG_DOWN = "KC-12.71.01", "KL-12.71.01.1001", "KC-12.71.02"
COLOURS = {"up": "#1a9641", "degraded": "#fdae61", "down": "#d7191c", "unknown": "#9e9e9e"}


@pytest.fixture(scope="module")
def site(server_url: str, template_database_url: str) -> Iterator[tuple[str, Engine]]:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    from layers.db import engine_for
    from webgis.app import create_app

    with own_database(server_url, template_database_url) as url:
        engine = engine_for(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE layers.offices SET monitor_host = NULL, monitor_port = NULL"))
            conn.execute(text("UPDATE layers.offices SET monitor_host = :h, monitor_port = :p WHERE kode = :k"),
                         [{"h": HOST, "p": PORTS["answering"], "k": KC},
                          {"h": HOST, "p": closed_port(PORTS["closed"]), "k": KL}])
        with answering(PORTS["answering"]):
            network.probe_once(engine, FAST)
        refused = run_probes([Target(LONG_DOWN, HOST, closed_port(PORTS["closed"]))], FAST)
        start = datetime.now(UTC) - timedelta(minutes=20)
        for minutes in (0, 10):
            network.record(engine, refused, at=start + timedelta(minutes=minutes))
        manage.create_user(engine, "test", None, "net_operator", PASSWORD, roles=["operator"])
        app = create_app(settings_for(url, api_token="test-token"))
        with serving(app) as base:
            yield base, engine


def test_the_agency_profile_shows_its_offices_on_the_map(site: tuple[str, Engine]) -> None:
    base, engine = site
    with launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.open("/skpd/DINKES")
        assert page.locator("#agency-name").inner_text().startswith("Dinas Kesehatan")
        assert page.locator("#agency-tasks li").count() == 2
        markers = page.locator("#office-map path.office-marker")
        assert markers.count() == 39 == int(page.get_attribute("#office-map", "data-markers"))
        page.locator('#office-map path[data-office="UPT-DINKES-1"]').click()
        assert "UPT Puskesmas" in page.locator(".leaflet-popup-content").inner_text()
        assert "Kemenkes" in page.locator(".leaflet-control-attribution").inner_text()
        page.locator("a[href='?lang=en']").click()
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#agency-name").inner_text().startswith("Health Office")
        assert page.locator("#perf-title").inner_text() == "Case handling"
        s.screenshot("skpd-profile")
        assert s.errors == [] and s.foreign_requests() == [], (s.errors, s.foreign_requests())


def test_operators_see_links_coloured_by_status_and_the_long_outage(site: tuple[str, Engine]) -> None:
    base, engine = site
    with launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + "/operator/jaringan")
        assert "/login" in page.url
        page.fill("input[name=username]", "net_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        s.errors.clear()
        with engine.connect() as conn:
            offices = conn.execute(text("SELECT count(*) FROM layers.offices")).scalar_one()
        assert page.get_attribute("body", "data-links") == str(offices - 1)  # each site linked once
        expected = {f"LNK-{KC}--{KL}": "down", f"LNK-SKPD-DISKOMINFO--{KC}": "up",
                    f"LNK-SKPD-DISKOMINFO--{LONG_DOWN}": "down", "LNK-SKPD-DISKOMINFO--KC-12.71.03": "unknown"}
        for code, status in expected.items():
            line = page.locator(f'path[data-link="{code}"]')
            assert (line.get_attribute("data-status"), line.get_attribute("stroke")) == (status, COLOURS[status]), code
        assert page.locator('[data-count="down"]').inner_text() == "2"
        assert page.locator('[data-count="up"]').inner_text() == "1"
        alert = page.locator(f'#net-alerts li[data-site="{LONG_DOWN}"]')
        assert "Kantor Camat" in alert.inner_text() and "ditolak" in alert.inner_text()
        assert page.locator("#net-alerts li").count() == 1  # KL is down, but not yet for 5 minutes
        page.locator(f'path[data-site="{KC}"]').dispatch_event("click")  # under its lurah offices
        page.wait_for_selector("#net-history")
        rows = page.locator("#net-history tr")
        assert rows.count() == 2 and rows.nth(1).locator("td").nth(3).inner_text() == "2/2"  # one probe, both tries
        assert f"{HOST}:{PORTS['answering']}" in page.locator("#net-site").inner_text()
        s.screenshot("skpd-network")
        assert s.errors == [] and s.foreign_requests() == [], (s.errors, s.foreign_requests())
