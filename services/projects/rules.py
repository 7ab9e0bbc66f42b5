"""What is truly the projects service's own: the planned S-curve, the delay flag, and what each stage needs.

Pure functions of values (no database), so the web, the importer, the seed and the indicators agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.engine.said import Said

# A project is flagged delayed when its physical progress trails the planned S-curve by more than this
# many percentage points (the usual "deviasi" of SIMONEV reports: beyond -10 % a project is "kritis"),
# or when its planned end has passed before it reached 100 %.
DELAY_THRESHOLD_POINTS = 10.0
TENDER_METHODS = ("tender", "seleksi")  # the methods that go through an e-Procurement tender
DIRECT_METHODS = ("e_purchasing", "pengadaan_langsung", "penunjukan_langsung", "swakelola")


def rupiah(amount: float | int) -> str:
    """An amount as Indonesians write it: Rp1.250.000.000 (amounts are whole rupiah; the layer keeps them as
    double precision, exact to 2^53, since a project's budget passes the 32-bit integer of layer columns)."""
    return "Rp" + f"{int(round(amount)):,}".replace(",", ".")


def planned_progress(start: date, end: date, on: date) -> float:
    """The planned cumulative physical progress (%) on a day: the classic S-curve 3t² − 2t³ of the elapsed
    share t of the schedule (slow mobilisation, steady works, slow finishing), 0 before the start, 100 after."""
    if end <= start:
        return 100.0 if on >= end else 0.0
    t = min(max((on - start).days / (end - start).days, 0.0), 1.0)
    return round(100.0 * (3 * t * t - 2 * t * t * t), 1)


def delay(physical: float, planned: float, end: date | None, on: date) -> tuple[bool, str | None]:
    """Whether a project is delayed on a day, and why (Bahasa Indonesia / English), from its progress."""
    if physical >= 100.0:
        return False, None
    if end is not None and on > end:
        return True, f"melewati rencana selesai {end:%d-%m-%Y} / past the planned end {end.isoformat()}"
    gap = planned - physical
    if gap > DELAY_THRESHOLD_POINTS:
        return True, (f"tertinggal {gap:.1f} poin dari rencana".replace(".", ",")
                      + f" / {gap:.1f} points behind plan")
    return False, None


def progress_problems(previous: float | None, physical: float, financial: float, *, correction: bool,
                      note: str | None, on: date, start: date | None, today: date) -> list[Said]:
    """Why a progress report is refused ([] when it is acceptable). Progress only goes up, unless the report
    is an explicit correction that says why."""
    problems: list[Said] = []
    if on > today:
        problems.append(Said("tanggal progres: tidak boleh di masa depan", "progress date: not in the future"))
    if start is not None and on < start:
        problems.append(Said(f"tanggal progres: sebelum rencana mulai {start:%d-%m-%Y}",
                             f"progress date: before the planned start {start.isoformat()}"))
    if previous is not None and physical < previous:
        if not correction:
            problems.append(Said(f"progres fisik: tidak boleh turun dari {previous:g}% kecuali sebagai koreksi "
                                 "dengan catatan", f"physical progress: may not go down from {previous:g}% unless "
                                 "it is a correction with a note"))
        elif not (note or "").strip():
            problems.append(Said("koreksi: tuliskan alasannya di catatan", "correction: say why in the note"))
    if correction and previous is not None and physical >= previous:
        problems.append(Said("koreksi: hanya untuk menurunkan progres yang salah lapor",
                             "correction: only to lower progress reported wrongly"))
    return problems


def stage_problems(source: str, to: str, case: Mapping[str, Any]) -> list[Said]:
    """What the stage `to` needs beyond the declared `requires` (the case as it will be, data included)."""
    problems: list[Said] = []
    method = case.get("metode")
    if to == "procurement":
        start, end = case.get("jadwal_mulai"), case.get("jadwal_selesai")
        if start is not None and end is not None and end <= start:
            problems.append(Said("jadwal: rencana selesai harus sesudah rencana mulai",
                                 "schedule: the planned end must come after the planned start"))
    if to == "tender" and method not in TENDER_METHODS:
        problems.append(Said(f"metode {method} tidak melalui tender; mulai pelaksanaan langsung",
                             f"the method {method} has no tender; start construction directly"))
    if to == "construction":
        if source == "procurement" and method in TENDER_METHODS:
            problems.append(Said(f"metode {method} harus melalui tender dulu", f"the method {method} needs a tender first"))
        value, budget = case.get("nilai_kontrak"), case.get("pagu")
        if value is not None and budget is not None and value > budget:
            problems.append(Said(f"nilai kontrak {rupiah(value)} melebihi pagu {rupiah(budget)}",
                                 f"contract value {rupiah(value)} exceeds the budget {rupiah(budget)}"))
        if source == "tender" and (case.get("jumlah_peserta") or 0) < 1:
            problems.append(Said("jumlah peserta tender: paling sedikit 1 (pemenangnya)",
                                 "bidders: at least 1 (the winner)"))
    if to == "done" and (case.get("progres_fisik") or 0) < 100:
        problems.append(Said(f"progres fisik baru {case.get('progres_fisik') or 0:g}%; serah terima setelah 100%",
                             f"physical progress is {case.get('progres_fisik') or 0:g}%; hand over at 100%"))
    return problems


# The SIMBADA class a finished project becomes (KIB C buildings, KIB D roads, irrigation and networks).
KIB_OF_KIND = {"gedung": "C", "jalan": "D", "drainase": "D", "jembatan": "D", "air_bersih": "D",
               "penerangan": "D", "ruang_terbuka": "D", "lainnya": "C"}
