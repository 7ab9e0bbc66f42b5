"""In Chromium: a school's popup on the city map links to its funds page (public money, no login); the page
shows received and spent by category; the kecamatan map colours all 21 districts by BOS per pupil."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SCHOOL = "10257713"  # SMP Methodist 9


def test_a_citizen_reads_a_schools_funds_and_the_kecamatan_map(funds_app: Flask, funds_engine: Engine) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with funds_engine.connect() as conn:
        fid, lon, lat = conn.execute(text("SELECT fid, ST_X(geom), ST_Y(geom) FROM layers.schools WHERE npsn = :n"),
                                     {"n": SCHOOL}).one()
    with serving(funds_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base)
        page = session.open(f"/peta#map=17/{lat:.5f}/{lon:.5f}&layers=schools&feature=schools/{fid}")
        link = page.locator(".leaflet-popup a.popup-service")
        link.wait_for()
        assert link.inner_text() == "Dana BOS dan APBS" and link.get_attribute("href") == f"/dana-sekolah/{SCHOOL}"
        link.click()
        page.wait_for_selector("#school-name")
        assert page.inner_text("#school-name") == "SMP METHODIST 9"
        year = page.locator("section.funds-year[data-tahun='2025']")
        assert year.locator(".funds-penerimaan tbody tr[data-kategori='bos_reguler']").count() == 1
        assert year.locator(".funds-belanja tbody tr").count() == 10  # the BOS components of an SMP
        assert "Terserap" in year.locator(".c-number").inner_text()
        assert page.locator("#enter-link").count() == 0  # the public reads; only the treasurer edits

        phone = new_session(chromium, base, **PHONE)
        page = phone.open("/dana-sekolah?tahun=2025")
        page.wait_for_selector("#funds-map[data-features='21']", state="attached")
        assert page.locator("#funds-table tbody tr").count() == 21
        assert page.locator("#funds-map path.leaflet-interactive").count() == 21
        assert page.locator("#funds-legend span").count() == 5
        page.locator("#funds-map").scroll_into_view_if_needed()
        box = page.locator("#funds-map").bounding_box()  # a tap in the middle of the city
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "BOS per siswa (Rp)" in popup.inner_text()
        page.select_option("select[name=ukuran]", "persen_terserap")
        page.click("#funds-choice button[type=submit]")
        page.wait_for_selector("#funds-map[data-features='21'][data-measure='persen_terserap']", state="attached")
        assert session.errors == [] and phone.errors == [] and phone.foreign_requests() == []
        phone.screenshot("schoolfunds-kecamatan-phone")
