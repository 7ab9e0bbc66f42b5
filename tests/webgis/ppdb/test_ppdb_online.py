"""PPDB online through the web (no JavaScript): staff open a round, a parent registers a child, staff
verify and allocate, the parent reads the result and why and re-registers; the public sees counts only."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from services.engine.cases import now_utc
from tests.helpers.accounts import PASSWORD, csrf_token, login
from tests.helpers.permits import PDF
from tests.helpers.ppdb import home_near, school_in_the_city
from webgis.accounts import manage

ROUND = "web-sma"


def _session(app: Flask, *roles: str, agencies: tuple[str, ...] = ()) -> FlaskClient:
    username = f"p{uuid.uuid4().hex[:10]}"
    manage.create_user(app.extensions["engine"], "test", None, username, PASSWORD, roles=roles, agencies=agencies)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _wib(moment) -> str:  # noqa: ANN001
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def staff(complaints_app: Flask) -> FlaskClient:
    return _session(complaints_app, "staff", agencies=("DISDIK",))


@pytest.fixture(scope="module")
def school(complaints_app: Flask, staff: FlaskClient) -> dict:
    """A SMA round open now, made through the staff page; a school of it and a home 700 m from it."""
    now = now_utc()
    made = staff.post("/ppdb/gelombang", data={
        "csrf_token": csrf_token(staff, "/ppdb/gelombang"), "round_id": ROUND, "level": "SMA",
        "opens_at": _wib(now - timedelta(hours=1)), "closes_at": _wib(now + timedelta(hours=1)),
        "reregister_by": _wib(now + timedelta(days=3)), "share": "0.5", "second_stage": "1"})
    assert made.status_code == 303, made.get_data(as_text=True)
    with complaints_app.extensions["engine"].connect() as conn:
        npsn, nama = school_in_the_city(conn, "SMA")
        lon, lat = home_near(conn, npsn, 700, 45)
    return {"npsn": npsn, "nama": nama, "lon": lon, "lat": lat}


def _registration(client: FlaskClient, school: dict, **overrides: str) -> dict:
    data = {"csrf_token": csrf_token(client, "/ppdb/daftar"), "lon": str(school["lon"]), "lat": str(school["lat"]),
            "jenjang": "SMA", "pilihan_1": school["npsn"], "nama_anak": "Putri Lestari", "nik_anak": "1271015507090002",
            "tanggal_lahir": "2010-07-15", "nama_pemohon": "Lestari", "telp_pemohon": "0813 1111 2222",
            "email_pemohon": "lestari@example.org", "kartu_keluarga": (io.BytesIO(PDF), "kk.pdf")}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_only_the_education_office_opens_a_round(complaints_app: Flask, school: dict) -> None:
    other = _session(complaints_app, "staff", agencies=("DPMPTSP",))
    refused = other.post("/ppdb/gelombang", data={"csrf_token": csrf_token(other, "/ppdb/gelombang"),
                                                   "round_id": "lain-sma", "level": "SMA", "opens_at": "2027-06-01T08:00",
                                                   "closes_at": "2027-06-02T08:00", "reregister_by": "2027-06-03T08:00"})
    assert refused.status_code == 403
    citizen = _session(complaints_app, "citizen")
    assert citizen.get("/ppdb/gelombang").status_code == 403


def test_a_wrong_registration_is_a_400_in_bahasa_indonesia_and_stores_nothing(complaints_app: Flask,
                                                                             school: dict) -> None:
    parent = _session(complaints_app, "citizen")
    response = parent.post("/ppdb/daftar", data=_registration(parent, school, nik_anak="12", pilihan_1="00000000",
                                                              nama_anak="Anak Salah"),
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "NIK anak: harus 16 angka" in page and "NPSN 00000000 bukan sekolah negeri jenjang SMA" in page
    with complaints_app.extensions["engine"].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.ppdb_registrations WHERE nama_anak = 'Anak Salah'")
                            ).scalar_one() == 0


def test_register_allocate_explain_and_reregister(complaints_app: Flask, staff: FlaskClient, school: dict,
                                                  web: FlaskClient) -> None:
    parent = _session(complaints_app, "citizen")
    filed = parent.post("/ppdb/daftar", data=_registration(parent, school), content_type="multipart/form-data")
    assert filed.status_code == 303, filed.get_data(as_text=True)
    case_ref = filed.headers["Location"].split("/layanan/ppdb/")[1].split("?")[0]
    page = parent.get(f"/layanan/ppdb/{case_ref}").get_data(as_text=True)
    assert "Terdaftar" in page and f"Pilihan 1: {school['nama']}" in page

    verified = staff.post(f"/meja/ppdb/{case_ref}/transisi", data={
        "csrf_token": csrf_token(staff, f"/meja/ppdb/{case_ref}"), "to": "verified"})
    assert verified.status_code == 303
    early = staff.post("/ppdb/gelombang/alokasi", data={"csrf_token": csrf_token(staff, "/ppdb/gelombang"),
                                                         "round_id": ROUND})
    assert early.status_code == 409 and "masih dibuka" in early.get_data(as_text=True)
    engine = complaints_app.extensions["engine"]
    with engine.begin() as conn:  # the window closes (time passes)
        conn.execute(text("UPDATE ppdb.rounds SET closes_at = now() - interval '1 minute' WHERE id = :r"), {"r": ROUND})
    allocated = staff.post("/ppdb/gelombang/alokasi", data={"csrf_token": csrf_token(staff, "/ppdb/gelombang"),
                                                             "round_id": ROUND})
    assert allocated.status_code == 303

    page = parent.get(f"/layanan/ppdb/{case_ref}").get_data(as_text=True)
    assert 'data-status="admitted"' in page and "DITERIMA" in page and 'id="reregister"' in page
    result = parent.get(f"/ppdb/api/hasil/{case_ref}").get_json()["results"][0]
    choice = result["explanation"]["choices"][0]
    assert result["npsn"] == school["npsn"] and choice["outcome"] == "admitted" and choice["rank"] >= 1
    assert _session(complaints_app, "citizen").get(f"/ppdb/api/hasil/{case_ref}").status_code == 404
    assert web.get(f"/ppdb/api/hasil/{case_ref}").status_code == 401

    public = web.get(f"/ppdb/api/kuota?gelombang={ROUND}")
    seats = {f["id"]: f["properties"] for f in public.get_json()["features"]}
    assert seats[school["npsn"]]["filled"] >= 1
    body = public.get_data(as_text=True) + web.get(f"/ppdb/kuota?gelombang={ROUND}").get_data(as_text=True)
    assert "Putri" not in body and "1271015507090002" not in body and case_ref not in body

    confirm = parent.post(f"/ppdb/daftar-ulang/{case_ref}",
                          data={"csrf_token": csrf_token(parent, f"/layanan/ppdb/{case_ref}")})
    assert confirm.status_code == 303
    assert 'data-status="re_registered"' in parent.get(f"/layanan/ppdb/{case_ref}").get_data(as_text=True)
    again = parent.post(f"/ppdb/daftar-ulang/{case_ref}", data={"csrf_token": csrf_token(parent, "/ppdb/daftar")})
    assert again.status_code == 409
    after = {f["id"]: f["properties"] for f in web.get(f"/ppdb/api/kuota?gelombang={ROUND}").get_json()["features"]}
    assert after[school["npsn"]]["confirmed"] >= 1
