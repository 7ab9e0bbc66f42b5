"""A treasurer's file, as agencies keep them (CSV or XLSX export): one row per school, year, direction and
category. Columns: npsn, tahun, arah, kategori, jumlah (names case-insensitive; `jumlah_rp` accepted).
Every row is checked and named by its line in the file; the file is saved whole or not at all.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from layers.access import Principal
from services.schoolfunds import entries
from services.schoolfunds.rules import BadEntries

COLUMNS = ("npsn", "tahun", "arah", "kategori", "jumlah")
ALIASES = {"jumlah_rp": "jumlah", "nilai": "jumlah", "tipe": "arah"}
MAX_BYTES = 5_000_000
MAX_ROWS = 20_000


def _rows_from_table(table: list[list[Any]]) -> list[dict[str, Any]]:
    if not table:
        raise BadEntries(["berkas kosong"])
    header = [ALIASES.get(str(h or "").strip().lower(), str(h or "").strip().lower()) for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadEntries([f"baris 1 (judul kolom): kolom {', '.join(missing)} tidak ada; "
                          f"perlu kolom {', '.join(COLUMNS)}"])
    body = list(table[1:])
    while body and not any(str(cell or "").strip() for cell in body[-1]):
        body.pop()  # trailing empty rows (spreadsheets keep formatted ones); a gap inside is an error at its line
    if len(body) > MAX_ROWS:
        raise BadEntries([f"paling banyak {MAX_ROWS} baris per berkas"])
    return [{name: (row[i] if i < len(row) else None) for i, name in enumerate(header)} for row in body]


def read_table(filename: str, data: bytes) -> list[list[Any]]:
    """The cells of a CSV (UTF-8, comma or semicolon) or XLSX file (its first sheet)."""
    if len(data) > MAX_BYTES:
        raise BadEntries([f"berkas lebih dari {MAX_BYTES // 1_000_000} MB"])
    name = filename.lower()
    if name.endswith(".xlsx"):
        # openpyxl: the reader of Excel's own format; read_only streams the sheet, data_only takes values.
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the sender's mistake
            raise BadEntries([f"berkas XLSX tidak terbaca ({type(exc).__name__})"]) from None
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadEntries(["berkas CSV harus UTF-8"]) from None
        dialect = csv.Sniffer().sniff(text[:2000], delimiters=",;") if text.strip() else csv.excel
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    raise BadEntries(["pilih berkas .csv atau .xlsx"])


def import_file(engine: Any, filename: str, data: bytes, principal: Principal) -> int:
    """Save every row of the file (all or nothing); returns the rows changed. Line numbers as in the file."""
    rows = _rows_from_table(read_table(filename, data))
    return entries.save(engine, rows, principal, via="impor", first_line=2)
