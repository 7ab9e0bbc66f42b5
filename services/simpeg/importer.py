"""Import staff records from the CSV or XLSX exports agencies keep: all rows or none, errors per row.

Columns (header row, any order, case-insensitive; Indonesian names as in BKPSDM exports, the
English ones accepted too): nip, nama, jabatan, instansi (agency code), kantor (office code),
pin (the id on the attendance machine), and optionally akun (the login username) and aktif
(ya/tidak). A NIP in Excel is often stored as a number and shown as 1.97E+17: such a cell lost
its last digits, so it is refused with that reason rather than stored wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from services.errors import ServiceError
from services.simpeg.staff import StaffError, StaffInput, problems, save

ALIASES = {
    "nip": "nip", "nama": "nama", "name": "nama", "jabatan": "jabatan", "position": "jabatan",
    "instansi": "agency", "agency": "agency", "skpd": "agency", "kantor": "kantor", "office": "kantor",
    "pin": "pin", "id_mesin": "pin", "akun": "username", "username": "username", "aktif": "aktif", "active": "aktif",
}
REQUIRED = ("nip", "nama", "jabatan", "agency", "kantor", "pin")
MAX_ROWS = 50_000
TRUE, FALSE = {"", "ya", "y", "true", "1", "aktif", "yes"}, {"tidak", "t", "false", "0", "nonaktif", "no"}


@dataclass
class ImportReport:
    """Rows read, rows stored (0 when any row failed), and each failed row's problems (row 2 = first data row)."""

    rows: int = 0
    stored: int = 0
    errors: dict[int, list[str]] = field(default_factory=dict)


class ImportRefused(ServiceError):
    """A file with problems; nothing was stored. `report.errors` names each row and what was wrong."""

    def __init__(self, report: ImportReport, message: str | None = None) -> None:
        self.report = report
        shown = "; ".join(f"baris {row}: {', '.join(found)}" for row, found in list(report.errors.items())[:20])
        super().__init__(message or f"{len(report.errors)} baris bermasalah, tidak ada yang disimpan / "
                                    f"{len(report.errors)} rows with problems, nothing stored: {shown}")


def _rows_csv(data: bytes) -> Iterator[list[str]]:
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
        return f"{value:.6e}"  # a number Excel rounded: shown as Excel shows it, refused by the NIP check
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_xlsx(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        book.close()


def read_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _rows_xlsx(data)
    if suffix in (".csv", ".txt"):
        return _rows_csv(data)
    raise ServiceError(f"berkas harus .csv atau .xlsx / the file must be .csv or .xlsx, not {suffix or 'no suffix'}")


def _header(cells: list[str]) -> dict[str, int]:
    columns = {}
    for i, name in enumerate(cells):
        key = ALIASES.get(name.strip().lower())
        if key and key not in columns:
            columns[key] = i
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ServiceError(f"kolom tidak ada / missing columns: {', '.join(missing)} "
                           f"(header: {', '.join(c for c in cells if c)})")
    return columns


def _record(cells: list[str], columns: dict[str, int]) -> tuple[StaffInput | None, list[str]]:
    get = lambda key: cells[columns[key]].strip() if key in columns and columns[key] < len(cells) else ""  # noqa: E731
    found = []
    pin_text, active_text = get("pin"), get("aktif").lower()
    if not pin_text.isdigit():
        found.append(f"pin: {pin_text!r} bukan angka / not a number")
    if active_text not in TRUE | FALSE:
        found.append(f"aktif: {active_text!r} bukan ya/tidak / not yes/no")
    record = StaffInput(nip=get("nip"), nama=get("nama"), jabatan=get("jabatan"), agency=get("agency").upper(),
                        kantor=get("kantor").upper(), pin=int(pin_text) if pin_text.isdigit() else 0,
                        username=get("username") or None, aktif=active_text not in FALSE)
    found += [p for p in problems(record) if not (p.startswith("pin:") and not pin_text.isdigit())]
    return (None if found else record), found


def parse(data: bytes, filename: str) -> tuple[list[StaffInput], ImportReport]:
    """Every data row checked; the records of the good rows and the report of the bad ones."""
    report, records, seen = ImportReport(), [], {}
    rows = read_rows(data, filename)
    columns = _header(next(rows, []))
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ServiceError(f"paling banyak {MAX_ROWS} baris / at most {MAX_ROWS} rows per file")
        record, found = _record(cells, columns)
        if record is not None:
            for key, value in (("nip", record.nip), ("pin", record.pin)):
                if (key, value) in seen:
                    found.append(f"{key} {value} sudah ada di baris {seen[(key, value)]} / already in row "
                                 f"{seen[(key, value)]}")
                seen.setdefault((key, value), number)
        if found:
            report.errors[number] = found
        else:
            records.append(record)
    return records, report


def import_staff(engine: Engine, data: bytes, filename: str, *, actor: str) -> ImportReport:
    """Check every row, then store all in one transaction, or nothing (ImportRefused with the rows' problems)."""
    records, report = parse(data, filename)
    if report.errors:
        raise ImportRefused(report)
    if not records:
        raise ServiceError("berkas tidak berisi data pegawai / the file holds no staff rows")
    try:
        with engine.begin() as conn:
            report.stored = save(conn, records, actor=actor)
    except StaffError as exc:  # against what is stored already: a PIN of another NIP, an unknown account
        raise ImportRefused(report, str(exc)) from None
    return report
