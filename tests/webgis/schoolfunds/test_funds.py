"""School funds: public per school and per kecamatan; a treasurer edits only their own school, on the
form or by importing a CSV/XLSX, every row checked and named, nothing half-saved, every change kept."""

from __future__ import annotations

import io
import uuid

from flask import Flask
from openpyxl import Workbook
from sqlalchemy import Engine, text

from tests.helpers.accounts import PASSWORD, csrf_token, login
from webgis.accounts import manage

OWN, OTHER = "10257713", "10211038"  # SMP Methodist 9, SMP SWT Yaspenhan 2 (Kemendikbud)


def _amounts(engine: Engine, npsn: str) -> dict:
    with engine.connect() as conn:
        return {(r.tahun, r.arah, r.kategori): r.jumlah for r in conn.execute(
            text("SELECT tahun, arah, kategori, jumlah FROM schoolfunds.entries WHERE npsn = :n"), {"n": npsn})}


def _treasurer(app: Flask, engine: Engine, npsn: str):  # noqa: ANN202
    user = manage.create_user(engine, "test", None, f"bend{uuid.uuid4().hex[:6]}", PASSWORD, roles=["staff"],
                              agencies=[f"SEKOLAH-{npsn}"])
    client = app.test_client()
    login(client, user.username)
    return client, user


def test_each_schools_funds_are_public(funds_app: Flask) -> None:
    client = funds_app.test_client()
    data = client.get(f"/api/dana-sekolah/sekolah/{OWN}").get_json()
    assert data["sekolah"]["nama"] == "SMP METHODIST 9" and [y["tahun"] for y in data["tahun"]] == [2026, 2025]
    last = data["tahun"][1]
    assert last["total_penerimaan"] == sum(x["jumlah"] for x in last["penerimaan"]) > 0
    assert {x["kategori"] for x in last["belanja"]} >= {"honor", "pembelajaran", "sarpras"}
    assert "kompetensi_smk" not in {x["kategori"] for x in last["belanja"]}  # an SMP
    assert 88 <= last["persen_terserap"] <= 100 and last["bos_per_siswa"] >= 1_200_000
    page = client.get(f"/dana-sekolah/{OWN}").get_data(as_text=True)
    assert "Honor" in page or "honor" in page.lower()
    assert "SINTETIS" in page and client.get("/dana-sekolah/99999999").status_code == 404
    kec = client.get("/api/dana-sekolah/kecamatan?tahun=2025").get_json()
    assert len(kec["features"]) == 21 and all(f["properties"]["sekolah"] > 0 for f in kec["features"])
    assert client.get("/api/dana-sekolah/kecamatan?tahun=1990").status_code == 400


def test_a_treasurer_enters_their_school_on_the_form_with_history(funds_app: Flask, funds_engine: Engine) -> None:
    client, user = _treasurer(funds_app, funds_engine, OWN)
    form = f"/dana-sekolah/{OWN}/isi"
    bad = client.post(form, data={"csrf_token": csrf_token(client, form), "tahun": "2025",
                                  "penerimaan_bos_reguler": "1.234.567", "belanja_honor": "12,5"})
    assert bad.status_code == 400 and "belanja honor" not in bad.get_data(as_text=True)
    assert "jumlah (Rp) harus bilangan bulat" in bad.get_data(as_text=True)
    assert _amounts(funds_engine, OWN)[(2025, "penerimaan", "bos_reguler")] != 1_234_567  # nothing half-saved
    ok = client.post(form, data={"csrf_token": csrf_token(client, form), "tahun": "2025", "siswa": "400",
                                 "penerimaan_bos_reguler": "1.234.567", "belanja_honor": "250000"})
    assert ok.status_code == 303
    amounts = _amounts(funds_engine, OWN)
    assert amounts[(2025, "penerimaan", "bos_reguler")] == 1_234_567 and amounts[(2025, "belanja", "honor")] == 250_000
    with funds_engine.connect() as conn:
        changes = conn.execute(text("SELECT kategori, old_jumlah, new_jumlah, changed_by FROM schoolfunds.entry_history "
                                    "WHERE npsn = :n ORDER BY id"), {"n": OWN}).all()
    assert [(c.kategori, c.new_jumlah, c.changed_by) for c in changes] == [
        ("bos_reguler", 1_234_567, user.actor), ("honor", 250_000, user.actor)]
    assert changes[0].old_jumlah is not None  # the seeded figure it replaced


