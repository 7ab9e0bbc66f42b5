"""The PBB pages over HTTP on a real PostGIS: NOP lookup, a parcel's bills with the taxpayer masked,
paying (CSRF, the bill opened for what is owed today), the JSON API, collection as GeoJSON, and a
citizen's own parcels."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from sqlalchemy import Engine, text

from services.pbb import billing
from tests.fixtures.pbb import PBB_KELURAHAN
from tests.helpers.accounts import PASSWORD, login
from webgis.accounts import manage


def _nop(engine: Engine, offset: int) -> str:
    # Offsets 10 and up: the service tests (tests/services/pbb) pay the first few parcels.
    with engine.connect() as conn:
        return conn.execute(text("SELECT nop FROM pbb.sppt WHERE tahun = 2026 ORDER BY nop OFFSET :o LIMIT 1"),
                            {"o": offset}).scalar_one()


def test_a_nop_typed_as_digits_leads_to_its_page(pbb_app: Flask, pbb_engine: Engine) -> None:
    nop = _nop(pbb_engine, 10)
    client = pbb_app.test_client()
    answer = client.get("/pbb", query_string={"nop": re.sub(r"\D", "", nop)})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/pbb/nop/{nop}")
    bad = client.get("/pbb", query_string={"nop": "12.71"})
    assert bad.status_code == 400 and "18 angka" in bad.get_data(as_text=True)
    unknown = client.get("/pbb/nop/99.99.999.999.999-9999.9")
    assert unknown.status_code == 404 and "Tidak ada SPPT" in unknown.get_data(as_text=True)
    english = client.get("/pbb/nop/99.99.999.999.999-9999.9?lang=en")
    assert "There is no SPPT" in english.get_data(as_text=True)


def test_a_parcels_page_shows_its_years_and_masks_the_taxpayer(pbb_app: Flask, pbb_engine: Engine) -> None:
    nop = _nop(pbb_engine, 11)
    owner = billing.sppts(pbb_engine, nop)[0].wajib_pajak
    html = pbb_app.test_client().get(f"/pbb/nop/{nop}").get_data(as_text=True)
    assert owner not in html and billing.masked_owner(billing.sppts(pbb_engine, nop)[0]) in html
    assert 'data-year="2026"' in html and 'data-year="2025" data-state="arrears"' in html
    assert "Tunggakan" in html and "Bayar" in html


def test_paying_needs_the_form_token_and_opens_a_bill_for_what_is_owed_today(pbb_app: Flask,
                                                                              pbb_engine: Engine) -> None:
    nop = _nop(pbb_engine, 12)
    client = pbb_app.test_client()
    refused = client.post(f"/pbb/nop/{nop}/2025/bayar", data={"tahun": "2025"})  # a form, no token
    assert refused.status_code == 400
    with pbb_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM payments.bills WHERE case_ref = :c"),
                            {"c": f"{nop}/2025"}).scalar_one() == 0
    page = client.get(f"/pbb/nop/{nop}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"/pbb/nop/{nop}/2025/bayar", data={"csrf_token": token})
    assert answer.status_code == 303 and "/tagihan/" in answer.headers["Location"]
    number = answer.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    with pbb_engine.connect() as conn:
        amount, case_ref = conn.execute(text("SELECT amount, case_ref FROM payments.bills WHERE number = :n"),
                                        {"n": number}).one()
    owed = billing.sppts(pbb_engine, nop)[1]
    assert case_ref == f"{nop}/2025" and amount == owed.harus_dibayar > owed.pbb_terutang
    missing = client.post(f"/pbb/nop/{nop}/1999/bayar", data={"csrf_token": token})
    assert missing.status_code == 404


def test_the_json_api_gives_the_bills_and_refuses_a_malformed_nop(pbb_app: Flask, pbb_engine: Engine) -> None:
    nop = _nop(pbb_engine, 13)
    client = pbb_app.test_client()
    answer = client.get(f"/api/pbb/sppt/{nop}")
    assert answer.status_code == 200
    body = answer.json
    assert [s["tahun"] for s in body["sppt"]] == [2026, 2025] and "*" in body["nama_tersamar"]
    assert body["sppt"][1]["tunggakan"] and body["sppt"][1]["harus_dibayar"] > body["sppt"][1]["pbb_terutang"]
    bad = client.get("/api/pbb/sppt/123")
    assert bad.status_code == 400 and "18 angka" in bad.json["description"]


def test_collection_is_public_geojson_of_every_kelurahan(pbb_app: Flask) -> None:
    body = pbb_app.test_client().get("/api/pbb/realisasi?tahun=2026").json
    assert len(body["features"]) == 151
    issued = [f["properties"] for f in body["features"] if f["properties"]["sppt"]]
    assert [p["kode_kel"] for p in issued] == [PBB_KELURAHAN]
    assert all(f["properties"]["persen"] is None for f in body["features"] if not f["properties"]["sppt"])
    assert pbb_app.test_client().get("/api/pbb/realisasi?tahun=20x6").status_code == 400
    page = pbb_app.test_client().get("/pbb/realisasi?tahun=2026").get_data(as_text=True)
    assert f'data-kode="{PBB_KELURAHAN}"' in page


def test_a_citizen_sees_the_parcels_of_their_account(pbb_app: Flask, pbb_engine: Engine) -> None:
    nop = _nop(pbb_engine, 14)
    username = f"wp{uuid.uuid4().hex[:6]}"
    user = manage.create_user(pbb_engine, "test", None, username, PASSWORD, roles=["citizen"])
    with pbb_engine.begin() as conn:
        conn.execute(text("UPDATE layers.tax_parcels SET akun_wajib_pajak = :a WHERE nop = :n"),
                     {"a": f"user:{user.id}", "n": nop})
    client = pbb_app.test_client()
    assert nop not in client.get("/pbb").get_data(as_text=True)
    login(client, username, PASSWORD)
    mine = client.get("/pbb").get_data(as_text=True)
    assert 'id="pbb-mine"' in mine and nop in mine
    assert _nop(pbb_engine, 15) not in mine
