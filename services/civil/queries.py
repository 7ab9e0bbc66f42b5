"""Civil registration's SQL over its own layer: issued registrations counted per kelurahan, month and kind.

Only counts leave these queries; no row, name or point of layers.civil_cases does.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

CASE_LAYER = "civil_cases"


def counts_of_month() -> TextClause:
    """Issued registrations of :kind whose event (a birth: the date of birth) falls in month :month
    (YYYY-MM), per kelurahan code."""
    return text("""
        SELECT kode_kel, count(*)::int AS n
        FROM layers.civil_cases
        WHERE status = 'issued' AND service = :kind
          AND left(coalesce(tanggal_peristiwa, tanggal_lahir), 7) = :month
        GROUP BY kode_kel""")


def months_with_records() -> TextClause:
    return text("""
        SELECT DISTINCT left(coalesce(tanggal_peristiwa, tanggal_lahir), 7) AS month
        FROM layers.civil_cases WHERE status = 'issued' ORDER BY 1""")


def kelurahan_list() -> TextClause:
    return text("SELECT kode_kel, nama_kel, nama_kec FROM layers.kelurahan ORDER BY kode_kel")


def kelurahan_outlines() -> TextClause:
    """Every kelurahan's outline simplified for a city-wide choropleth (about 10 m)."""
    return text("SELECT kode_kel, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0001), 6) AS geometry "
                "FROM layers.kelurahan ORDER BY kode_kel")
