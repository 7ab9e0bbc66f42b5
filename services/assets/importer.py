"""Importing an agency's KIB sheet (the CSV or XLSX export of SIMDA BMD / a SIMBADA spreadsheet).

One row per asset, with the columns agencies keep (headers matched without regard to case, spaces
or punctuation): Kode Barang (Permendagri 108/2016: 1.3.1 land ... 1.3.6 construction in progress,
which gives the KIB class when no `KIB` column does), Nama Barang, Jenis Barang (a category of
rules.CATEGORIES, optional), Tahun Perolehan (or Tahun Pengadaan), Nilai Perolehan (or Harga,
whole rupiah; "Rp 1.250.000" is read as 1250000), Kondisi (Baik/B, Rusak Ringan/RR, Rusak Berat/RB),
Asal Usul, OPD (or the agency given to the import), Keterangan, and the location as WKT (`WKT`,
any geometry) or `Longitude`/`Latitude` (a point).

The whole sheet is checked first, every row's every problem named with its row number (the
spreadsheet's: the header is row 1); if any row is wrong nothing is written. Otherwise every row
goes through register_asset (the one door) in one transaction.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import Point

from layers.tables import Bind, transaction
from services.assets.register import register_asset
from services.assets.rules import CATEGORIES, AssetRejected
from services.errors import ServiceError

MAX_ROWS = 20_000
KIB_OF_CODE = {"1.3.1": "A", "1.3.2": "B", "1.3.3": "C", "1.3.4": "D", "1.3.5": "E", "1.3.6": "F"}
CONDITION_WORDS = {"baik": "baik", "b": "baik", "rusakringan": "rusak_ringan", "rr": "rusak_ringan",
                   "kurangbaik": "rusak_ringan", "rusakberat": "rusak_berat", "rb": "rusak_berat"}
ORIGIN_WORDS = {"pembelian": "pembelian", "pengadaan": "pembelian", "beli": "pembelian", "hibah": "hibah",
                "proyek": "proyek", "pembangunan": "proyek", "lainnya": "lainnya", "": "pembelian"}
# sheet header (normalised) -> field
HEADERS = {
    "kib": "kib", "golongan": "kib", "kodebarang": "kode_barang", "namabarang": "nama", "nama": "nama",
    "jenisbarang": "kategori", "jenis": "kategori", "kategori": "kategori",
    "tahunperolehan": "tahun", "tahunpengadaan": "tahun", "tahun": "tahun",
    "nilaiperolehan": "nilai", "harga": "nilai", "nilai": "nilai", "hargaperolehan": "nilai",
    "kondisi": "kondisi", "kondisibarang": "kondisi", "asalusul": "asal", "asal": "asal",
    "opd": "agency", "skpd": "agency", "kodeopd": "agency", "agency": "agency",
    "keterangan": "keterangan", "wkt": "wkt", "longitude": "lon", "bujur": "lon", "lon": "lon",
    "latitude": "lat", "lintang": "lat", "lat": "lat", "noregister": "register", "nomorregister": "register",
}


class ImportRejected(ServiceError):
    """A sheet with at least one wrong row; `problems` names each (row number first). Nothing was written."""

    status = 422
    code = "InvalidSheet"

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message + ": " + "; ".join(problems[:50]))
        self.problems = problems


@dataclass
class ImportReport:
    codes: list[str] = field(default_factory=list)  # the new asset codes, in the sheet's order


def _normal(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def read_sheet(data: bytes | Path, *, name: str = "") -> pd.DataFrame:
    """A CSV (`,` or `;` separated) or XLSX sheet as text cells with the known headers renamed to fields."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    name = name or (data.name if isinstance(data, Path) else "")
    try:
        if raw[:2] == b"PK" or name.lower().endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl")
        else:
            frame = pd.read_csv(io.BytesIO(raw), dtype=str, sep=None, engine="python", encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ImportRejected("berkas tidak terbaca sebagai CSV atau XLSX", [str(exc)]) from None
    frame = frame.rename(columns={c: HEADERS.get(_normal(c), _normal(c)) for c in frame.columns})
    if len(frame) > MAX_ROWS:
        raise ImportRejected("berkas terlalu besar", [f"paling banyak {MAX_ROWS} baris per impor"])
    missing = [f for f in ("nama", "tahun", "nilai", "kondisi") if f not in frame.columns]
    if "kib" not in frame.columns and "kode_barang" not in frame.columns:
        missing.append("KIB atau Kode Barang")
    if "wkt" not in frame.columns and not {"lon", "lat"} <= set(frame.columns):
        missing.append("WKT atau Longitude/Latitude")
    if missing:
        raise ImportRejected("kolom wajib tidak ada", [f"kolom {m}" for m in missing])
    return frame.fillna("")


def _rupiah(text: str) -> int:
    digits = re.sub(r"^rp\.?\s*", "", text.strip().lower()).replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,0+)?", digits):  # 1.250.000 or 1.250.000,00 (Indonesian)
        digits = digits.split(",")[0].replace(".", "")
    elif re.fullmatch(r"\d+(\.0+)?", digits):  # a spreadsheet's 1250000.0
        digits = digits.split(".")[0]
    if not digits.isdigit():
        raise ValueError(text)
    return int(digits)


