"""The projects face as a browser's session sees it (no JavaScript): the public register, map data and project
page with nothing personal; the staff page, a progress report with a photo from the form, a refused report,
and staff of another agency refused (404) with nothing changed."""

from __future__ import annotations

import io
import uuid

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import text

from services.engine import steps
from tests.helpers.accounts import PASSWORD, audit_events, csrf_token, login
from tests.helpers.permits import jpeg
from tests.services.projects.helpers import staff
from webgis.accounts import manage

SEEDED = "PRJ-SEED0019"  # a seeded project under construction (its agency follows its kind of works)


def _session(app: Flask, *roles: str, agencies: tuple[str, ...] = ()) -> FlaskClient:
    username = f"p{uuid.uuid4().hex[:10]}"
    manage.create_user(app.extensions["engine"], "test", None, username, PASSWORD, roles=roles, agencies=agencies)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _project(app: Flask, ref: str = SEEDED) -> dict:
    with app.extensions["engine"].connect() as conn:
        return dict(conn.execute(text("SELECT * FROM layers.projects WHERE case_ref = :r"), {"r": ref}).mappings().one())


def test_the_register_shows_every_project_with_its_money_in_indonesian_first(complaints_app: Flask,
                                                                           web: FlaskClient) -> None:
    with complaints_app.extensions["engine"].connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM layers.projects")).scalar_one()
    page = web.get("/proyek").get_data(as_text=True)
    assert "Transparansi proyek pembangunan" in page and "Pagu" in page and "Penyedia" in page
    assert page.count('class="p-card"') == total >= 24 and "Rp" in page and "(sintetis)" in page
    english = web.get("/proyek?lang=en").get_data(as_text=True)
    assert "development projects" in english and "Contract value" in english
    data = web.get("/api/proyek?tahap=construction").get_json()
    assert data["type"] == "FeatureCollection" and data["features"]
    assert {f["properties"]["status"] for f in data["features"]} == {"construction"}
    some = data["features"][0]["properties"]
    assert {"pagu", "penyedia", "nilai_kontrak", "progres_fisik", "terlambat"} <= set(some)
    assert isinstance(some["pagu"], int)
    delayed = web.get("/api/proyek?terlambat=1").get_json()["features"]
    assert delayed and all(f["properties"]["terlambat"] for f in delayed)


