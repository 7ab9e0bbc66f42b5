"""Importing the exports agencies keep: APBD budget lines (new projects) and SiRUP procurement plans (a
planned project's method and schedule), from CSV or XLSX. A file is loaded whole or not at all, in one
transaction; every row that is wrong is named with its spreadsheet row number and what is wrong with it,
in Bahasa Indonesia and English.

Columns are matched by name, case and spaces aside, with the names the exports use (ALIASES): an APBD row
needs the fiscal year, the budget line code, the project name, the agency, the budget and a place (lon/lat,
or a kelurahan code); a SiRUP row names the fiscal year and budget line of an existing project, its RUP
code, method and schedule. Amounts may be written as Indonesians write them (Rp1.250.000.000,00).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from layers.access import Principal
from layers.tables import Bind, transaction
from services.engine.said import EngineError, FormRejected, Said
from services.projects import lifecycle, queries

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
ALIASES: dict[str, tuple[str, ...]] = {
    "tahun_anggaran": ("tahun_anggaran", "tahun", "ta", "fiscal_year"),
    "kode_rekening": ("kode_rekening", "kode_rek", "kode_sub_kegiatan", "kode_anggaran", "budget_code"),
    "nama_proyek": ("nama_proyek", "nama_kegiatan", "nama_paket", "uraian", "nama_sub_kegiatan", "project_name"),
    "agency": ("skpd", "kode_skpd", "agency", "opd", "satuan_kerja"),
    "pagu": ("pagu", "pagu_anggaran", "anggaran", "nilai_pagu", "budget"),
    "jenis": ("jenis", "jenis_pekerjaan", "kind"),
    "address": ("lokasi", "alamat", "address"),
    "lon": ("lon", "longitude", "bujur", "x"),
    "lat": ("lat", "latitude", "lintang", "y"),
    "kode_kel": ("kode_kel", "kode_kelurahan"),
    "kode_rup": ("kode_rup", "id_rup", "rup"),
    "metode": ("metode", "metode_pemilihan", "metode_pengadaan", "cara_pengadaan", "method"),
    "jadwal_mulai": ("jadwal_mulai", "awal_pelaksanaan", "mulai", "tanggal_mulai", "start"),
    "jadwal_selesai": ("jadwal_selesai", "akhir_pelaksanaan", "selesai", "tanggal_selesai", "end"),
}
METHODS = {"tender": "tender", "tender_cepat": "tender", "seleksi": "seleksi", "e_purchasing": "e_purchasing",
           "epurchasing": "e_purchasing", "pengadaan_langsung": "pengadaan_langsung",
           "penunjukan_langsung": "penunjukan_langsung", "swakelola": "swakelola"}
APBD_REQUIRED = ("tahun_anggaran", "kode_rekening", "nama_proyek", "agency", "pagu")
SIRUP_REQUIRED = ("tahun_anggaran", "kode_rekening", "kode_rup", "metode", "jadwal_mulai", "jadwal_selesai")


class ImportRejected(FormRejected):
    """A file refused whole: `problems` name each wrong row. Nothing was written."""


@dataclass(frozen=True)
class ImportReport:
    kind: str
    rows: int
    projects: list[str] = field(default_factory=list)


def _key(name: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name or "").strip().lower()).strip("_")


def read_table(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of a CSV (comma or semicolon, UTF-8 with or without BOM) or of an XLSX's first sheet, keyed by
    our column names; ImportRejected when the file cannot be read."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(Said("berkas lebih dari 5 MB", "the file is larger than 5 MB"))
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        header, body = _xlsx(data)
    else:
        header, body = _csv(data)
    names = {}
    for index, column in enumerate(header):
        ours = next((k for k, aliases in ALIASES.items() if _key(column) in aliases), None)
        if ours is not None and ours not in names.values():
            names[index] = ours
    rows = [{names[i]: value for i, value in enumerate(values) if i in names} for values in body]
    rows = [r for r in rows if any(v not in (None, "") for v in r.values())]
    if len(rows) > MAX_ROWS:
        raise ImportRejected(Said(f"paling banyak {MAX_ROWS} baris sekali impor", f"at most {MAX_ROWS} rows at once"))
    return rows


def _csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(Said("berkas CSV harus UTF-8", "a CSV file must be UTF-8")) from None
    first = content.splitlines()[0] if content else ""
    table = list(csv.reader(io.StringIO(content), delimiter=";" if first.count(";") > first.count(",") else ","))
    if not table:
        raise ImportRejected(Said("berkas kosong", "the file is empty"))
    return table[0], table[1:]


def _xlsx(data: bytes) -> tuple[list[str], list[list[Any]]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ImportRejected(Said("berkas XLSX tidak dapat dibaca", "the XLSX file cannot be read")) from None
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise ImportRejected(Said("berkas kosong", "the file is empty"))
    return [str(c or "") for c in rows[0]], rows[1:]


def rupiah(value: Any) -> int:
    """An amount as written in an export: 1250000000, 1.250.000.000, Rp 1.250.000.000,00, 1,250,000,000.00."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(round(value))
    digits = re.sub(r"(?i)rp|\s", "", str(value or ""))
    if not re.fullmatch(r"[0-9.,]+", digits):
        raise ValueError(digits)
    decimals = re.search(r"[.,]([0-9]{1,2})$", digits)  # sen at the end: rounded to whole rupiah
    if decimals:
        whole = digits[:decimals.start()]
        return int(re.sub(r"[.,]", "", whole) or 0) + (1 if int(decimals[1].ljust(2, "0")) >= 50 else 0)
    return int(re.sub(r"[.,]", "", digits))


