"""The categories of school funds and the check of entered rows (all rows checked before any write).

Received (`penerimaan`): the sources of a school budget (APBS). Spent (`belanja`): the components of
BOS spending (Permendikbudristek 63/2022 on BOSP), the categories a school reports its BOS use in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.errors import ServiceError

RECEIVED: dict[str, dict[str, str]] = {
    "bos_reguler": {"id": "BOS Reguler (APBN)", "en": "Regular BOS (national budget)"},
    "bos_kinerja": {"id": "BOS Kinerja", "en": "Performance BOS"},
    "bosda": {"id": "BOS Daerah (APBD Kota Medan)", "en": "Regional BOS (city budget)"},
    "komite": {"id": "Sumbangan komite/masyarakat", "en": "School committee and community"},
    "lainnya": {"id": "Penerimaan lain", "en": "Other income"},
}
SPENT: dict[str, dict[str, str]] = {
    "ppdb": {"id": "Penerimaan peserta didik baru", "en": "New pupil admission"},
    "perpustakaan": {"id": "Pengembangan perpustakaan", "en": "Library"},
    "pembelajaran": {"id": "Kegiatan pembelajaran dan ekstrakurikuler", "en": "Teaching and extracurricular"},
    "asesmen": {"id": "Asesmen dan evaluasi pembelajaran", "en": "Assessment and evaluation"},
    "administrasi": {"id": "Administrasi kegiatan sekolah", "en": "School administration"},
    "profesi_gtk": {"id": "Pengembangan profesi guru dan tenaga kependidikan", "en": "Teacher development"},
    "daya_jasa": {"id": "Langganan daya dan jasa", "en": "Utilities and services"},
    "sarpras": {"id": "Pemeliharaan sarana dan prasarana", "en": "Maintenance of facilities"},
    "multimedia": {"id": "Alat multimedia pembelajaran", "en": "Multimedia teaching equipment"},
    "kompetensi_smk": {"id": "Peningkatan kompetensi keahlian (SMK)", "en": "Vocational skills (SMK)"},
    "keterserapan": {"id": "Keterserapan lulusan (SMK)", "en": "Graduate placement (SMK)"},
    "honor": {"id": "Pembayaran honor", "en": "Honoraria"},
}
CATEGORIES = {"penerimaan": RECEIVED, "belanja": SPENT}
MAX_AMOUNT = 100_000_000_000  # Rp 100 billion: above any school's year
NPSN = re.compile(r"^[0-9A-Z]{8}$")


class BadEntries(ServiceError):
    """Rows refused as a whole (400): `problems` names each bad row; nothing was written."""

    code = "InvalidParameterValue"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("tidak ada yang disimpan: " + "; ".join(problems[:50])
                         + (f"; dan {len(problems) - 50} masalah lain" if len(problems) > 50 else ""))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    npsn: str
    tahun: int
    arah: str
    kategori: str
    jumlah: int


# Whole rupiah as typed in Indonesia: digits, optionally grouped by dots (1.500.000); never decimals.
WHOLE = re.compile(r"^[0-9]+$|^[0-9]{1,3}(\.[0-9]{3})+$")


def _int(value: Any, name: str, where: str, problems: list[str], low: int, high: int) -> int | None:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)  # a spreadsheet's number cell
    elif isinstance(value, str) and WHOLE.match(value.strip()):
        number = int(value.strip().replace(".", ""))
    if number is None:
        problems.append(f"{where}: {name} harus bilangan bulat (mis. 1500000 atau 1.500.000), bukan {value!r}")
        return None
    if not low <= number <= high:
        problems.append(f"{where}: {name} harus antara {low} dan {high}, bukan {number}")
        return None
    return number


def check_row(raw: Mapping[str, Any], where: str, problems: list[str]) -> Entry | None:
    """One row {npsn, tahun, arah, kategori, jumlah} as an Entry, or None with its problems added."""
    before = len(problems)
    npsn = str(raw.get("npsn") or "").strip().upper()
    if not NPSN.match(npsn):
        problems.append(f"{where}: NPSN {raw.get('npsn')!r} tidak sah (8 angka/huruf)")
    year = _int(raw.get("tahun"), "tahun", where, problems, 2000, 2100)
    direction = str(raw.get("arah") or "").strip().lower()
    category = str(raw.get("kategori") or "").strip().lower()
    if direction not in CATEGORIES:
        problems.append(f"{where}: arah {raw.get('arah')!r} harus 'penerimaan' atau 'belanja'")
    elif category not in CATEGORIES[direction]:
        problems.append(f"{where}: kategori {raw.get('kategori')!r} bukan kategori {direction}; "
                        f"pilih {', '.join(CATEGORIES[direction])}")
    amount = _int(raw.get("jumlah"), "jumlah (Rp)", where, problems, 0, MAX_AMOUNT)
    if len(problems) > before or year is None or amount is None:
        return None
    return Entry(npsn, year, direction, category, amount)


def check_rows(rows: list[Mapping[str, Any]], first_line: int = 1) -> list[Entry]:
    """Every row checked (its line number named), or BadEntries listing all problems; duplicates refused."""
    if not rows:
        raise BadEntries(["tidak ada baris"])
    problems: list[str] = []
    entries = [check_row(raw, f"baris {first_line + i}", problems) for i, raw in enumerate(rows)]
    seen: dict[tuple, int] = {}
    for i, entry in enumerate(entries):
        if entry is None:
            continue
        key = (entry.npsn, entry.tahun, entry.arah, entry.kategori)
        if key in seen:
            problems.append(f"baris {first_line + i}: sama dengan baris {seen[key]} ({entry.arah} {entry.kategori})")
        seen.setdefault(key, first_line + i)
    if problems:
        raise BadEntries(problems)
    return [e for e in entries if e is not None]
