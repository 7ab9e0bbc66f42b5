"""School funds' indicator for the dashboard (services/schoolfunds/indicators.yaml): share spent per kecamatan."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

ABSORPTION = text("""
    WITH per_school AS (
        SELECT s.npsn, k.kode_kec, e.tahun,
               sum(e.jumlah) FILTER (WHERE e.arah = 'penerimaan') AS diterima,
               sum(e.jumlah) FILTER (WHERE e.arah = 'belanja') AS dibelanjakan
        FROM schoolfunds.entries e
        JOIN layers.schools s ON s.npsn = e.npsn AND NOT coalesce(s.lokasi_diragukan, false)
        LEFT JOIN layers.kecamatan k ON k.nama_kec = s.nama_kec
        WHERE e.tahun BETWEEN :first AND :last
        GROUP BY s.npsn, k.kode_kec, e.tahun)
    SELECT kode_kec, tahun, 100.0 * sum(coalesce(dibelanjakan, 0)) / nullif(sum(diterima), 0) AS value,
           count(*)::int AS n
    FROM per_school GROUP BY GROUPING SETS ((kode_kec, tahun), (tahun)) ORDER BY tahun, kode_kec NULLS FIRST""")


def absorption_by_kecamatan(conn: Connection, *, start: date, end: date) -> list[dict[str, Any]]:
    """One dict per (kecamatan, budget year) dated at the year's January, and per year for the city."""
    rows = conn.execute(ABSORPTION, {"first": start.year, "last": end.year}).mappings()
    return [{"kode_kec": r["kode_kec"], "month": date(r["tahun"], 1, 1), "value": round(float(r["value"]), 2),
             "n": r["n"]} for r in rows if r["value"] is not None]
