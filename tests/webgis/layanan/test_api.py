"""The JSON API of declared services (/api/layanan) against the real PostGIS: apply, follow, handle."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.helpers.permits import AGENCY, PDF, jpeg, pbg_fields, plot_in


@pytest.fixture(scope="module")
def plot(complaints_app: Flask) -> dict:
    with complaints_app.extensions["engine"].connect() as conn:
        return plot_in(conn)


@pytest.fixture(scope="module")
def tokens(staff_token: Callable[..., str]) -> dict[str, str]:
    return {"citizen": staff_token("citizen"), "other": staff_token("citizen"),
            "staff": staff_token("staff", agencies=(AGENCY,)), "elsewhere": staff_token("staff", agencies=("DSDABMBK",))}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _apply_pbg(web: FlaskClient, token: str, plot: dict, key: str | None = None, **overrides: str):  # noqa: ANN202
    data = {**pbg_fields(**overrides), "geometry": json.dumps(plot), "site_plan": (io.BytesIO(PDF), "denah.pdf")}
    if key:
        data["client_key"] = key
    return web.post("/api/layanan/pbg/permohonan", data=data, headers=_auth(token), content_type="multipart/form-data")


def test_the_services_and_their_declarations_are_listed(web: FlaskClient) -> None:
    listed = web.get("/api/layanan").get_json()["services"]
    assert {s["id"] for s in listed} >= {"pbg", "izin_lokasi_usaha"}
    declaration = web.get("/api/layanan/pbg").get_json()
    assert declaration["initial"] == "submitted" and "checks" not in declaration
    assert {"from": "submitted", "to": "verified"}.items() <= declaration["transitions"][0].items()
    assert web.get("/api/layanan/tidak_ada").status_code == 404


def test_the_site_check_answers_at_once_and_says_outside_medan(web: FlaskClient, plot: dict) -> None:
    found = web.post("/api/layanan/pbg/periksa", json={"geometry": plot, "fields": {"building_use": "industri"}}).get_json()
    assert found["place"]["nama_kel"] and found["verdict"] == "blocker"
    assert any("tidak diizinkan di zona R" in f["id"] for f in found["findings"])
    away = {"type": "Polygon", "coordinates": [[[101.0, 1.0], [101.001, 1.0], [101.001, 1.001], [101.0, 1.0]]]}
    outside = web.post("/api/layanan/pbg/periksa?lang=en", json={"geometry": away}).get_json()
    assert outside["problems"] == [{"id": "lokasi: berada di luar Kota Medan", "en": "location: outside Kota Medan"}]


def test_applying_needs_an_account_and_bad_input_is_a_clear_400(web: FlaskClient, plot: dict,
                                                                tokens: dict[str, str]) -> None:
    anonymous = web.post("/api/layanan/izin_lokasi_usaha/permohonan", json={"fields": {}, "geometry": plot})
    assert anonymous.status_code == 401 and "masuk" in anonymous.get_json()["description"]
    bad = _apply_pbg(web, tokens["citizen"], plot, floors="dua")
    assert bad.status_code == 400
    assert "Jumlah lantai: harus bilangan bulat" in bad.get_json()["problems"]
    english = web.post("/api/layanan/pbg/permohonan?lang=en", data={**pbg_fields(floors="dua"), "geometry": json.dumps(plot)},
                       headers=_auth(tokens["citizen"]), content_type="multipart/form-data").get_json()
    assert "Floors: must be a whole number" in english["problems"]
    assert "Site plan (PDF or photo): required" in english["problems"]


def test_a_double_submit_returns_the_first_case(web: FlaskClient, plot: dict, tokens: dict[str, str]) -> None:
    first = _apply_pbg(web, tokens["citizen"], plot, key="kunci-ganda-0001")
    again = _apply_pbg(web, tokens["citizen"], plot, key="kunci-ganda-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["case_ref"] == again.get_json()["case_ref"] and again.get_json()["replayed"]


def test_a_case_from_application_to_issued_permit(web: FlaskClient, complaints_app: Flask, plot: dict,
                                                  tokens: dict[str, str]) -> None:
    created = _apply_pbg(web, tokens["citizen"], plot)
    assert created.status_code == 201, created.get_json()
    ref = created.get_json()["case_ref"]
    base = f"/api/layanan/pbg/permohonan/{ref}"
    citizen, staff = _auth(tokens["citizen"]), _auth(tokens["staff"])
    assert web.get(base, headers=_auth(tokens["other"])).status_code == 404
    assert web.get(base, headers=_auth(tokens["elsewhere"])).status_code == 404
    refused = web.post(f"{base}/transisi", json={"to": "verified"}, headers=citizen)
    assert refused.status_code == 403 and "hanya untuk peran staff" in refused.get_json()["description"]
    skipped = web.post(f"{base}/transisi?lang=en", json={"to": "issued"}, headers=staff)
    assert skipped.status_code == 409 and "cannot become issued" in skipped.get_json()["description"]
    for to in ("verified", "field_check"):
        assert web.post(f"{base}/transisi", json={"to": to}, headers=staff).status_code == 200
    centre = json.loads(json.dumps(plot))["coordinates"][0][0]
    visit = web.post(f"{base}/kunjungan", headers=staff, content_type="multipart/form-data",
                     data={"lon": str(centre[0]), "lat": str(centre[1]), "note": "Sesuai gambar",
                           "photo": (io.BytesIO(jpeg()), "lapangan.jpg")})
    assert visit.status_code == 201, visit.get_json()
    assert web.post(f"{base}/tugaskan", json={"assignee": "Budi"}, headers=staff).status_code == 200
    assert web.post(f"{base}/catatan", json={"note": "Lengkap", "public": True}, headers=staff).status_code == 200
    for to in ("approved", "issued"):
        assert web.post(f"{base}/transisi", json={"to": to}, headers=staff).status_code == 200
    seen = web.get(base, headers=citizen).get_json()
    assert seen["state"]["id"] == "issued" and seen["properties"]["public_note"] == "Lengkap"
    assert "nik_pemohon" not in seen["properties"] and "assigned_to" not in seen["properties"]
    assert [e["kind"] for e in seen["events"]] == ["submitted", "transition", "transition", "comment", "transition",
                                                   "transition"]
    public = web.get("/collections/permits_public/items?f=json&limit=1000").get_json()
    register = {f["properties"]["case_ref"]: f["properties"] for f in public["features"]}
    assert register[ref]["status"] == "issued" and "nama_pemohon" not in register[ref]
    assert web.get("/collections/permit_cases/items?f=json").status_code in (401, 403, 404)


def test_staff_lists_their_agencys_cases_and_citizens_their_own(web: FlaskClient, plot: dict,
                                                                 tokens: dict[str, str]) -> None:
    ref = _apply_pbg(web, tokens["citizen"], plot).get_json()["case_ref"]
    staff_list = [c["case_ref"] for c in web.get("/api/layanan/pbg/permohonan", headers=_auth(tokens["staff"])).get_json()["cases"]]
    assert ref in staff_list and "PBG-SEED0001" in staff_list
    own = [c["case_ref"] for c in web.get("/api/layanan/pbg/permohonan", headers=_auth(tokens["citizen"])).get_json()["cases"]]
    assert ref in own and "PBG-SEED0001" not in own
    assert web.get("/api/layanan/pbg/permohonan", headers=_auth(tokens["elsewhere"])).get_json()["cases"] == []
    assert web.get("/api/layanan/pbg/permohonan").status_code == 401


def test_a_refused_write_leaves_the_database_as_it_was(web: FlaskClient, complaints_app: Flask, plot: dict,
                                                       tokens: dict[str, str]) -> None:
    engine = complaints_app.extensions["engine"]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM layers.permit_cases")).scalar_one()
        events = conn.execute(text("SELECT count(*) FROM engine.case_events")).scalar_one()
    assert _apply_pbg(web, tokens["citizen"], plot, nik_pemohon="12ab").status_code == 400
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.permit_cases")).scalar_one() == before
        assert conn.execute(text("SELECT count(*) FROM engine.case_events")).scalar_one() == events


def test_the_site_check_is_rate_limited_per_address(complaints_url: str, plot: dict) -> None:
    from tests.helpers.accounts import build_app

    app = build_app(complaints_url, SITE_CHECK_RATE_LIMIT_PER_ADDRESS="2 per minute")
    client = app.test_client()
    statuses = [client.post("/api/layanan/pbg/periksa", json={"geometry": plot}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
