"""Importing an agency's KIB sheet: CSV and XLSX as agencies export them, every bad row named, all or nothing."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import Connection, text

from services.assets.importer import ImportRejected, import_kib

HEADER = "Kode Barang;Nama Barang;Tahun Perolehan;Nilai Perolehan;Kondisi;Asal Usul;Longitude;Latitude;WKT\n"
GOOD = [
    "1.3.2.02.01.01.004;Sepeda Motor Honda Supra;2021;Rp 18.500.000;B;Pembelian;98.6846;3.5843;\n",
    "1.3.1.11.01;Tanah Kantor Camat;1998;1250000000;Baik;Hibah;;;"
    "POLYGON((98.6840 3.5840, 98.6846 3.5840, 98.6846 3.5846, 98.6840 3.5846, 98.6840 3.5840))\n",
]


def _count(conn: Connection) -> int:
    return conn.execute(text("SELECT (SELECT count(*) FROM layers.assets_points) + "
                             "(SELECT count(*) FROM layers.assets_areas)")).scalar_one()


def test_a_csv_export_with_indonesian_numbers_and_short_conditions_is_registered(conn: Connection) -> None:
    report = import_kib(conn, (HEADER + "".join(GOOD)).encode(), actor="user:pengurus", agency="KECAMATAN")
    motor, land = report.codes
    assert motor.startswith("B.KECAMATAN.2021.") and land.startswith("A.KECAMATAN.1998.")
    row = conn.execute(text("SELECT nilai_perolehan, kondisi, asal FROM layers.assets_points WHERE kode_aset = :c"),
                       {"c": motor}).one()
    assert tuple(row) == (18_500_000, "baik", "pembelian")
    assert conn.execute(text("SELECT asal FROM layers.assets_areas WHERE kode_aset = :c"),
                        {"c": land}).scalar_one() == "hibah"


def test_an_xlsx_export_with_its_own_opd_column(conn: Connection) -> None:
    sheet = pd.DataFrame([{"KIB": "B", "Nama Barang": "Laptop", "Jenis Barang": "Komputer", "Tahun Pengadaan": 2023,
                           "Harga": 15_000_000, "Kondisi": "Rusak Ringan", "OPD": "DISKOMINFO",
                           "Longitude": 98.6846, "Latitude": 3.5843}])
    buffer = io.BytesIO()
    sheet.to_excel(buffer, index=False)
    (code,) = import_kib(conn, buffer.getvalue(), actor="t", name="kib_b.xlsx").codes
    row = conn.execute(text("SELECT agency, kategori, kondisi FROM layers.assets_points WHERE kode_aset = :c"),
                       {"c": code}).one()
    assert tuple(row) == ("DISKOMINFO", "komputer", "rusak_ringan")


def test_every_bad_row_is_named_and_nothing_is_written(conn: Connection) -> None:
    before = _count(conn)
    bad = [
        "9.9.9;Barang aneh;20x1;Rp 12,5 juta;Hilang;Pembelian;98.68;3.58;\n",           # row 4: four problems
        "1.3.2.02;Mobil di Jakarta;2020;300000000;RB;Pembelian;106.8;-6.2;\n",          # row 5: outside Medan
        "1.3.1.11;Tanah garis;2020;1000;B;Pembelian;;;LINESTRING(98.68 3.58, 98.69 3.59)\n",  # row 6: land as a line
    ]
    with pytest.raises(ImportRejected) as refused:
        import_kib(conn, (HEADER + "".join(GOOD) + "".join(bad)).encode(), actor="t", agency="DISHUB")
    problems = refused.value.problems
    row4 = [p for p in problems if p.startswith("baris 4:")]
    assert len(row4) == 4 and any("Kode Barang '9.9.9'" in p for p in row4) and any("'Hilang'" in p for p in row4)
    # Where an asset lies is checked against the map once the sheet itself is right (second pass).
    assert not any(p.startswith("baris 5:") for p in problems)
    assert refused.value.status == 422
    assert _count(conn) == before
    with pytest.raises(ImportRejected) as second:
        import_kib(conn, (HEADER + "".join(GOOD) + "".join(bad[1:])).encode(), actor="t", agency="DISHUB")
    assert [p.split(":")[0] for p in second.value.problems] == ["baris 4", "baris 5"]
    assert "di luar Kota Medan" in second.value.problems[0] and "bukan line" in second.value.problems[1]
    assert _count(conn) == before


def test_a_sheet_without_the_needed_columns_says_which(conn: Connection) -> None:
    with pytest.raises(ImportRejected, match="kolom kondisi.*KIB atau Kode Barang.*WKT atau Longitude/Latitude"):
        import_kib(conn, b"Nama Barang,Tahun,Harga,Kondisi_x\nMeja,2020,1000,B\n", actor="t", agency="BPKAD")
