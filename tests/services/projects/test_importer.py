"""The APBD and SiRUP importers on the real PostGIS: CSV and XLSX as agencies export them; a file loads whole
or not at all, and every wrong row is named with its spreadsheet row number and the problem."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import Connection, text

from services.projects import importer
from tests.services.projects.helpers import NOW, staff

APBD_CSV = """Tahun;Kode Rekening;Nama Kegiatan;SKPD;Pagu;Jenis;Kode Kel;Lokasi
2026;1.03.10.2.01.7001;Peningkatan Jalan Pasar III;DSDABMBK;Rp 1.250.000.000,00;jalan;{kel};Jl. Pasar III
2026;1.03.03.2.02.7002;Normalisasi Parit Sei Sikambing;DSDABMBK;875000000;drainase;{kel};
"""


def _kelurahan(conn: Connection) -> str:
    return conn.execute(text("SELECT kode_kel FROM layers.kelurahan ORDER BY kode_kel LIMIT 1")).scalar_one()


def _count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM layers.projects")).scalar_one()


def test_amounts_and_dates_as_exports_write_them() -> None:
    assert importer.rupiah("Rp 1.250.000.000,00") == 1_250_000_000
    assert importer.rupiah("1,250,000,000.50") == 1_250_000_001
    assert importer.rupiah("875000000") == 875_000_000
    assert importer.rupiah(1.5e9) == 1_500_000_000
    with pytest.raises(ValueError):
        importer.rupiah("satu milyar")
    assert importer.a_date("01/03/2026") == "2026-03-01" and importer.a_date("2026-03-01") == "2026-03-01"


def test_an_apbd_csv_plans_one_project_per_budget_line(conn: Connection) -> None:
    before = _count(conn)
    report = importer.import_apbd(conn, APBD_CSV.format(kel=_kelurahan(conn)).encode(), "apbd.csv", staff(), now=NOW)
    assert report.rows == 2 and len(report.projects) == 2 and _count(conn) == before + 2
    rows = conn.execute(text("SELECT pagu, status, source, agency FROM layers.projects WHERE case_ref = ANY(:r) "
                             "ORDER BY pagu"), {"r": report.projects}).all()
    assert rows == [(875_000_000, "planned", "import", "DSDABMBK"), (1_250_000_000, "planned", "import", "DSDABMBK")]


def test_a_file_with_wrong_rows_is_refused_whole_naming_each_row(conn: Connection) -> None:
    before = _count(conn)
    kel = _kelurahan(conn)
    bad = (APBD_CSV.format(kel=kel) + f"2026;1.01.02.2.01.7003;Rehab SD;DISDIK;400000000;gedung;{kel};\n"
           "2026;1.03.10.2.01.7004;Jalan X;DSDABMBK;empat ratus juta;jalan;;\n"
           f"2026;1.03.10.2.01.7005;;DSDABMBK;1000000;jalan;{kel};\n")
    with pytest.raises(importer.ImportRejected) as refused:
        importer.import_apbd(conn, bad.encode(), "apbd.csv", staff(), now=NOW)
    said = refused.value.problems
    assert any(p.startswith("baris 4:") and "DISDIK" in p for p in said)  # another agency's line
    assert any(p.startswith("baris 5:") and "bukan jumlah rupiah" in p for p in said)
    assert any(p.startswith("baris 6:") and "nama_proyek wajib diisi" in p for p in said)
    assert not any(p.startswith(("baris 2:", "baris 3:")) for p in said)
    assert refused.value.status == 400 and _count(conn) == before  # nothing saved, not even the good rows


def test_an_xlsx_sirup_export_moves_planned_projects_to_their_procurement_plan(conn: Connection) -> None:
    report = importer.import_apbd(conn, APBD_CSV.format(kel=_kelurahan(conn)).encode(), "apbd.csv", staff(), now=NOW)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Tahun Anggaran", "Kode Rekening", "Kode RUP", "Metode Pemilihan", "Awal Pelaksanaan",
                  "Akhir Pelaksanaan"])
    sheet.append([2026, "1.03.10.2.01.7001", "RUP-55501", "Tender", "01/03/2026", "31/10/2026"])
    sheet.append([2026, "1.03.03.2.02.7002", "RUP-55502", "E-Purchasing", "2026-04-01", "2026-08-31"])
    data = io.BytesIO()
    book.save(data)
    done = importer.import_sirup(conn, data.getvalue(), "sirup.xlsx", staff(), now=NOW)
    assert sorted(done.projects) == sorted(report.projects)
    rows = conn.execute(text("SELECT metode, status, jadwal_selesai::text FROM layers.projects WHERE case_ref = ANY(:r) "
                             "ORDER BY metode"), {"r": report.projects}).all()
    assert rows == [("e_purchasing", "procurement", "2026-08-31"), ("tender", "procurement", "2026-10-31")]
    again = io.BytesIO()
    book.save(again)
    with pytest.raises(importer.ImportRejected) as refused:  # already in procurement: said per row
        importer.import_sirup(conn, again.getvalue(), "sirup.xlsx", staff(), now=NOW)
    assert refused.value.problems[0].startswith("baris 2:")


def test_sirup_rows_of_unknown_budget_lines_or_methods_are_named(conn: Connection) -> None:
    csv_text = ("tahun,kode_rekening,kode_rup,metode,jadwal_mulai,jadwal_selesai\n"
                "2026,9.99.99,RUP-1,tender,2026-03-01,2026-09-01\n"
                "2026,9.99.98,RUP-2,lelang bebas,2026-03-01,2026-09-01\n")
    with pytest.raises(importer.ImportRejected) as refused:
        importer.import_sirup(conn, csv_text.encode(), "sirup.csv", staff(), now=NOW)
    said = refused.value.problems
    assert "baris 2: tidak ada proyek dengan kode rekening 9.99.99" in said[0]
    assert said[1].startswith("baris 3: metode 'lelang bebas' tidak dikenal")
