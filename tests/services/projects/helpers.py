"""What the projects tests share: principals, a point inside Medan, a project taken to a stage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, text

from layers.access import Principal
from services.projects import lifecycle

AGENCY = "DSDABMBK"
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 WIB


def staff(agency: str = AGENCY, user_id: int = 701) -> Principal:
    return Principal(actor=f"user:{user_id}", roles=frozenset({"staff"}), agencies=frozenset({agency}),
                     user_id=user_id)


def citizen(user_id: int = 702) -> Principal:
    return Principal(actor=f"user:{user_id}", roles=frozenset({"citizen"}), user_id=user_id)


def point_in(conn: Connection) -> tuple[float, float]:
    lon, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                                 "FROM layers.kelurahan ORDER BY kode_kel LIMIT 1) s")).one()
    return lon, lat


def budget_line(**overrides: Any) -> dict[str, Any]:
    fields = {"nama_proyek": "Peningkatan Jalan Contoh", "jenis": "jalan", "tahun_anggaran": "2026",
              "kode_rekening": "1.03.10.2.01.9001", "pagu": "2500000000", "address": "Jl. Contoh"}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def row(conn: Connection, case_ref: str) -> dict[str, Any]:
    return dict(conn.execute(text("SELECT * FROM layers.projects WHERE case_ref = :r"), {"r": case_ref}).mappings().one())


def planned(conn: Connection, **overrides: Any) -> str:
    lon, lat = point_in(conn)
    return lifecycle.plan_project(conn, budget_line(**overrides), lon=lon, lat=lat, agency=AGENCY, principal=staff(),
                                  now=NOW)


def in_construction(conn: Connection, **overrides: Any) -> str:
    """A project planned, its procurement plan announced, tendered and contracted (2026-03-01 .. 2026-10-31)."""
    ref = planned(conn, **overrides)
    who = staff()
    lifecycle.advance(conn, ref, "procurement", {"kode_rup": "RUP-1", "metode": "tender",
                                                 "jadwal_mulai": "2026-03-01", "jadwal_selesai": "2026-10-31"},
                      who, now=NOW)
    lifecycle.advance(conn, ref, "tender", {"jumlah_paket": "1"}, who, now=NOW)
    lifecycle.advance(conn, ref, "construction", {"jumlah_peserta": "6", "penyedia": "CV Maju Bersama",
                                                  "nomor_kontrak": "01/SPK/2026", "nilai_kontrak": "2300000000"},
                      who, now=NOW)
    return ref


def report(conn: Connection, ref: str, physical: Any, financial: Any, on: date | str, *, now: datetime = NOW,
           **kwargs: Any) -> str:
    return lifecycle.report_progress(conn, ref, lifecycle.ProgressReport(physical=physical, financial=financial, on=on,
                                                                         **kwargs), staff(), now=now)