def a_date(value: Any) -> str:
    """A date as ISO text: from a spreadsheet date, 2026-03-01, 01/03/2026 or 01-03-2026 (day first)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = str(value or "").strip()
    match = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})", raw)
    return date(int(match[3]), int(match[2]), int(match[1])).isoformat() if match else date.fromisoformat(raw).isoformat()


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _missing(row: Mapping[str, Any], required: tuple[str, ...]) -> list[str]:
    return [name for name in required if _cell(row.get(name)) == ""]


def _row_said(number: int, problem: Any) -> Said:
    en = getattr(problem, "en", str(problem))
    return Said(f"baris {number}: {problem}", f"row {number}: {en}")


def _load(bind: Bind, rows: list[dict[str, Any]], principal: Principal,
          one: Callable[[Connection, int, dict[str, Any]], str | None]) -> list[str]:
    """Every row through `one` in one transaction; the whole file refused when a row is wrong."""
    if not rows:
        raise ImportRejected(Said("tidak ada baris data", "no data rows"))
    problems: list[Said] = []
    done: list[str] = []
    with transaction(bind, principal.actor) as conn:
        for number, row in enumerate(rows, start=2):  # row 1 is the header, as the spreadsheet numbers it
            try:
                ref = one(conn, number, row)
            except EngineError as exc:  # checked before the row wrote anything: said, and the file refused
                problems += [_row_said(number, p) for p in (exc.problems or [exc.args[0]])]
                continue
            if ref is not None:
                done.append(ref)
        if problems:
            raise ImportRejected(Said(f"berkas ditolak seluruhnya: {len(problems)} masalah; tidak ada yang disimpan",
                                      f"the file is refused whole: {len(problems)} problem(s); nothing was saved"),
                                 problems)
    return done


def import_apbd(bind: Bind, data: bytes, filename: str, principal: Principal, *,
                now: datetime | None = None) -> ImportReport:
    """New projects from APBD budget lines; each row's agency must be one of the importer's (admins: any)."""
    rows = read_table(data, filename)
    now = now or lifecycle.now_utc()
    spec = lifecycle.service_spec(lifecycle.SERVICE)

    def one(conn: Connection, number: int, row: dict[str, Any]) -> str:
        missing = _missing(row, APBD_REQUIRED)
        if missing:
            raise FormRejected(Said("kolom kosong", "empty columns"),
                               [Said(f"{', '.join(missing)} wajib diisi", f"{', '.join(missing)} required")])
        agency = _cell(row["agency"]).upper()
        lifecycle.staff_of(principal, agency)  # Forbidden: said for this row, the file refused
        try:
            pagu = rupiah(row["pagu"])
        except ValueError:
            raise FormRejected(Said("pagu", "budget"), [Said(f"pagu {_cell(row['pagu'])!r} bukan jumlah rupiah",
                                                             f"budget {_cell(row['pagu'])!r} is not an amount")]) from None
        lon, lat = _place(conn, row)
        fields = {"nama_proyek": _cell(row["nama_proyek"]), "jenis": _cell(row.get("jenis")).lower() or "lainnya",
                  "tahun_anggaran": _cell(row["tahun_anggaran"]), "kode_rekening": _cell(row["kode_rekening"]),
                  "pagu": str(pagu), "address": _cell(row.get("address")) or None}
        return lifecycle.plan_within(conn, spec, {k: v for k, v in fields.items() if v is not None}, lon=lon, lat=lat,
                                     agency=agency, actor=principal.actor, now=now, source="import")

    return ImportReport("apbd", len(rows), _load(bind, rows, principal, one))


def _place(conn: Connection, row: Mapping[str, Any]) -> tuple[Any, Any]:
    """lon/lat as given, else a point surely inside the kelurahan the row names (staff move it on the map)."""
    if _cell(row.get("lon")) or _cell(row.get("lat")):
        return _cell(row.get("lon")).replace(",", "."), _cell(row.get("lat")).replace(",", ".")
    code = _cell(row.get("kode_kel"))
    point = conn.execute(queries.kelurahan_point(), {"kode_kel": code}).first() if code else None
    if point is None:
        raise FormRejected(Said("lokasi", "location"), [Said(
            f"lokasi: isi lon/lat atau kode_kel kelurahan di Kota Medan ({code or 'kosong'})",
            f"location: give lon/lat or the code of a kelurahan of Medan ({code or 'empty'})")])
    return point[0], point[1]


def import_sirup(bind: Bind, data: bytes, filename: str, principal: Principal, *,
                 now: datetime | None = None) -> ImportReport:
    """Procurement plans from a SiRUP export: each row moves its planned project (matched by fiscal year and
    budget line, among the projects the importer reaches) to `procurement` with its RUP code, method and
    schedule."""
    rows = read_table(data, filename)
    now = now or lifecycle.now_utc()

    def one(conn: Connection, number: int, row: dict[str, Any]) -> str:
        missing = _missing(row, SIRUP_REQUIRED)
        if missing:
            raise FormRejected(Said("kolom kosong", "empty columns"),
                               [Said(f"{', '.join(missing)} wajib diisi", f"{', '.join(missing)} required")])
        method = METHODS.get(_key(row["metode"]))
        if method is None:
            raise FormRejected(Said("metode", "method"), [Said(
                f"metode {_cell(row['metode'])!r} tidak dikenal ({', '.join(sorted(set(METHODS.values())))})",
                f"unknown method {_cell(row['metode'])!r}")])
        try:
            start, end = a_date(row["jadwal_mulai"]), a_date(row["jadwal_selesai"])
        except ValueError:
            raise FormRejected(Said("jadwal", "schedule"), [Said(
                "jadwal: tanggal harus TTTT-BB-HH atau HH/BB/TTTT", "schedule: dates must be YYYY-MM-DD or DD/MM/YYYY")]) from None
        year = _cell(row["tahun_anggaran"])
        ref = conn.execute(queries.budget_line_cases(), {"tahun": int(year) if year.isdigit() else -1,
                                                          "kode": _cell(row["kode_rekening"])}).scalar_one_or_none()
        if ref is None:
            raise FormRejected(Said("proyek", "project"), [Said(
                f"tidak ada proyek dengan kode rekening {_cell(row['kode_rekening'])} tahun {_cell(row['tahun_anggaran'])}",
                f"no project on budget line {_cell(row['kode_rekening'])} of {_cell(row['tahun_anggaran'])}")])
        lifecycle.advance_within(conn, ref, "procurement", {"kode_rup": _cell(row["kode_rup"]), "metode": method,
                                                            "jadwal_mulai": start, "jadwal_selesai": end},
                                 principal, note="Rencana pengadaan dari SiRUP / procurement plan from SiRUP", now=now)
        return ref

    return ImportReport("sirup", len(rows), _load(bind, rows, principal, one))
