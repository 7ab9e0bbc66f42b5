"""Saving and reading a school's funds: every row checked (format, school, who may write it) before any
write; then one transaction that writes the rows and their history (old and new amount, who, how).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine

from layers.access import Principal, acts_for_unit, unit_code
from services.errors import NotFound, ServiceError
from services.schoolfunds import queries
from services.schoolfunds.rules import RECEIVED, SPENT, BadEntries, Entry, check_rows

OVERSEERS = frozenset({"DISDIK"})  # the education office may enter any school's figures
SOURCE_ENTERED = "laporan sekolah"


class NotAllowed(ServiceError):
    status = 403
    code = "Forbidden"


def may_edit(principal: Principal, npsn: str) -> bool:
    """A school's treasurer (staff holding SEKOLAH-<npsn>), DISDIK staff, admins (layers.access)."""
    return acts_for_unit(principal, unit_code("SEKOLAH", npsn), OVERSEERS)


def _refuse_others(conn: Connection, entries: list[Entry], principal: Principal, first_line: int) -> None:
    known = set(conn.execute(queries.schools_known(), {"npsns": sorted({e.npsn for e in entries})}).scalars())
    problems = []
    for i, entry in enumerate(entries):
        if entry.npsn not in known:
            problems.append(f"baris {first_line + i}: tidak ada sekolah dengan NPSN {entry.npsn}")
        elif not may_edit(principal, entry.npsn):
            problems.append(f"baris {first_line + i}: Anda bukan bendahara sekolah NPSN {entry.npsn}")
    if problems:  # per row, as the file's other mistakes: the sender fixes them in one go
        raise BadEntries(problems)


def save(engine: Engine, rows: list[Mapping[str, Any]], principal: Principal, *, via: str,
         first_line: int = 1, students: Mapping[tuple[str, int], int] | None = None) -> int:
    """Write checked rows (all or nothing) with history; returns how many rows changed."""
    entries = check_rows(rows, first_line)
    changed = 0
    with engine.begin() as conn:
        _refuse_others(conn, entries, principal, first_line)
        for entry in entries:
            key = {"npsn": entry.npsn, "tahun": entry.tahun, "arah": entry.arah, "kategori": entry.kategori}
            old = conn.execute(queries.lock_entry(), key).scalar()
            if old == entry.jumlah:
                continue
            values = {**key, "jumlah": entry.jumlah, "old": old, "actor": principal.actor, "via": via,
                      "source": SOURCE_ENTERED}
            conn.execute(queries.upsert_entry(), values)
            conn.execute(queries.insert_history(), values)
            changed += 1
        for (npsn, year), count in (students or {}).items():
            if not may_edit(principal, npsn):
                raise NotAllowed(f"Anda bukan bendahara sekolah NPSN {npsn}")
            conn.execute(queries.upsert_students(), {"npsn": npsn, "tahun": year, "siswa": count,
                                                     "actor": principal.actor, "source": SOURCE_ENTERED})
    return changed


def school_funds(engine: Engine, npsn: str, lang: str = "id") -> dict[str, Any]:
    """A school and its funds per year: received by source, spent by BOS component, totals, share spent."""
    with engine.connect() as conn:
        school = conn.execute(queries.school(), {"npsn": npsn}).mappings().first()
        if school is None:
            raise NotFound(f"tidak ada sekolah dengan NPSN {npsn!r}")
        rows = conn.execute(queries.entries_of_school(), {"npsn": npsn}).mappings().all()
        pupils = dict(conn.execute(queries.students_of_school(), {"npsn": npsn}).all())
    years: dict[int, dict[str, Any]] = {}
    for row in rows:
        year = years.setdefault(row["tahun"], {"tahun": row["tahun"], "penerimaan": [], "belanja": [],
                                               "siswa": pupils.get(row["tahun"]), "sintetis": False})
        titles = RECEIVED if row["arah"] == "penerimaan" else SPENT
        year[row["arah"]].append({"kategori": row["kategori"], "judul": titles[row["kategori"]][lang],
                                  "jumlah": row["jumlah"]})
        year["sintetis"] = year["sintetis"] or row["source"] == "synthetic"
    for year in years.values():
        year["total_penerimaan"] = sum(x["jumlah"] for x in year["penerimaan"])
        year["total_belanja"] = sum(x["jumlah"] for x in year["belanja"])
        received = year["total_penerimaan"]
        year["persen_terserap"] = round(100 * year["total_belanja"] / received, 1) if received else None
        bos = sum(x["jumlah"] for x in year["penerimaan"] if x["kategori"] in ("bos_reguler", "bos_kinerja"))
        year["bos_per_siswa"] = round(bos / year["siswa"]) if year["siswa"] else None
    return {"sekolah": dict(school), "tahun": sorted(years.values(), key=lambda y: -y["tahun"])}


def history(engine: Engine, npsn: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(queries.history_of_school(), {"npsn": npsn}).mappings()]