def test_a_bad_filter_is_a_400_that_says_which(web: FlaskClient) -> None:
    response = web.get("/api/proyek?tahun=duaribu&tahap=selesai", headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "tahun" in body and "tahap" in body
    assert web.get("/proyek/PRJ-TIDAKADA").status_code == 404


def test_nothing_personal_reaches_the_public_pages(complaints_app: Flask, web: FlaskClient) -> None:
    """A staff member's name assigned and an internal note with a phone number stay in the staff-only layer."""
    owner = _project(complaints_app)["agency"]
    who = staff(owner)
    engine = complaints_app.extensions["engine"]
    steps.assign(engine, "proyek", SEEDED, "Budi Santoso 0812-7777-1234", who)
    steps.comment(engine, "proyek", SEEDED, "Hubungi pengawas Budi 0812-7777-1234", who, public=False)
    for url in ("/proyek", f"/proyek/{SEEDED}", f"/proyek/{SEEDED}?f=json", "/api/proyek",
                "/collections/projects_public/items?f=json&limit=100", "/collections/project_progress/items?f=json"):
        body = web.get(url).get_data(as_text=True)
        assert "Budi" not in body and "0812-7777" not in body, url
    assert web.get("/collections/projects/items?f=json").status_code == 404  # the staff layer is not public


def test_staff_report_progress_with_a_photo_and_the_public_sees_it_without_metadata(complaints_app: Flask,
                                                                                     web: FlaskClient) -> None:
    project = _project(complaints_app)
    client = _session(complaints_app, "staff", agencies=(project["agency"],))
    page = client.get(f"/proyek/staf?kode={SEEDED}")
    assert page.status_code == 200 and 'id="progress-form"' in page.get_data(as_text=True)
    token = csrf_token(client, f"/proyek/staf?kode={SEEDED}")
    higher = min(100.0, (project["progres_fisik"] or 0) + 5)
    response = client.post(f"/proyek/staf/{SEEDED}/progres", content_type="multipart/form-data", data={
        "progres_fisik": str(higher), "progres_keuangan": str(project["progres_keuangan"] or 0),
        "catatan": "Pengecoran lantai kerja", "foto": (io.BytesIO(jpeg()), "lapangan.jpg"), "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert _project(complaints_app)["progres_fisik"] == higher
    assert audit_events(complaints_app, event="proyek.progress")
    detail = web.get(f"/proyek/{SEEDED}").get_data(as_text=True)
    assert "Pengecoran lantai kerja" in detail and "/foto/" in detail
    data = web.get(f"/proyek/{SEEDED}?f=json").get_json()
    with_photo = [r for r in data["reports"] if r["ada_foto"]]
    photo = web.get(f"/proyek/{SEEDED}/foto/{with_photo[-1]['laporan_id']}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert not Image.open(io.BytesIO(photo.data)).getexif()  # no EXIF (GPS, camera) in the public copy


def test_a_lower_progress_is_refused_on_the_page_with_the_reason(complaints_app: Flask) -> None:
    project = _project(complaints_app)
    client = _session(complaints_app, "staff", agencies=(project["agency"],))
    token = csrf_token(client, f"/proyek/staf?kode={SEEDED}")
    response = client.post(f"/proyek/staf/{SEEDED}/progres", data={
        "progres_fisik": "1", "progres_keuangan": "1", "csrf_token": token})
    assert response.status_code == 400
    assert "tidak boleh turun" in response.get_data(as_text=True)
    assert _project(complaints_app)["progres_fisik"] == project["progres_fisik"]


def test_staff_of_another_agency_are_refused_and_change_nothing(complaints_app: Flask) -> None:
    project = _project(complaints_app)
    other = "DINKES" if project["agency"] != "DINKES" else "DISDIK"
    client = _session(complaints_app, "staff", agencies=(other,))
    listing = client.get("/proyek/staf").get_data(as_text=True)
    assert SEEDED not in listing
    token = csrf_token(client, "/proyek/staf")
    for url, data in ((f"/proyek/staf/{SEEDED}/progres", {"progres_fisik": "99", "progres_keuangan": "99"}),
                      (f"/proyek/staf/{SEEDED}/tahap", {"to": "done"})):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 404, url
    assert client.get(f"/proyek/staf?kode={SEEDED}").status_code == 404
    after = _project(complaints_app)
    assert after["progres_fisik"] == project["progres_fisik"] and after["status"] == "construction"
    citizen = _session(complaints_app, "citizen")
    assert citizen.get("/proyek/staf").status_code == 403


def test_a_staff_member_imports_an_apbd_file_from_the_page(complaints_app: Flask) -> None:
    client = _session(complaints_app, "staff", agencies=("DISDIK",))
    with complaints_app.extensions["engine"].connect() as conn:
        kel = conn.execute(text("SELECT kode_kel FROM layers.kelurahan ORDER BY kode_kel LIMIT 1")).scalar_one()
    csv_text = f"tahun,kode_rekening,nama_kegiatan,skpd,pagu,jenis,kode_kel\n2027,1.01.02.2.01.8801,Rehab SD Contoh,DISDIK,450000000,gedung,{kel}\n"
    token = csrf_token(client, "/proyek/staf")
    response = client.post("/proyek/staf/impor", content_type="multipart/form-data", data={
        "jenis": "apbd", "berkas": (io.BytesIO(csv_text.encode()), "apbd.csv"), "csrf_token": token})
    assert response.status_code == 303
    bad = client.post("/proyek/staf/impor", content_type="multipart/form-data", data={
        "jenis": "apbd", "berkas": (io.BytesIO(csv_text.replace("DISDIK", "DINKES").encode()), "apbd.csv"),
        "csrf_token": token})
    assert bad.status_code == 400 and "baris 2" in bad.get_data(as_text=True)
