"""SIRS's indicator for the dashboard (services/sirs/indicators.yaml): bed occupancy per kecamatan and month."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

OCCUPANCY = text("""
    WITH lines AS (
        SELECT k.kode_kec, date_trunc('month', r.reported_at AT TIME ZONE 'Asia/Jakarta')::date AS month,
               r.kapasitas, r.tersedia
        FROM sirs.bed_reports r
        JOIN layers.health_facilities h ON h.kode_faskes = r.kode_faskes
        LEFT JOIN layers.kecamatan k ON k.nama_kec = h.nama_kec
        WHERE r.kelas <> 'IGD' AND r.kapasitas > 0
          AND r.reported_at >= CAST(:start AS date) AND r.reported_at < CAST(:end AS date) + 1)
    SELECT kode_kec, month, 100.0 * sum(kapasitas - tersedia) / sum(kapasitas) AS value, count(*)::int AS n
    FROM lines GROUP BY GROUPING SETS ((kode_kec, month), (month)) ORDER BY month, kode_kec NULLS FIRST""")


def occupancy_by_kecamatan(conn: Connection, *, start: date, end: date) -> list[dict[str, Any]]:
    """One dict per (kecamatan, month), and per month for the whole city (kode_kec None)."""
    rows = conn.execute(OCCUPANCY, {"start": start, "end": end}).mappings()
    return [{"kode_kec": r["kode_kec"], "month": r["month"], "value": round(float(r["value"]), 2), "n": r["n"]}
            for r in rows]
