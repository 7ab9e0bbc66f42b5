"""/perpustakaan through the Flask client on PostGIS: the public map and catalogue, membership,
reserving, one's reservations, the branch desk; refusals answer their 4xx in Bahasa Indonesia on
the page again and change nothing."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.fixtures.library import account, untouched_title
from tests.helpers.accounts import csrf_token, login


def _logged_in(app: Flask, role: str = "citizen", agencies: tuple[str, ...] = ()) -> FlaskClient:
    username, _ = account(app.extensions["engine"], role, agencies)
    client = app.test_client()
    assert login(client, username).status_code in (302, 303)
    return client


def _count(app: Flask, sql: str) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_the_public_page_shows_branches_stops_and_the_search(library_app: Flask) -> None:
    client = library_app.test_client()
    html = client.get("/perpustakaan").get_data(as_text=True)
    assert 'lang="id"' in html and "Perpustakaan Kota Medan" in html and 'data-kode="PK-PUSAT"' in html
    assert html.count('class="p-stop"') == 12 and "Senin 09.00–11.30" in html and 'for="p-q"' in html
    assert "Data sintetis" in html  # the layers' credit on the map
    english = client.get("/perpustakaan?lang=en").get_data(as_text=True)
    assert "Medan City Library" in english and "Mobile library" in english
    features = client.get("/api/perpustakaan").get_json()["features"]
    assert {f["properties"]["layer"] for f in features} == {"library_branches", "library_mobile_stops"}
    assert len(features) == 21


def test_the_catalogue_search_finds_despite_a_typo_and_refuses_in_bahasa_indonesia(library_app: Flask) -> None:
    client = library_app.test_client()
    html = client.get("/perpustakaan/katalog?q=sejarah+kesultanan+deil").get_data(as_text=True)
    first = re.search(r'class="p-title" data-kode="([^"]+)"', html)
    assert first and first.group(1) == "JD-00001"
    assert client.get("/api/perpustakaan/katalog?q=kulinr+warisan").get_json()["judul"][0]["kode_judul"] == "JD-00002"
    bad = client.get("/perpustakaan/katalog?q=x")
    assert bad.status_code == 400 and "ketik 2 sampai 100 huruf" in bad.get_data(as_text=True)
    api = client.get("/api/perpustakaan/katalog?q=deli&subjek=Astrologi")
    assert api.status_code == 400 and "tidak ada di katalog" in api.get_json()["description"]
    title = client.get("/perpustakaan/judul/JD-00001").get_data(as_text=True)
    assert 'id="p-login"' in title and 'data-kode="PK-MEDAN-BARU"' in title
    assert client.get("/perpustakaan/judul/JD-99999").status_code == 404


def test_join_reserve_see_cancel_through_the_pages(library_app: Flask) -> None:
    client = _logged_in(library_app)
    assert 'id="p-join"' in client.get("/perpustakaan/judul/JD-00001").get_data(as_text=True)
    members_before = _count(library_app, "SELECT count(*) FROM library.members")
    refused = client.post("/perpustakaan/anggota", data={"nama": "Ani Lubis", "cabang_asal": "PK-PUSAT",
                                                         "csrf_token": csrf_token(client, "/perpustakaan/anggota")})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "isi e-mail atau nomor ponsel" in page and 'value="Ani Lubis"' in page
    assert _count(library_app, "SELECT count(*) FROM library.members") == members_before

    joined = client.post("/perpustakaan/anggota", data={
        "nama": "Ani Lubis", "email": "ani@contoh.id", "cabang_asal": "PK-PUSAT", "next": "/perpustakaan/judul/JD-00001",
        "csrf_token": csrf_token(client, "/perpustakaan/anggota")})
    assert joined.status_code == 303 and joined.headers["Location"].endswith("/perpustakaan/judul/JD-00001")

    kode_judul = untouched_title(library_app.extensions["engine"], only_at="PK-PERJUANGAN", copies=1)
    token = csrf_token(client, f"/perpustakaan/judul/{kode_judul}")
    wrong = client.post(f"/perpustakaan/judul/{kode_judul}/pesan", data={"cabang": "PK-MARS", "csrf_token": token})
    assert wrong.status_code == 400 and "pilih cabang" in wrong.get_data(as_text=True)
    booked = client.post(f"/perpustakaan/judul/{kode_judul}/pesan", data={"cabang": "PK-PERJUANGAN", "csrf_token": token})
    assert booked.status_code == 303 and "/perpustakaan/saya?baru=PSN-" in booked.headers["Location"]
    mine = client.get(booked.headers["Location"]).get_data(as_text=True)
    kode_pesan = re.search(r'data-kode="(PSN-[0-9A-F]+)" data-status="siap_diambil"', mine).group(1)
    assert "Siap diambil" in mine and "Cabang Perjuangan" in mine

    again = client.post(f"/perpustakaan/judul/{kode_judul}/pesan", data={"cabang": "PK-PERJUANGAN", "csrf_token": token})
    assert again.status_code == 409 and "sudah Anda pesan" in again.get_data(as_text=True)
    other = _logged_in(library_app)
    stranger = other.post(f"/perpustakaan/pesanan/{kode_pesan}/batal",
                          data={"csrf_token": csrf_token(other, "/perpustakaan/anggota")})
    assert stranger.status_code == 404
    cancelled = client.post(f"/perpustakaan/pesanan/{kode_pesan}/batal", data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert f'data-kode="{kode_pesan}" data-status="dibatalkan"' in client.get("/perpustakaan/saya").get_data(as_text=True)


def test_the_desk_is_its_branch_staff_and_hands_over_with_the_card(library_app: Flask) -> None:
    reader = _logged_in(library_app)
    reader.post("/perpustakaan/anggota", data={"nama": "Bonar Pardede", "telepon": "081311112222",
                                               "cabang_asal": "PK-SUNGGAL",
                                               "csrf_token": csrf_token(reader, "/perpustakaan/anggota")})
    kode_judul = untouched_title(library_app.extensions["engine"], only_at="PK-SUNGGAL", copies=1)
    token = csrf_token(reader, f"/perpustakaan/judul/{kode_judul}")
    location = reader.post(f"/perpustakaan/judul/{kode_judul}/pesan", data={"cabang": "PK-SUNGGAL", "csrf_token": token}).headers["Location"]
    kode_pesan = location.rsplit("=", 1)[1]
    card = re.search(r"(AGT-\d{4}-\d{6})", reader.get("/perpustakaan/saya").get_data(as_text=True)).group(1)

    assert reader.get("/perpustakaan/meja/PK-SUNGGAL").status_code == 403
    assert _logged_in(library_app, "staff", ("PERPUS-PK-JOHOR",)).get("/perpustakaan/meja/PK-SUNGGAL").status_code == 403
    staff = _logged_in(library_app, "staff", ("PERPUS-PK-SUNGGAL",))
    desk = staff.get("/perpustakaan/meja/PK-SUNGGAL").get_data(as_text=True)
    assert f'data-kode="{kode_pesan}" data-status="siap_diambil"' in desk and "Bonar Pardede" in desk
    staff_token = csrf_token(staff, "/perpustakaan/meja/PK-SUNGGAL")
    wrong = staff.post(f"/perpustakaan/meja/PK-SUNGGAL/{kode_pesan}/serahkan",
                       data={"nomor_anggota": "AGT-2026-000000", "csrf_token": staff_token})
    assert wrong.status_code == 400 and "periksa kartu anggota" in wrong.get_data(as_text=True)
    done = staff.post(f"/perpustakaan/meja/PK-SUNGGAL/{kode_pesan}/serahkan",
                      data={"nomor_anggota": card, "csrf_token": staff_token})
    assert done.status_code == 303
    assert kode_pesan not in staff.get("/perpustakaan/meja/PK-SUNGGAL").get_data(as_text=True)
    assert f'data-kode="{kode_pesan}" data-status="diambil"' in reader.get("/perpustakaan/saya").get_data(as_text=True)
