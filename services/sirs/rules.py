"""What a bed report must be: the classes hospitals report to SIRS online, and the check of one report.

Everything is checked before anything is written: a report with one bad line changes nothing, and
the error lists every problem with its line, in Bahasa Indonesia (the hospital's own staff read it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.errors import ServiceError

# The bed classes of the SIRS online report (Kemenkes): inpatient classes, intensive care,
# isolation and the emergency department. Titles in Bahasa Indonesia and English.
BED_CLASSES: dict[str, dict[str, str]] = {
    "VVIP": {"id": "VVIP", "en": "VVIP"},
    "VIP": {"id": "VIP", "en": "VIP"},
    "I": {"id": "Kelas I", "en": "Class I"},
    "II": {"id": "Kelas II", "en": "Class II"},
    "III": {"id": "Kelas III", "en": "Class III"},
    "ICU": {"id": "ICU (perawatan intensif)", "en": "ICU (intensive care)"},
    "NICU": {"id": "NICU (intensif bayi baru lahir)", "en": "NICU (neonatal intensive care)"},
    "PICU": {"id": "PICU (intensif anak)", "en": "PICU (paediatric intensive care)"},
    "ISOLASI": {"id": "Isolasi", "en": "Isolation"},
    "IGD": {"id": "IGD (gawat darurat)", "en": "Emergency (IGD)"},
}
MAX_BEDS = 5000


class BadReport(ServiceError):
    """A report refused as a whole (400): `problems` names each bad line; nothing was written."""

    code = "InvalidParameterValue"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("laporan ditolak, tidak ada yang disimpan: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class BedLine:
    """One class of a report: how many beds it has and how many are free now."""

    kelas: str
    kapasitas: int
    tersedia: int


def _count(value: Any, name: str, where: str, problems: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.append(f"{where}: {name} harus bilangan bulat")
        return None
    if isinstance(value, str):
        if not value.strip().isdigit():
            problems.append(f"{where}: {name} harus bilangan bulat 0 atau lebih, bukan {value!r}")
            return None
        value = int(value.strip())
    if not 0 <= value <= MAX_BEDS:
        problems.append(f"{where}: {name} harus antara 0 dan {MAX_BEDS}, bukan {value}")
        return None
    return value


def _line(raw: Any, where: str, problems: list[str]) -> BedLine | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: harus objek {{kelas, kapasitas, tersedia}}")
        return None
    kelas = str(raw.get("kelas", "")).strip().upper()
    if kelas not in BED_CLASSES:
        problems.append(f"{where}: kelas {raw.get('kelas')!r} tidak dikenal; pilih {', '.join(BED_CLASSES)}")
        return None
    capacity = _count(raw.get("kapasitas"), "kapasitas", f"{where} ({kelas})", problems)
    free = _count(raw.get("tersedia"), "tersedia", f"{where} ({kelas})", problems)
    if capacity is None or free is None:
        return None
    if free > capacity:
        problems.append(f"{where} ({kelas}): tersedia {free} melebihi kapasitas {capacity}")
        return None
    return BedLine(kelas, capacity, free)


def check_report(lines: Any) -> list[BedLine]:
    """The lines of a report as BedLines, or BadReport naming every problem (no partial report)."""
    if not isinstance(lines, Sequence) or isinstance(lines, str | bytes) or not lines:
        raise BadReport(["'tempat_tidur' harus daftar berisi paling sedikit satu kelas"])
    problems: list[str] = []
    checked = [_line(raw, f"baris {i}", problems) for i, raw in enumerate(lines, start=1)]
    seen: set[str] = set()
    for line in checked:
        if line is not None and line.kelas in seen:
            problems.append(f"kelas {line.kelas} dilaporkan dua kali")
        if line is not None:
            seen.add(line.kelas)
    if problems:
        raise BadReport(problems)
    return [line for line in checked if line is not None]
