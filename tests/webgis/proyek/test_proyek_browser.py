"""In Chromium on a phone: the public transparency map shows every project coloured by stage with its money
and progress, and a project's page; a staff member of the project's agency logs in, picks the project on the
map, taps where the works are, reports progress with a site photo, and the public page shows it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.permits import jpeg
from webgis.accounts import manage
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PROJECT = "PRJ-SEED0024"  # a seeded project under construction


def test_the_public_map_and_a_staff_progress_update_from_the_map(complaints_app: Flask, tmp_path: Path) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine = complaints_app.extensions["engine"]
    with engine.connect() as conn:
        agency, before = conn.execute(text("SELECT agency, progres_fisik FROM layers.projects WHERE case_ref = :r"),
                                      {"r": PROJECT}).one()
        total = conn.execute(text("SELECT count(*) FROM layers.projects_public")).scalar_one()
    officer = f"pu{uuid.uuid4().hex[:6]}"
    manage.create_user(engine, "test", None, officer, PASSWORD, roles=["staff"], agencies=[agency])
    (tmp_path / "lapangan.jpg").write_bytes(jpeg())
    higher = min(100.0, before + 7)
    with serving(complaints_app) as base, launched_chromium() as chromium:
        public = new_session(chromium, base, **PHONE)
        page = public.open("/proyek")
        assert int(page.get_attribute("#proyek-map", "data-features")) == total >= 24
        assert page.locator("#proyek-map .leaflet-interactive").count() == total
        assert page.locator("#proyek-summary").inner_text().count("Rp") >= 6
        page.locator("#proyek-map .leaflet-interactive").first.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "Pagu: Rp" in popup.inner_text()
        page.click(f"li[data-kode={PROJECT}] a")
        page.wait_for_selector("#proyek-facts")
        assert "Penyedia" in page.locator("#proyek-facts").inner_text()
        public.screenshot("proyek-public-phone")

        staff = new_session(chromium, base, **PHONE)
        page = staff.page
        page.goto(f"{base}/login?next=/proyek/staf")
        page.fill("input[name=username]", officer)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.locator("#staff-map .leaflet-interactive").first.wait_for()
        page.select_option("#pick-form select[name=kode]", PROJECT)
        page.wait_for_selector("#progress-form")
        page.wait_for_selector("body[data-ready=true]")
        box = page.locator("#staff-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2 + 3, box["y"] + box["height"] / 2 + 3)  # near the works
        assert page.get_attribute("#staff-map", "data-tapped") == "1"
        page.fill("#progress-form input[name=progres_fisik]", str(higher))
        page.fill("#progress-form textarea[name=catatan]", "Pemasangan rangka atap")
        page.set_input_files("#progress-form input[name=foto]", str(tmp_path / "lapangan.jpg"))
        page.click("#progress-form button[type=submit]")
        page.wait_for_selector("#message")
        assert f"Fisik {higher:g}%" in page.locator("#current-progress").inner_text()
        staff.screenshot("proyek-staff-phone")

        page = public.open(f"/proyek/{PROJECT}")
        assert "Pemasangan rangka atap" in page.locator("#proyek-reports").inner_text()
        assert page.locator("#proyek-reports img.p-thumb").count() == 1
        assert public.errors == [] and staff.errors == []
        assert public.foreign_requests() == [] and staff.foreign_requests() == []
    with engine.connect() as conn:
        lon, lat, tapped = conn.execute(text(
            "SELECT ST_X(r.geom), ST_Y(r.geom), NOT ST_Equals(r.geom, p.geom) FROM layers.project_progress r "
            "JOIN layers.projects p USING (case_ref) WHERE r.case_ref = :r ORDER BY r.dilaporkan DESC LIMIT 1"),
            {"r": PROJECT}).one()
    assert tapped  # the report stands where staff tapped, not at the project's point
