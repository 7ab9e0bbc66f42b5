"""Civil registration through the engine's JSON API against the real PostGIS: apply, refuse, handle, issue,
verify; and the public figures' API. The applications are private on every path."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.helpers.civil import AGENCY, a_kelurahan, birth_fields, birth_files
from tests.helpers.tiles import decode, point_of, tile_of


@pytest.fixture(scope="module")
def kelurahan(complaints_app: Flask) -> dict[str, str]:
    with complaints_app.extensions["engine"].connect() as conn:
        return a_kelurahan(conn)


@pytest.fixture(scope="module")
def tokens(staff_token: Callable[..., str]) -> dict[str, str]:
    return {"citizen": staff_token("citizen"), "other": staff_token("citizen"),
            "staff": staff_token("staff", agencies=(AGENCY,)), "elsewhere": staff_token("staff", agencies=("DPMPTSP",))}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _apply(web: FlaskClient, token: str, kelurahan: dict, lang: str = "", files: bool = True, **overrides: str):  # noqa: ANN202
    data = {**birth_fields(kelurahan, **overrides), **(birth_files() if files else {})}
    return web.post(f"/api/layanan/akta_kelahiran/permohonan{lang}", data=data, headers=_auth(token),
                    content_type="multipart/form-data")


def _count(app: Flask, sql: str) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_the_four_services_are_declared_for_disdukcapil(web: FlaskClient) -> None:
    listed = {s["id"]: s for s in web.get("/api/layanan").get_json()["services"]}
    assert {"akta_kelahiran", "akta_kematian", "pindah_keluar", "kedatangan"} <= set(listed)
    birth = web.get("/api/layanan/akta_kelahiran").get_json()
    assert birth["agency"] == AGENCY and [s["id"] for s in birth["states"]][:4] == ["submitted", "verified",
                                                                                     "approved", "rejected"]
    assert {a["name"] for a in birth["form"]["attachments"] if a["required"]} == {"surat_lahir", "kartu_keluarga"}


def test_a_wrong_nik_a_future_birth_and_a_missing_document_are_a_clear_400_and_write_nothing(
        web: FlaskClient, complaints_app: Flask, kelurahan: dict, tokens: dict[str, str]) -> None:
    before = _count(complaints_app, "SELECT count(*) FROM layers.civil_cases")
    refused = _apply(web, tokens["citizen"], kelurahan, nik_ibu="1271010505900001", tanggal_lahir="2099-01-01")
    assert refused.status_code == 400
    problems = refused.get_json()["problems"]
    assert "Tanggal lahir: tidak boleh di masa depan" in problems
    assert any(p.startswith("NIK ibu: NIK ini milik laki-laki") for p in problems)
    english = _apply(web, tokens["citizen"], kelurahan, lang="?lang=en", files=False, nik_pemohon="99710145059000")
    texts = english.get_json()["problems"]
    assert english.status_code == 400 and "Birth notice (PDF or photo): required" in texts
    assert any("must be 16 digits" in p for p in texts)
    fake = web.post("/api/layanan/akta_kelahiran/permohonan", headers=_auth(tokens["citizen"]),
                    content_type="multipart/form-data",
                    data={**birth_fields(kelurahan), **birth_files(),
                          "surat_lahir": (io.BytesIO(b"MZ not a pdf"), "surat.pdf")})
    assert fake.status_code == 400
    nowhere = _apply(web, tokens["citizen"], kelurahan, address="Jl. Tidak Ada No. 1, Kabupaten Lain")
    assert nowhere.status_code == 400 and any("tidak menyebut jalan, tempat atau kelurahan" in p for p in nowhere.get_json()["problems"])
    assert _count(complaints_app, "SELECT count(*) FROM layers.civil_cases") == before


def test_a_birth_from_application_to_verified_certificate(web: FlaskClient, complaints_app: Flask, kelurahan: dict,
                                                          tokens: dict[str, str]) -> None:
    created = _apply(web, tokens["citizen"], kelurahan)
    assert created.status_code == 201, created.get_json()
    ref = created.get_json()["case_ref"]
    assert ref.startswith("AKL-")
    base = f"/api/layanan/akta_kelahiran/permohonan/{ref}"
    citizen, staff = _auth(tokens["citizen"]), _auth(tokens["staff"])
    for outsider in ("other", "elsewhere"):
        assert web.get(base, headers=_auth(tokens[outsider])).status_code == 404
    refused = web.post(f"{base}/transisi", json={"to": "verified"}, headers=citizen)
    assert refused.status_code == 403
    no_reason = web.post(f"{base}/transisi", json={"to": "rejected"}, headers=staff)
    assert no_reason.status_code == 400
    assert web.post(f"{base}/transisi", json={"to": "issued"}, headers=staff).status_code == 409
    handled = web.get(base, headers=staff).get_json()
    assert handled["properties"]["nama_subjek"] == "Bintang Ramadhan" and handled["properties"]["nama_kel"] == kelurahan["nama_kel"]
    assert set(handled["attachments"]) == {"surat_lahir", "kartu_keluarga"}
    for to in ("verified", "approved", "issued"):
        assert web.post(f"{base}/transisi", json={"to": to}, headers=staff).status_code == 200, to
    seen = web.get(base, headers=citizen).get_json()
    assert seen["state"]["id"] == "issued" and "nik_ibu" not in seen["properties"]
    [document] = seen["documents"]
    assert document["kind"] == "akta_kelahiran" and document["holder_name"] == "Bintang Ramadhan"
    page = web.get(f"/verifikasi/{document['code']}").get_data(as_text=True)
    assert "B****** R*******" in page and "Bintang" not in page and "Rina" not in page
    # A notice at each public step, through the engine's outbox.
    sent = _count(complaints_app, f"SELECT count(*) FROM notify.outbox WHERE recipient = 'rina@example.org' "
                                  f"AND subject LIKE '%{ref}%'")
    assert sent == 4  # submitted, verified, approved, issued
    assert web.get(f"/dokumen/{document['code']}.pdf").status_code in (401, 403)
    pdf = web.get(f"/dokumen/{document['code']}.pdf", headers=citizen)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_staff_of_disdukcapil_list_the_applications_others_do_not(web: FlaskClient, kelurahan: dict,
                                                                  tokens: dict[str, str]) -> None:
    ref = _apply(web, tokens["citizen"], kelurahan).get_json()["case_ref"]
    listed = [c["case_ref"] for c in web.get("/api/layanan/akta_kelahiran/permohonan",
                                              headers=_auth(tokens["staff"])).get_json()["cases"]]
    assert ref in listed and "AKL-SEED0001" in listed
    own = [c["case_ref"] for c in web.get("/api/layanan/akta_kelahiran/permohonan",
                                           headers=_auth(tokens["citizen"])).get_json()["cases"]]
    assert ref in own and "AKL-SEED0001" not in own
    assert web.get("/api/layanan/akta_kelahiran/permohonan", headers=_auth(tokens["elsewhere"])).get_json()["cases"] == []
    assert web.get("/api/layanan/akta_kelahiran/permohonan", headers=_auth(tokens["other"])).get_json()["cases"] == []


def test_no_personal_field_of_an_application_reaches_the_public(web: FlaskClient, complaints_app: Flask,
                                                                 tokens: dict[str, str]) -> None:
    """Items, tiles, search, downloads, the layer listing and the public figures: nothing of civil_cases."""
    fid, lon, lat = point_of(complaints_app.extensions["engine"], "civil_cases", "nik_subjek IS NOT NULL", {})
    with complaints_app.extensions["engine"].connect() as conn:
        seeded = conn.execute(text("SELECT case_ref, nama_subjek, nik_subjek, nama_pemohon, address "
                                   "FROM layers.civil_cases WHERE fid = :fid"), {"fid": fid}).one()
    z, x, y = tile_of(lon, lat, 15)
    for path in ("/collections/civil_cases/items?f=json", "/collections/civil_cases/items?f=csv",
                 f"/collections/civil_cases/items/{fid}?f=json", f"/collections/civil_cases/tiles/WebMercatorQuad/{z}/{x}/{y}"):
        assert web.get(path).status_code in (401, 403, 404), path
    # The staff of another agency reach no row either (the layer's row rule), on items and tiles.
    elsewhere = _auth(tokens["elsewhere"])
    listed = web.get("/collections/civil_cases/items?f=json&limit=1000", headers=elsewhere)
    assert listed.status_code in (401, 403, 404) or listed.get_json()["features"] == []
    city_tile = web.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert city_tile.status_code in (200, 204)
    assert "civil_cases" not in decode(city_tile.data)
    answers = [web.get("/collections?f=json"), web.get(f"/peta/search.json?q={seeded.nik_subjek}"),
               web.get(f"/peta/search.json?q={seeded.case_ref}"),
               web.get(f"/peta/search.json?q={seeded.nama_subjek.split()[0]}"),
               web.get("/api/disdukcapil/statistik?jenis=akta_kematian&bulan=2026-10"),
               web.get("/api/disdukcapil/statistik?jenis=akta_kematian&bulan=2026-10&f=json"),
               web.get("/disdukcapil/statistik?jenis=akta_kematian&bulan=2026-10")]
    for answer in answers:
        assert answer.status_code == 200, answer.request.path
        body = answer.get_data(as_text=True)
        for secret in seeded:
            assert str(secret) not in body, (answer.request.path, secret)
    staff_items = web.get("/collections/civil_cases/items?f=json&limit=2000", headers=_auth(tokens["staff"]))
    assert seeded.nik_subjek in staff_items.get_data(as_text=True)  # the same paths do carry it to Disdukcapil


def test_the_public_figures_api_gives_counts_only_with_small_ones_suppressed(web: FlaskClient) -> None:
    answer = web.get("/api/disdukcapil/statistik?jenis=akta_kelahiran&bulan=2026-10")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["type"] == "FeatureCollection" and data["ambang"] == 5
    assert {k for f in data["features"] for k in f["properties"]} == {"kode_kel", "nama_kel", "nama_kec", "jumlah",
                                                                       "tampil"}
    shown = {f["properties"]["tampil"] for f in data["features"]}
    assert "< 5" in shown and all(s == "< 5" or int(s) == 0 or int(s) >= 5 for s in shown)
    assert all(f["properties"]["jumlah"] is None for f in data["features"] if f["properties"]["tampil"] == "< 5")
    table = web.get("/api/disdukcapil/statistik?jenis=akta_kelahiran&bulan=2026-10&f=json").get_json()
    assert "2026-10" in table["bulan_tersedia"] and len(table["kelurahan"]) == len(data["features"])
    bad = web.get("/api/disdukcapil/statistik?jenis=nikah&bulan=2026-10")
    assert bad.status_code == 400 and "tidak dikenal" in bad.get_json()["description"]
    assert web.get("/api/disdukcapil/statistik?bulan=10-2026").status_code == 400
    page = web.get("/disdukcapil/statistik?jenis=akta_kelahiran&bulan=2026-10")
    assert page.status_code == 200 and "&lt; 5" in page.get_data(as_text=True)
