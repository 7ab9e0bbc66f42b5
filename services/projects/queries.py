"""The projects service's SQL: small builders over its own layers (identifiers from the registry's Table
objects, quoted by SQLAlchemy; values always bound)."""

from __future__ import annotations

from sqlalchemy import Select, TextClause, func, select, text

from layers.tables import layer_table

PUBLIC_LAYER = "projects_public"
PROGRESS_LAYER = "project_progress"
CASE_LAYER = "projects"


def budget_line_cases() -> TextClause:
    return text("SELECT case_ref FROM layers.projects WHERE tahun_anggaran = :tahun AND kode_rekening = :kode")


def kelurahan_point() -> TextClause:
    """A point surely inside the kelurahan :kode_kel."""
    return text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM layers.kelurahan "
                "WHERE kode_kel = :kode_kel) s")


def count_reports() -> TextClause:
    return text("SELECT count(*) FROM layers.project_progress WHERE case_ref = :case_ref")


def select_public_projects(*, year: int | None, status: str | None, agency: str | None, kode_kec: str | None,
                           delayed: bool | None, limit: int) -> Select:
    """The public register's rows (every public column and the point), filtered, newest fiscal year first."""
    table = layer_table(PUBLIC_LAYER)
    columns = [c for c in table.c if c.name not in ("geom", "fid", "version", "updated_at")]
    query = select(*columns, func.ST_X(table.c.geom).label("lon"), func.ST_Y(table.c.geom).label("lat"))
    if year is not None:
        query = query.where(table.c.tahun_anggaran == year)
    if status is not None:
        query = query.where(table.c.status == status)
    if agency is not None:
        query = query.where(table.c.agency == agency)
    if kode_kec is not None:
        kelurahan = layer_table("kelurahan")
        query = query.where(table.c.kode_kel.in_(select(kelurahan.c.kode_kel).where(kelurahan.c.kode_kec == kode_kec)))
    if delayed is not None:
        query = query.where(func.coalesce(table.c.terlambat, False) == delayed)
    return query.order_by(table.c.tahun_anggaran.desc(), table.c.case_ref).limit(limit)


def select_public_project() -> Select:
    table = layer_table(PUBLIC_LAYER)
    columns = [c for c in table.c if c.name not in ("geom", "fid", "version", "updated_at")]
    return select(*columns, func.ST_X(table.c.geom).label("lon"), func.ST_Y(table.c.geom).label("lat")).where(
        table.c.case_ref == text(":case_ref").bindparams())


def select_reports() -> TextClause:
    """A project's progress reports, oldest first, without who wrote them (that is in the staff history)."""
    return text("""
        SELECT laporan_id, tanggal, dilaporkan, progres_fisik, progres_keuangan, progres_rencana, terlambat,
               koreksi, catatan, berkas_foto IS NOT NULL AS ada_foto
        FROM layers.project_progress WHERE case_ref = :case_ref ORDER BY tanggal, dilaporkan, laporan_id""")


def select_report_photo() -> TextClause:
    return text("SELECT berkas_foto FROM layers.project_progress WHERE case_ref = :case_ref AND laporan_id = :laporan_id "
                "AND berkas_foto IS NOT NULL")


def select_public_stage_events() -> TextClause:
    """The stage changes of a project (the engine's public events), without the actor."""
    return text("""
        SELECT at, kind, from_state, to_state, note FROM engine.case_events
        WHERE service = 'proyek' AND case_ref = :case_ref AND public ORDER BY id""")


def select_construction_cases() -> TextClause:
    return text("""
        SELECT fid, case_ref, progres_fisik, progres_rencana, terlambat, keterangan_terlambat, jadwal_mulai,
               jadwal_selesai FROM layers.projects WHERE status = 'construction' ORDER BY fid FOR UPDATE""")


def select_summary() -> TextClause:
    """Counts and money per stage for the register's header (public money, no personal data)."""
    return text("""
        SELECT status, count(*) AS n, sum(pagu)::bigint AS pagu, sum(nilai_kontrak)::bigint AS nilai_kontrak,
               count(*) FILTER (WHERE terlambat) AS terlambat
        FROM layers.projects_public WHERE (CAST(:tahun AS integer) IS NULL OR tahun_anggaran = :tahun)
        GROUP BY status""")


def select_monthly_progress() -> TextClause:
    """Per kecamatan (of the report's kelurahan) and month between :start and :end, over projects in
    construction or done at the month's end: their latest report on or before it (physical %, delay flag).
    Rolled up with GROUPING SETS so the whole city (kode_kec NULL) comes in the same pass."""
    return text("""
        WITH months AS (
            SELECT generate_series(date_trunc('month', CAST(:start AS date)), date_trunc('month', CAST(:end AS date)),
                                   interval '1 month')::date AS month),
        latest AS (
            SELECT DISTINCT ON (m.month, r.case_ref) m.month, r.case_ref, k.kode_kec, r.progres_fisik, r.terlambat
            FROM months m JOIN layers.project_progress r ON r.tanggal < (m.month + interval '1 month')
            LEFT JOIN layers.kelurahan k ON k.kode_kel = r.kode_kel
            ORDER BY m.month, r.case_ref, r.tanggal DESC, r.dilaporkan DESC)
        SELECT kode_kec, month, avg(progres_fisik)::float AS mean_progress,
               avg(CASE WHEN terlambat THEN 100.0 ELSE 0.0 END)::float AS delayed_share, count(*) AS n
        FROM latest GROUP BY GROUPING SETS ((kode_kec, month), (month)) ORDER BY month, kode_kec NULLS FIRST""")
