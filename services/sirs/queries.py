"""SIRS's SQL: its own tables (schema `sirs`) and the hospitals of the `health_facilities` layer.

Statements only, values always bound; the modules beside this one run them.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

HOSPITAL_KIND = "Rumah Sakit"  # health_facilities.jenis of a hospital


def hospital() -> TextClause:
    """One hospital by :kode (None when the code is no hospital of the layer)."""
    return text("""
        SELECT kode_faskes, nama, alamat, nama_kel, nama_kec, ST_X(geom) AS lon, ST_Y(geom) AS lat
        FROM layers.health_facilities WHERE kode_faskes = :kode AND jenis = 'Rumah Sakit'""")


def hospitals_with_beds() -> TextClause:
    """Every hospital with its latest line per class (LEFT JOIN: one that never reported is listed too),
    nearest to (:lon, :lat) first when they are given, else by name."""
    return text("""
        SELECT h.kode_faskes, h.nama, h.alamat, h.nama_kel, h.nama_kec,
               ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
               CASE WHEN CAST(:lon AS double precision) IS NULL THEN NULL
                    ELSE ST_Distance(h.geom::geography,
                                     ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) END AS distance_m,
               b.kelas, b.kapasitas, b.tersedia, b.reported_at, b.source,
               max(b.reported_at) OVER (PARTITION BY h.kode_faskes) AS last_report
        FROM layers.health_facilities h
        LEFT JOIN sirs.beds b ON b.kode_faskes = h.kode_faskes
        WHERE h.jenis = 'Rumah Sakit'
        ORDER BY distance_m NULLS LAST, h.nama, h.kode_faskes, b.kelas""")


def current_beds() -> TextClause:
    return text("SELECT kelas, kapasitas, tersedia, reported_at, reported_by, source FROM sirs.beds "
                "WHERE kode_faskes = :kode ORDER BY kelas")


def upsert_bed() -> TextClause:
    return text("""
        INSERT INTO sirs.beds (kode_faskes, kelas, kapasitas, tersedia, reported_at, reported_by, source)
        VALUES (:kode, :kelas, :kapasitas, :tersedia, :at, :actor, :source)
        ON CONFLICT (kode_faskes, kelas) DO UPDATE SET kapasitas = EXCLUDED.kapasitas,
            tersedia = EXCLUDED.tersedia, reported_at = EXCLUDED.reported_at,
            reported_by = EXCLUDED.reported_by, source = EXCLUDED.source""")


def insert_report() -> TextClause:
    return text("""
        INSERT INTO sirs.bed_reports (kode_faskes, kelas, kapasitas, tersedia, reported_at, reported_by, via, source)
        VALUES (:kode, :kelas, :kapasitas, :tersedia, :at, :actor, :via, :source)""")


def history() -> TextClause:
    """Every report of hospital :kode since :since, oldest first (the chart)."""
    return text("""
        SELECT kelas, kapasitas, tersedia, reported_at FROM sirs.bed_reports
        WHERE kode_faskes = :kode AND reported_at >= :since ORDER BY kelas, reported_at""")


def hospitals_seeded() -> TextClause:
    return text("SELECT count(DISTINCT kode_faskes) FROM sirs.bed_reports WHERE via = 'seed'")


def all_hospitals() -> TextClause:
    return text("SELECT kode_faskes, nama FROM layers.health_facilities WHERE jenis = 'Rumah Sakit' "
                "ORDER BY kode_faskes")


def insert_token() -> TextClause:
    return text("""
        INSERT INTO sirs.report_tokens (kode_faskes, label, prefix, token_sha256, created_by)
        VALUES (:kode, :label, :prefix, :digest, :actor) RETURNING id, created_at""")


def token_by_digest() -> TextClause:
    return text("SELECT id, kode_faskes, revoked_at FROM sirs.report_tokens WHERE token_sha256 = :digest")


def touch_token() -> TextClause:
    return text("UPDATE sirs.report_tokens SET last_used_at = now() WHERE id = :id")


def revoke_token() -> TextClause:
    return text("""
        UPDATE sirs.report_tokens SET revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, :actor)
        WHERE id = :id RETURNING id, kode_faskes, label, prefix, revoked_at""")


def list_tokens() -> TextClause:
    return text("""
        SELECT id, kode_faskes, label, prefix, created_at, created_by, last_used_at, revoked_at, revoked_by
        FROM sirs.report_tokens WHERE CAST(:kode AS text) IS NULL OR kode_faskes = :kode ORDER BY id DESC""")
