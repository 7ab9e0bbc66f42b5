"""The /umkm pages through the web app (no JavaScript): the search page and its API, a business's page
without personal data, the contact form's refusals, the owner's product form, the agency's counts."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.helpers.accounts import PASSWORD, csrf_token, login
from tests.helpers.permits import jpeg
from webgis.accounts import manage

SEEDED = "UMKM-SEED0001"


def _session(app: Flask, *roles: str, agencies: tuple[str, ...] = ()) -> tuple[FlaskClient, str]:
    username = f"u{uuid.uuid4().hex[:10]}"
    user = manage.create_user(app.extensions["engine"], "test", None, username, PASSWORD, roles=roles,
                              agencies=agencies)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client, f"user:{user.id}"


@pytest.fixture(scope="module")
def verified_ref(complaints_app: Flask) -> str:
    with complaints_app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT case_ref FROM layers.umkm_public WHERE case_ref LIKE 'UMKM-SEED%' "
                                 "ORDER BY case_ref LIMIT 1")).scalar_one()


def test_the_market_page_finds_seeded_products_with_a_typo_in_indonesian_and_english(web: FlaskClient) -> None:
    page = web.get("/umkm?q=bika ambn").get_data(as_text=True)
    assert '<html lang="id">' in page and "Pasar UMKM Kota Medan" in page
    assert "Bika Ambon" in page and 'class="u-product"' in page
    assert "Medan small business market" in web.get("/umkm?lang=en").get_data(as_text=True)
    api = web.get("/api/umkm/produk?q=ulos")
    assert api.status_code == 200 and api.mimetype == "application/geo+json"
    names = [f["properties"]["nama_produk"] for f in api.get_json()["features"]]
    assert names and names[0].startswith("Kain Ulos")
    assert all("email_pemohon" not in f["properties"] and "akun_penjual" not in f["properties"]
               for f in api.get_json()["features"])


@pytest.mark.parametrize(("query", "said"), [("lon=98.6&lat=", "lon dan lat"), ("kel=0000", "kelurahan tidak dikenal"),
                                             ("radius_km=99&lon=98.67&lat=3.59", "radius")])
def test_a_bad_search_answers_400_in_indonesian(web: FlaskClient, query: str, said: str) -> None:
    response = web.get(f"/umkm?{query}")
    assert response.status_code == 400 and said in response.get_data(as_text=True)
    assert web.get(f"/api/umkm/produk?{query}").status_code == 400


def test_a_business_page_shows_no_personal_data(web: FlaskClient, complaints_app: Flask, verified_ref: str) -> None:
    with complaints_app.extensions["engine"].connect() as conn:
        private = conn.execute(text("SELECT nama_pemohon, telp_pemohon, email_pemohon, internal_notes "
                                    "FROM layers.umkm_businesses WHERE case_ref = :r"), {"r": verified_ref}).one()
        waiting = conn.execute(text("SELECT case_ref FROM layers.umkm_businesses WHERE status = 'submitted' "
                                    "LIMIT 1")).scalar_one()
    page = web.get(f"/umkm/usaha/{verified_ref}").get_data(as_text=True)
    assert 'id="u-contact"' in page
    for value in private:
        assert value not in page
    assert web.get(f"/umkm/usaha/{waiting}").status_code == 404  # not verified: not public


def test_a_bad_message_is_refused_with_reasons_and_queues_nothing(web: FlaskClient, complaints_app: Flask,
                                                                    verified_ref: str) -> None:
    engine = complaints_app.extensions["engine"]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM notify.outbox")).scalar_one()
    token = csrf_token(web, f"/umkm/usaha/{verified_ref}")
    response = web.post(f"/umkm/usaha/{verified_ref}/pesan", data={"csrf_token": token, "nama": "A", "kontak": "x",
                                                                  "pesan": "hai"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Kontak Anda" in body and "Pesan: 5 sampai 1000" in body
    assert 'value="x"' in body  # the entries are kept
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notify.outbox")).scalar_one() == before
    good = web.post(f"/umkm/usaha/{verified_ref}/pesan", data={
        "csrf_token": token, "nama": "Budi", "kontak": "budi@example.org", "pesan": "Apakah masih ada stok?"})
    assert good.status_code == 303 and "terkirim=1" in good.headers["Location"]


def test_the_owner_publishes_a_product_and_a_stranger_cannot(complaints_app: Flask) -> None:
    engine = complaints_app.extensions["engine"]
    owner, account = _session(complaints_app, "citizen")
    with engine.begin() as conn:  # a seeded verified business handed to this account
        case_ref = conn.execute(text("""UPDATE layers.umkm_businesses SET akun_pemohon = :a WHERE case_ref = (
            SELECT case_ref FROM layers.umkm_businesses WHERE status = 'verified' AND akun_pemohon IS NULL
            ORDER BY case_ref DESC LIMIT 1) RETURNING case_ref"""), {"a": account}).scalar_one()
    page = owner.get("/umkm/saya").get_data(as_text=True)
    assert case_ref in page and 'name="nama_produk"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = owner.post(f"/umkm/saya/{case_ref}/produk", data={"csrf_token": token, "nama_produk": "Kopi",
                                                                "harga": "murah"})
    assert refused.status_code == 400 and "Harga: tulis angka rupiah" in refused.get_data(as_text=True)
    done = owner.post(f"/umkm/saya/{case_ref}/produk", content_type="multipart/form-data", data={
        "csrf_token": token, "nama_produk": "Kopi Robusta Sidikalang", "harga": "Rp 42.000", "uraian": "250 g",
        "foto": (__import__("io").BytesIO(jpeg()), "kopi.jpg")})
    assert done.status_code == 303
    public = complaints_app.test_client().get(f"/umkm/usaha/{case_ref}").get_data(as_text=True)
    assert "Kopi Robusta Sidikalang" in public and "Rp 42.000" in public
    photo = re.search(r'/umkm/foto/([0-9a-f]{32}\.jpg)', public).group(1)
    served = complaints_app.test_client().get(f"/umkm/foto/{photo}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    stranger, _ = _session(complaints_app, "citizen")
    token = csrf_token(stranger, f"/umkm/usaha/{case_ref}")
    assert stranger.post(f"/umkm/saya/{case_ref}/produk", data={"csrf_token": token, "nama_produk": "Palsu",
                                                                "harga": "1000"}).status_code == 404


def test_the_agency_sees_counts_per_kelurahan_and_others_do_not(complaints_app: Flask) -> None:
    agency, _ = _session(complaints_app, "staff", agencies=("DINKOPUKM",))
    page = agency.get("/umkm/rekap")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and body.count("<tr data-kode=") == 151 and "&lt;10" in body
    other, _ = _session(complaints_app, "staff", agencies=("DINKES",))
    assert other.get("/umkm/rekap").status_code == 403
    citizen, _ = _session(complaints_app, "citizen")
    assert citizen.get("/umkm/rekap").status_code == 403


def test_the_desk_opens_a_registration_of_a_service_without_fees(complaints_app: Flask) -> None:
    """The generic desk's case page formatted a fee the case layer does not have (500 before)."""
    with complaints_app.extensions["engine"].connect() as conn:
        waiting = conn.execute(text("SELECT case_ref FROM layers.umkm_businesses WHERE status = 'submitted' "
                                    "ORDER BY case_ref LIMIT 1")).scalar_one()
    agency, _ = _session(complaints_app, "staff", agencies=("DINKOPUKM",))
    page = agency.get(f"/meja/umkm/{waiting}")
    assert page.status_code == 200 and 'id="transition-form"' in page.get_data(as_text=True)
    admin, _ = _session(complaints_app, "admin")
    assert admin.get("/meja/complaints/MDN-SEED0001").status_code in (200, 404)