def _row_asset(cells: dict[str, Any], agency: str | None) -> tuple[dict[str, Any], list[str]]:
    """One sheet row as register_asset's arguments, and what is wrong with it."""
    problems: list[str] = []
    kib = cells.get("kib", "").strip().upper() or KIB_OF_CODE.get(".".join(cells.get("kode_barang", "").split(".")[:3]), "")
    if not kib:
        problems.append(f"Kode Barang {cells.get('kode_barang', '')!r} bukan kode aset tetap 1.3.1 sampai 1.3.6")
    category = _normal(cells.get("kategori", ""))
    category = next((c for c in CATEGORIES if _normal(c) == category), None) if category else None
    if cells.get("kategori") and category is None:
        problems.append(f"Jenis Barang {cells['kategori']!r} tidak dikenal")
    try:
        year = int(float(cells["tahun"]))
    except ValueError:
        problems.append(f"Tahun Perolehan {cells['tahun']!r} bukan tahun")
        year = 0
    try:
        value = _rupiah(cells["nilai"])
    except ValueError:
        problems.append(f"Nilai Perolehan {cells['nilai']!r} bukan rupiah bulat")
        value = 0
    condition = CONDITION_WORDS.get(_normal(cells["kondisi"]))
    if condition is None:
        problems.append(f"Kondisi {cells['kondisi']!r} harus Baik, Rusak Ringan atau Rusak Berat")
    origin = ORIGIN_WORDS.get(_normal(cells.get("asal", "")), "lainnya")
    geometry = _geometry(cells, problems)
    args = {"kib": kib, "name": cells["nama"], "agency": (cells.get("agency") or agency or "").strip().upper(),
            "acquired_year": year, "acquisition_value": value, "geometry": geometry,
            "condition": condition or "baik", "origin": origin, "category": category,
            "remarks": cells.get("keterangan") or None,
            "origin_ref": cells.get("register") or ("KIB" if origin == "proyek" else None)}
    return args, problems


def _geometry(cells: dict[str, Any], problems: list[str]) -> Any:
    try:
        if cells.get("wkt"):
            return shapely_wkt.loads(cells["wkt"])
        return Point(float(cells["lon"]), float(cells["lat"]))
    except (ShapelyError, ValueError, KeyError):
        problems.append("lokasi (WKT atau Longitude/Latitude) tidak terbaca")
        return None


def import_kib(bind: Bind, data: bytes | Path, *, actor: str, agency: str | None = None,
               name: str = "") -> ImportReport:
    """Check the whole sheet, then register every row in one transaction; ImportRejected names every bad row."""
    frame = read_sheet(data, name=name)
    rows = [(n + 2, _row_asset(cells, agency)) for n, cells in enumerate(frame.to_dict("records"))]
    problems = [f"baris {n}: {p}" for n, (_, found) in rows for p in found]
    if problems:
        raise ImportRejected(f"{len({p.split(':')[0] for p in problems})} baris salah; tidak ada yang diimpor",
                             problems)
    report = ImportReport()
    with transaction(bind, actor) as conn:
        for n, (args, _) in rows:
            try:
                report.codes.append(register_asset(conn, actor=actor, **args))
            except AssetRejected as exc:
                problems.append(f"baris {n}: {str(exc).removeprefix('aset tidak didaftarkan: ')}")
        if problems:
            raise ImportRejected(f"{len(problems)} baris salah; tidak ada yang diimpor", problems)
    return report
