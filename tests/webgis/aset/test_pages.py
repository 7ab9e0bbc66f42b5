"""SIMBADA's public pages and JSON: the register with totals, an asset's card, clear refusals, nothing private."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine, text

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
