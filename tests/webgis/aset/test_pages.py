"""SIMBADA's public pages and JSON: the register with totals, an asset's card, clear refusals, nothing private."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from tests.helpers.accounts import PASSWORD, csrf_token, login
from webgis.accounts import manage

CAR = "B.KELURAHAN.2024.S00001"  # a seeded motorbike, held by a named official (private)


def test_the_public_register_lists_assets_with_value_book_value_and_totals(client: FlaskClient) -> None:
    body = client.get("/api/aset?kib=A").get_json()
    assert body["features"] and {f["properties"]["kib"] for f in body["features"]} == {"A"}
    assert body["totals"]["jumlah"] == len(body["features"])
    assert body["totals"]["nilai_buku"] == body["totals"]["nilai_perolehan"]  # land is not depreciated
    cars = client.get("/api/aset?kib=B&opd=KELURAHAN").get_json()["features"]
    assert cars and all(f["properties"]["nilai_buku"] <= f["properties"]["nilai_perolehan"] for f in cars)
    page = client.get("/aset?kib=C&kondisi=rusak_berat")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="aset-register"' in html and "Rusak berat" in html
    assert "Baik</td>" not in html


def test_a_bad_filter_is_a_clear_400(client: FlaskClient) -> None:
    refused = client.get("/api/aset?kib=Z")
    assert refused.status_code == 400 and "kib harus salah satu dari A, B, C, D, E, F" in refused.get_data(as_text=True)
    page = client.get("/aset?kondisi=hancur")
    assert page.status_code == 400 and "Saringan tidak dikenal" in page.get_data(as_text=True)
    assert client.get("/api/aset?opd=DIS'DIK").status_code == 400


def test_an_assets_card_shows_its_depreciation_and_never_its_holder(client: FlaskClient, engine: Engine) -> None:
    with engine.connect() as conn:
        holder, nip = conn.execute(text("SELECT pemegang_barang, nip_pemegang_barang FROM layers.assets_points "
                                        "WHERE kode_aset = :c"), {"c": CAR}).one()
    card = client.get(f"/api/aset/{CAR}").get_json()
    assert card["asset"]["kode_aset"] == CAR and card["asset"]["masa_manfaat"] == 7
    assert card["schedule"] and card["schedule"][-1]["nilai_buku"] == card["asset"]["nilai_buku"]
    page = client.get(f"/aset/{CAR}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Useful life" in html and 'id="aset-schedule"' in html
    for body in (html, client.get(f"/api/aset/{CAR}").get_data(as_text=True),
                 client.get("/api/aset?kib=B").get_data(as_text=True)):
        assert holder not in body and nip not in body and "pemegang" not in body
    missing = client.get("/api/aset/X.NONE.1999.000000")
    assert missing.status_code == 404 and "tidak ada aset" in missing.get_data(as_text=True)


def test_the_inventory_page_is_for_staff_sessions(client: FlaskClient) -> None:
    response = client.get("/aset/inventarisasi")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _agency_of(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT agency FROM layers.assets_areas WHERE kode_aset = :c"), {"c": code}).scalar_one()


def test_bpkad_transfers_an_asset_on_its_card_and_the_card_keeps_the_transfer(app: Flask, engine: Engine) -> None:
    suffix = uuid.uuid4().hex[:6]
    manage.create_user(engine, "test", None, f"bpkad{suffix}", PASSWORD, roles=["staff"], agencies=["BPKAD"])
    manage.create_user(engine, "test", None, f"dlh{suffix}", PASSWORD, roles=["staff"], agencies=["DLH"])
    with engine.connect() as conn:
        # A seeded asset: the highest code of all was one a project's handover test had just made (KIB F).
        code, was = conn.execute(text("SELECT kode_aset, agency FROM layers.assets_areas WHERE agency NOT IN "
                                      "('DLH', 'BPKAD') AND source = 'synthetic' ORDER BY kode_aset DESC LIMIT 1")).one()
    page = f"/aset/{code}"
    other, bpkad = app.test_client(), app.test_client()
    for client, name in ((other, f"dlh{suffix}"), (bpkad, f"bpkad{suffix}")):
        answer = login(client, name)
        assert answer.status_code in (302, 303), (answer.status_code, answer.get_data(as_text=True)[:300])
    assert 'id="transfer-form"' not in other.get(page).get_data(as_text=True)
    assert 'id="transfer-form"' in bpkad.get(page).get_data(as_text=True)

    def move(client: FlaskClient, to: str, decree: str = "030/77/BPKAD/2026"):  # noqa: ANN202
        return client.post(f"{page}/mutasi", data={"to_agency": to, "decree": decree,
                                                   "csrf_token": csrf_token(client, "/aset/inventarisasi")})

    refused = move(other, "DLH")
    assert refused.status_code == 403 and "BPKAD" in refused.get_data(as_text=True)
    bad = move(bpkad, "DINAS-X", decree="")
    assert bad.status_code == 422 and "OPD tujuan &#39;DINAS-X&#39; tidak dikenal" in bad.get_data(as_text=True)
    assert "sebutkan nomor SK/BAST" in bad.get_data(as_text=True)
    assert _agency_of(engine, code) == was  # a refusal changes nothing
    try:
        moved = move(bpkad, "DLH")
        assert moved.status_code == 303 and _agency_of(engine, code) == "DLH"
        assert move(bpkad, "DLH").status_code == 409  # already there
        transfers = app.test_client().get(f"/api/aset/{code}").get_json()["transfers"]
        assert (transfers[-1]["from"], transfers[-1]["to"]) == (was, "DLH")
        assert "030/77/BPKAD/2026" in transfers[-1]["note"]
    finally:
        if _agency_of(engine, code) != was:
            assert move(bpkad, was).status_code == 303  # the seeded register as it was, for the other tests
