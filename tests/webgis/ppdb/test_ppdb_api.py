"""PPDB online through the JSON API: a registration is the engine's case (multipart with the family card,
a double submit returns the first), its refusals in Bahasa Indonesia or English, the public seats."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from layers.access import Principal
from services.engine.cases import now_utc
from services.ppdb import rounds
from tests.helpers.permits import PDF
from tests.helpers.ppdb import home_near, school_in_the_city

ROUND = "api-smk"


@pytest.fixture(scope="module")
def school(complaints_app: Flask) -> dict:
    engine = complaints_app.extensions["engine"]
    now = now_utc()
    rounds.create_round(engine, round_id=ROUND, level="SMK", opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(hours=1), reregister_by=now + timedelta(days=3),
                        principal=Principal(actor="test", roles=frozenset({"staff"}), agencies=frozenset({"DISDIK"})))
    with engine.connect() as conn:
        npsn, _ = school_in_the_city(conn, "SMK")
        lon, lat = home_near(conn, npsn, 900, 200)
    return {"npsn": npsn, "lon": lon, "lat": lat}


def _form(school: dict, **overrides: object) -> dict:
    data = {"lon": str(school["lon"]), "lat": str(school["lat"]), "jenjang": "SMK", "pilihan_1": school["npsn"],
            "nama_anak": "Rudi", "nik_anak": "1271011111110001", "tanggal_lahir": "2010-01-20",
            "nama_pemohon": "Bu Rudi", "telp_pemohon": "0812 9999 0000", "kartu_keluarga": (io.BytesIO(PDF), "kk.pdf")}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_registration_through_the_api_is_one_case_and_a_double_submit_returns_it(
        web: FlaskClient, staff_token: Callable[..., str], school: dict) -> None:
    headers = {"Authorization": f"Bearer {staff_token('citizen')}"}
    first = web.post("/api/layanan/ppdb/permohonan", data=_form(school, client_key="ppdb-api-key-1"), headers=headers,
                     content_type="multipart/form-data")
    assert first.status_code == 201, first.get_json()
    again = web.post("/api/layanan/ppdb/permohonan", data=_form(school, client_key="ppdb-api-key-1"), headers=headers,
                     content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["case_ref"] == first.get_json()["case_ref"]
    case = web.get(f"/api/layanan/ppdb/permohonan/{first.get_json()['case_ref']}", headers=headers).get_json()
    assert case["properties"]["round_id"] == ROUND and case["findings"]["findings"][0]["npsn"] == school["npsn"]


def test_api_refusals_say_what_was_wrong(web: FlaskClient, staff_token: Callable[..., str], school: dict) -> None:
    headers = {"Authorization": f"Bearer {staff_token('citizen')}"}
    no_card = web.post("/api/layanan/ppdb/permohonan", data=_form(school, kartu_keluarga=None, nik_anak="1271012222220002"),
                       headers=headers, content_type="multipart/form-data")
    assert no_card.status_code == 400 and any("Kartu Keluarga" in p for p in no_card.get_json()["problems"])
    outside = web.post("/api/layanan/ppdb/permohonan?lang=en", data=_form(school, lon="101.0", lat="1.0",
                                                                         nik_anak="1271013333330003"),
                       headers=headers, content_type="multipart/form-data")
    assert outside.status_code == 400 and "location: outside Kota Medan" in outside.get_json()["problems"]
    too_old = web.post("/api/layanan/ppdb/permohonan", data=_form(school, tanggal_lahir="1990-01-01",
                                                                  nik_anak="1271014444440004"),
                       headers=headers, content_type="multipart/form-data")
    assert too_old.status_code == 400 and any("tidak sesuai jenjang SMK" in p for p in too_old.get_json()["problems"])
    anonymous = web.post("/api/layanan/ppdb/permohonan", json={"fields": {}, "lon": school["lon"], "lat": school["lat"]})
    assert anonymous.status_code == 401


def test_the_public_seats_are_geojson_with_counts_only(web: FlaskClient, school: dict) -> None:
    body = web.get(f"/ppdb/api/kuota?gelombang={ROUND}").get_json()
    assert body["type"] == "FeatureCollection" and body["round"]["id"] == ROUND
    feature = next(f for f in body["features"] if f["id"] == school["npsn"])
    assert set(feature["properties"]) == {"npsn", "nama", "capacity", "seats", "filled", "confirmed", "released",
                                          "applicants", "last_distance_m"}
    assert web.get("/ppdb/api/kuota?gelombang=tidak-ada").status_code == 404