def test_a_treasurer_cannot_touch_another_school(funds_app: Flask, funds_engine: Engine) -> None:
    client, _ = _treasurer(funds_app, funds_engine, OWN)
    before = _amounts(funds_engine, OTHER)
    assert client.get(f"/dana-sekolah/{OTHER}/isi").status_code == 403
    refused = client.post(f"/dana-sekolah/{OTHER}/isi", data={
        "csrf_token": csrf_token(client, f"/dana-sekolah/{OWN}/isi"), "tahun": "2025", "penerimaan_komite": "1"})
    assert refused.status_code == 403
    csv = f"npsn,tahun,arah,kategori,jumlah\n{OWN},2025,belanja,asesmen,1000\n{OTHER},2025,belanja,asesmen,1\n"
    response = client.post("/dana-sekolah/impor", data={"csrf_token": csrf_token(client, "/dana-sekolah/impor"),
                                                        "berkas": (io.BytesIO(csv.encode()), "dana.csv")})
    assert response.status_code == 400
    assert f"baris 3: Anda bukan bendahara sekolah NPSN {OTHER}" in response.get_data(as_text=True)
    assert _amounts(funds_engine, OTHER) == before
    assert _amounts(funds_engine, OWN)[(2025, "belanja", "asesmen")] != 1000  # the whole file or nothing
    disdik = manage.create_user(funds_engine, "test", None, f"disdik{uuid.uuid4().hex[:6]}", PASSWORD,
                                roles=["staff"], agencies=["DISDIK"])
    office = funds_app.test_client()
    login(office, disdik.username)
    assert office.get(f"/dana-sekolah/{OTHER}/isi").status_code == 200  # the education office enters any school's


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_import_names_every_bad_row_and_saves_all_or_nothing(funds_app: Flask, funds_engine: Engine) -> None:
    client, _ = _treasurer(funds_app, funds_engine, OWN)
    before = _amounts(funds_engine, OWN)
    bad = _xlsx([["NPSN", "Tahun", "Arah", "Kategori", "Jumlah"],
                 [OWN, 2026, "belanja", "perpustakaan", 5_000_000],     # good, yet not saved
                 [OWN, 2026, "belanja", "kompetensi_smk", "abc"],        # not an amount
                 [OWN, 2026, "pengeluaran", "honor", 1],                 # no such direction
                 [OWN, 2026, "penerimaan", "honor", 1],                  # a spending component as income
                 [OWN, 2026, "belanja", "perpustakaan", 6_000_000]])     # the same as line 2
    response = client.post("/dana-sekolah/impor", data={"csrf_token": csrf_token(client, "/dana-sekolah/impor"),
                                                        "berkas": (io.BytesIO(bad), "dana.xlsx")})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for line in ("baris 3: jumlah (Rp)", "baris 4: arah", "baris 5: kategori &#39;honor&#39; bukan kategori penerimaan",
                 "baris 6: sama dengan baris 2"):
        assert line in body, line
    assert _amounts(funds_engine, OWN) == before
    good = _xlsx([["npsn", "tahun", "arah", "kategori", "jumlah_rp"], [OWN, 2026, "belanja", "perpustakaan", 5_000_000],
                  [OWN, 2026, "penerimaan", "komite", "2.500.000"], [None, None, None, None, None]])
    response = client.post("/dana-sekolah/impor", data={"csrf_token": csrf_token(client, "/dana-sekolah/impor"),
                                                        "berkas": (io.BytesIO(good), "dana.xlsx")})
    assert response.status_code == 200 and "2 baris tersimpan" in response.get_data(as_text=True)
    after = _amounts(funds_engine, OWN)
    assert after[(2026, "belanja", "perpustakaan")] == 5_000_000 and after[(2026, "penerimaan", "komite")] == 2_500_000
    for name, data in (("dana.txt", b"x"), ("dana.csv", b"a,b\n1,2\n"), ("dana.xlsx", b"not a workbook")):
        response = client.post("/dana-sekolah/impor", data={"csrf_token": csrf_token(client, "/dana-sekolah/impor"),
                                                            "berkas": (io.BytesIO(data), name)})
        assert response.status_code == 400, name


def test_bos_absorption_indicator_per_kecamatan_and_city(funds_engine: Engine) -> None:
    from datetime import date

    from services.schoolfunds.indicators import absorption_by_kecamatan

    with funds_engine.connect() as conn:
        rows = absorption_by_kecamatan(conn, start=date(2025, 1, 1), end=date(2025, 12, 31))
    city = next(r for r in rows if r["kode_kec"] is None)
    assert city["month"] == date(2025, 1, 1) and 85 <= city["value"] <= 100 and city["n"] > 1000
    assert len([r for r in rows if r["kode_kec"]]) == 21


def test_the_schools_item_page_links_to_its_funds(funds_app: Flask, funds_engine: Engine) -> None:
    with funds_engine.connect() as conn:
        fid = conn.execute(text("SELECT fid FROM layers.schools WHERE npsn = :n"), {"n": OWN}).scalar_one()
    page = funds_app.test_client().get(f"/collections/schools/items/{fid}?f=html").get_data(as_text=True)
    assert f'href="/dana-sekolah/{OWN}"' in page and "Dana BOS dan APBS" in page


def test_the_funds_pages_in_english_on_request(funds_app: Flask) -> None:
    client = funds_app.test_client()
    assert "School funds (BOS and APBS)" in client.get("/dana-sekolah?lang=en").get_data(as_text=True)
    page = client.get(f"/dana-sekolah/{OWN}?lang=en").get_data(as_text=True)
    assert "Received (sources)" in page and "Regular BOS (national budget)" in page
    assert client.get("/dana-sekolah?ukuran=rahasia").status_code == 400
