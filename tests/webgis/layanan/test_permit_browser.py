"""End to end in Chromium: a citizen applies for a building approval (PBG) on a phone, drawing the plot on the
map and reading the site check; staff of DPMPTSP verify it, record the field visit with a photo on the map,
approve and issue it; the citizen sees the result and the history on the tracking page."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, log_in, new_session, serving
from tests.helpers.permits import AGENCY, PDF, jpeg, plot_in
from webgis.accounts import manage
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _tap_plot(page) -> None:  # noqa: ANN001
    """Zoom to a street block in central Medan and tap four corners (~25 x 30 m at zoom 16)."""
    for _ in range(4):
        page.click("#apply-map .leaflet-control-zoom-in")
        page.wait_for_timeout(300)
    box = page.locator("#apply-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-5, -6), (5, -6), (5, 6), (-5, 6)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(150)


def _staff_step(page, to: str, note: str = "") -> None:  # noqa: ANN001
    page.select_option("#transition-form select[name=to]", to)
    if note:
        page.fill("#transition-form textarea[name=note]", note)
    page.click("#transition-form button[type=submit]")
    page.wait_for_selector("#message")


def test_a_citizen_applies_staff_handle_it_and_the_citizen_sees_the_permit(complaints_app: Flask,
                                                                          tmp_path: Path) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine = complaints_app.extensions["engine"]
    suffix = uuid.uuid4().hex[:6]
    applicant, officer = f"warga{suffix}", f"dpm{suffix}"
    manage.create_user(engine, "test", None, applicant, PASSWORD, roles=["citizen"])
    manage.create_user(engine, "test", None, officer, PASSWORD, roles=["staff"], agencies=[AGENCY])
    (tmp_path / "denah.pdf").write_bytes(PDF)
    (tmp_path / "lapangan.jpg").write_bytes(jpeg())
    with serving(complaints_app) as base, launched_chromium() as chromium:
        citizen = new_session(chromium, base, **PHONE)
        page = citizen.page
        log_in(page, base, applicant, "/layanan/pbg")
        assert page.url.startswith(base + "/layanan/pbg")
        _tap_plot(page)
        page.wait_for_selector("#findings li.finding")
        findings = page.locator("#findings").inner_text()
        assert "Kel." in findings and "Bahaya banjir" in findings and "sungai" in findings
        page.fill("input[name=nama_pemohon]", "Rina Siregar")
        page.fill("input[name=nik_pemohon]", "1271019876543210")
        page.fill("input[name=telp_pemohon]", "0813 1111 2222")
        page.fill("input[name=address]", "Jl. Gatot Subroto No. 9")
        page.select_option("select[name=building_use]", "hunian")
        page.fill("input[name=floors]", "2")
        page.fill("input[name=floor_area_m2]", "150")
        page.set_input_files("input[name=site_plan]", str(tmp_path / "denah.pdf"))
        page.click("#submit-application")
        page.wait_for_selector("#received")
        case_ref = page.locator("#case-ref").inner_text()
        assert case_ref.startswith("PBG-") and page.locator("#case-status").get_attribute("data-status") == "submitted"
        tracking = page.url.split("?")[0]

        staff = new_session(chromium, base)
        desk = staff.page
        log_in(desk, base, officer, "/meja/pbg")
        row = desk.locator(f'#queue tr[data-id="{case_ref}"]')
        assert row.count() == 1
        row.locator("a").click()
        desk.wait_for_selector("#transition-form")
        assert "Bahaya banjir" in desk.locator("#findings").inner_text()
        _staff_step(desk, "verified")
        _staff_step(desk, "field_check")
        box = desk.locator("#map").bounding_box()
        desk.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the map fits the plot
        assert desk.input_value("#visit-lon") != ""
        desk.fill("#visit-form textarea[name=note]", "Patok batas sesuai denah")
        desk.set_input_files("#visit-form input[name=photo]", str(tmp_path / "lapangan.jpg"))
        desk.click("#visit-form button[type=submit]")
        desk.wait_for_selector("#message")
        assert desk.locator('#history tr[data-kind="visit"]').count() == 1
        _staff_step(desk, "approved", "Disetujui, silakan bayar retribusi")
        _staff_step(desk, "issued")
        assert desk.locator("#status").get_attribute("data-status") == "issued"
        assert staff.errors == []

        page.goto(tracking)
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#case-status").inner_text() == "PBG terbit"
        assert page.locator("#public-note").inner_text() == "Disetujui, silakan bayar retribusi"
        steps = page.locator("#timeline li").evaluate_all("items => items.map(i => i.dataset.kind)")
        assert steps == ["submitted", "transition", "transition", "transition", "transition"]  # the visit is staff's
        page.goto(tracking + "?lang=en")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#case-status").inner_text() == "PBG issued"
        assert citizen.foreign_requests() == [] and citizen.errors == []


def test_a_citizen_picks_their_own_tax_parcel_as_the_plot(complaints_app: Flask, tmp_path: Path) -> None:
    """The form draws the applicant's own tax parcels (nobody else's); a tap on one makes it the plot."""
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine = complaints_app.extensions["engine"]
    suffix = uuid.uuid4().hex[:6]
    applicant = manage.create_user(engine, "test", None, f"wp{suffix}", PASSWORD, roles=["citizen"])
    with engine.begin() as conn:
        plot = plot_in(conn)
        parcels = [conn.execute(text("""
            INSERT INTO layers.tax_parcels (nop, kode_kel, luas_tanah_m2, luas_bangunan_m2, kode_znt, agency,
                                            akun_wajib_pajak, source, geom)
            VALUES (:nop, '1275000000', 500, 0, 'ZNT-T', 'BAPENDA', :owner, 'synthetic',
                    ST_Multi(ST_Translate(ST_SetSRID(ST_GeomFromGeoJSON(:plot), 4326), :dx, 0)))
            RETURNING fid"""), {"nop": f"12.75.{suffix}.{n}", "owner": owner, "plot": json.dumps(plot), "dx": n * 0.01}
        ).scalar_one() for n, owner in enumerate((f"user:{applicant.id}", "user:999999"))]
    (tmp_path / "denah.pdf").write_bytes(PDF)
    try:
        with serving(complaints_app) as base, launched_chromium() as chromium:
            citizen = new_session(chromium, base, **PHONE)
            page = citizen.page
            log_in(page, base, f"wp{suffix}", "/layanan/pbg")
            page.wait_for_selector("#apply-map path.leaflet-interactive[stroke='#8c510a']")
            assert page.locator("#apply-map path[stroke='#8c510a']").count() == 1  # only their own parcel
            box = page.locator("#apply-map").bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the map fits the parcel
            page.wait_for_selector("#findings li.finding")
            assert f"12.75.{suffix}.0" in page.locator("#parcel-picked").inner_text()
            assert page.input_value("#parcel") == str(parcels[0]) and page.input_value("#geometry") == ""
            for name, value in (("nama_pemohon", "Rina Siregar"), ("nik_pemohon", "1271019876543210"),
                                ("telp_pemohon", "0813 1111 2222"), ("address", "Jl. Gatot Subroto No. 9"),
                                ("floors", "2"), ("floor_area_m2", "150")):
                page.fill(f"input[name={name}]", value)
            page.select_option("select[name=building_use]", "hunian")
            page.set_input_files("input[name=site_plan]", str(tmp_path / "denah.pdf"))
            page.click("#submit-application")
            page.wait_for_selector("#received")
            case_ref = page.locator("#case-ref").inner_text()
            assert citizen.errors == []
        with engine.connect() as conn:
            gap = conn.execute(text("""SELECT ST_HausdorffDistance(c.geom, p.geom) FROM layers.permit_cases c,
                                       layers.tax_parcels p WHERE c.case_ref = :r AND p.fid = :f"""),
                               {"r": case_ref, "f": parcels[0]}).scalar_one()
        assert gap < 1e-7
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM layers.tax_parcels WHERE fid = ANY(:f)"), {"f": parcels})
