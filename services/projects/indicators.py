"""The projects service's indicators (indicators.yaml), in the shape every indicator of issue 19 returns:
one dict per (kecamatan, month) with `kode_kec` (None = the whole city), `month` (its first day),
`value` and `n` (how many projects are behind the figure). One SQL pass gives both indicators."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from services.projects import queries


def _monthly(conn: Connection, start: date, end: date, column: str) -> list[dict[str, Any]]:
    rows = conn.execute(queries.select_monthly_progress(), {"start": start, "end": end}).mappings().all()
    return [{"kode_kec": r["kode_kec"], "month": r["month"], "value": round(float(r[column]), 1), "n": int(r["n"])}
            for r in rows]


def progress_by_kecamatan(conn: Connection, *, start: date, end: date) -> list[dict[str, Any]]:
    """Mean physical progress (%) per kecamatan and month, each project at its latest report by the month's end."""
    return _monthly(conn, start, end, "mean_progress")


def delayed_share_by_kecamatan(conn: Connection, *, start: date, end: date) -> list[dict[str, Any]]:
    """Share (%) of the reported projects delayed at the month's end, per kecamatan and month."""
    return _monthly(conn, start, end, "delayed_share")
