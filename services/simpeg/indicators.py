"""SIMPEG's indicator for the dashboard (services/simpeg/indicators.yaml, the dss room's loader)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from services.simpeg import queries


def attendance_by_kecamatan(conn: Connection, *, start: date, end: date) -> list[dict[str, Any]]:
    """Staff attendance (%) of the kecamatan and kelurahan offices per kecamatan and month; kode_kec None:
    the whole city. `n`: the staff-days expected at work (leave left out) behind the figure."""
    return [{"kode_kec": r["kode_kec"], "month": r["month"], "n": int(r["expected"]),
             "value": round(100 * r["present"] / r["expected"], 1) if r["expected"] else 0.0}
            for r in queries.kecamatan_months(conn, start, end)]
