"""The counts' SQL: schema `kelcounts` and the kelurahan layer. Counts only; values always bound."""

from __future__ import annotations

from sqlalchemy import TextClause, text


def counts() -> TextClause:
    """Every kelurahan with its count of :indikator in :tahun (0 of 0 when none was recorded)."""
    return text("""
        SELECT k.kode_kel, k.nama_kel, k.kode_kec, k.nama_kec,
               coalesce(c.jumlah, 0) AS jumlah, coalesce(c.sasaran, 0) AS sasaran
        FROM layers.kelurahan k
        LEFT JOIN kelcounts.counts c ON c.kode_kel = k.kode_kel AND c.indikator = :indikator AND c.tahun = :tahun
        ORDER BY k.kode_kec, k.kode_kel""")


def outlines() -> TextClause:
    return text("SELECT kode_kel, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0001), 6) AS geometry "
                "FROM layers.kelurahan")


def years() -> TextClause:
    return text("SELECT DISTINCT tahun FROM kelcounts.counts WHERE indikator = :indikator ORDER BY tahun")


def kelurahan_codes() -> TextClause:
    return text("SELECT kode_kel FROM layers.kelurahan ORDER BY kode_kel")


def seeded() -> TextClause:
    return text("SELECT count(*) FROM kelcounts.counts WHERE source = 'synthetic'")


def insert_counts() -> TextClause:
    return text("""
        INSERT INTO kelcounts.counts (indikator, tahun, kode_kel, jumlah, sasaran, source)
        SELECT u.indikator, u.tahun, u.kode_kel, u.jumlah, u.sasaran, 'synthetic'
        FROM unnest(CAST(:indikator AS text[]), CAST(:tahun AS int[]), CAST(:kode_kel AS text[]),
                    CAST(:jumlah AS int[]), CAST(:sasaran AS int[])) AS u(indikator, tahun, kode_kel, jumlah, sasaran)
        ON CONFLICT DO NOTHING""")
