"""What the public sees of the city's projects (the transparency map and register): every project with its
budget, method, contractor (a company, not personal data), contract value, progress, stage and dated photos;
never a staff member's name or phone (those live in the staff-only `projects` layer and its history).

Reads the derived `projects_public` layer and the `project_progress` reports; Flask-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from layers.tables import Bind, reading
from services.engine import media
from services.engine.said import CaseNotFound, FormRejected, Said
from services.projects import queries

STAGES = ("planned", "procurement", "tender", "construction", "done", "cancelled")
MAX_ROWS = 2000


@dataclass(frozen=True)
class Filters:
    """The register's filters, checked (a bad one is a 400 that says which)."""

    year: int | None = None
    status: str | None = None
    agency: str | None = None
    kode_kec: str | None = None
    delayed: bool | None = None

    @classmethod
    def parse(cls, args: dict[str, str]) -> Filters:
        problems: list[Said] = []
        year = None
        if args.get("tahun"):
            if args["tahun"].isdigit() and 2000 <= int(args["tahun"]) <= 2100:
                year = int(args["tahun"])
            else:
                problems.append(Said("tahun: 4 angka, 2000–2100", "tahun: a year, 2000-2100"))
        status = args.get("tahap") or None
        if status is not None and status not in STAGES:
            problems.append(Said(f"tahap: salah satu dari {', '.join(STAGES)}", f"tahap: one of {', '.join(STAGES)}"))
        agency = (args.get("skpd") or "").strip().upper() or None
        if agency is not None and not agency.replace("_", "").isalnum():
            problems.append(Said("skpd: kode SKPD (huruf)", "skpd: an agency code (letters)"))
        delayed = {"1": True, "0": False, "": None}.get(args.get("terlambat", ""), "bad")
        if delayed == "bad":
            problems.append(Said("terlambat: 1 atau 0", "terlambat: 1 or 0"))
        if problems:
            raise FormRejected(Said("filter tidak sah", "invalid filter"), problems)
        return cls(year, status, agency, (args.get("kec") or "").strip() or None, delayed)  # type: ignore[arg-type]


def _plain(row: Any) -> dict[str, Any]:
    out = {}
    for key, value in dict(row).items():
        if isinstance(value, date):
            value = value.isoformat()
        elif key in ("pagu", "nilai_kontrak") and value is not None:
            value = int(round(value))  # whole rupiah
        out[key] = value
    return out


def projects(bind: Bind, filters: Filters) -> list[dict[str, Any]]:
    """The register's rows as plain values (dates ISO, rupiah whole), with lon/lat."""
    with reading(bind) as conn:
        rows = conn.execute(queries.select_public_projects(year=filters.year, status=filters.status,
                                                           agency=filters.agency, kode_kec=filters.kode_kec,
                                                           delayed=filters.delayed, limit=MAX_ROWS)).mappings()
        return [_plain(r) for r in rows]


def as_geojson(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r["case_ref"], "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {k: v for k, v in r.items() if k not in ("lon", "lat", "source")} | {"sumber": r["source"]}}
        for r in rows]}


def summary(bind: Bind, year: int | None) -> dict[str, Any]:
    """Per stage: how many projects, their budgets and contract values, how many delayed; and the totals."""
    with reading(bind) as conn:
        rows = {r["status"]: dict(r) for r in conn.execute(queries.select_summary(), {"tahun": year}).mappings()}
    stages = [{"status": s, "n": rows.get(s, {}).get("n", 0), "pagu": rows.get(s, {}).get("pagu") or 0,
               "nilai_kontrak": rows.get(s, {}).get("nilai_kontrak") or 0,
               "terlambat": rows.get(s, {}).get("terlambat", 0)} for s in STAGES]
    return {"stages": stages, "n": sum(s["n"] for s in stages), "pagu": sum(s["pagu"] for s in stages),
            "terlambat": sum(s["terlambat"] for s in stages)}


def project(bind: Bind, case_ref: str) -> dict[str, Any]:
    """One project's public page: its register row, its progress reports (dated, with photo links) and its
    stage history (when, from, to, the public note; never who)."""
    with reading(bind) as conn:
        row = conn.execute(queries.select_public_project(), {"case_ref": case_ref}).mappings().one_or_none()
        if row is None:
            raise CaseNotFound(Said(f"proyek {case_ref} tidak ditemukan", f"no project {case_ref}"))
        reports = [_plain(r) for r in conn.execute(queries.select_reports(), {"case_ref": case_ref}).mappings()]
        stages = [dict(r) for r in conn.execute(queries.select_public_stage_events(), {"case_ref": case_ref}).mappings()]
    return {"project": _plain(row), "reports": reports, "stages": stages}


def report_photo(bind: Bind, case_ref: str, laporan_id: str) -> Path:
    """The public copy of a report's photo (at most 1280 px, no EXIF/GPS: services/engine/media.py)."""
    with reading(bind) as conn:
        name = conn.execute(queries.select_report_photo(), {"case_ref": case_ref, "laporan_id": laporan_id}).scalar()
    if name is None:
        raise CaseNotFound(Said("foto tidak ditemukan", "no such photo"))
    try:
        return media.web_copy(name)
    except (FileNotFoundError, OSError):
        raise CaseNotFound(Said("foto tidak ditemukan", "no such photo")) from None
