"""The archives' SQL over their own layer (arsip): full-text and place search within a row scope,
the records attached to a feature or a case, and the disposal candidates.

The full-text expression must match the index of migration 0023_dss word for word, or PostgreSQL
will not use it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, func, literal_column, or_, select

from layers.access import RowScope
from layers.rowsql import scope_clause
from layers.tables import layer_table

LAYER = "arsip"
TS_CONFIG = "simple"  # PostgreSQL has no Indonesian stemmer; 'simple' matches words as written


def document_text(t) -> object:  # noqa: ANN001
    return func.to_tsvector(literal_column(f"'{TS_CONFIG}'"),
                            func.coalesce(t.c.nomor_naskah, "") + " " + func.coalesce(t.c.judul, "") + " "
                            + func.coalesce(t.c.ringkasan, ""))


def _columns(t) -> list:  # noqa: ANN001
    return [t.c.kode_arsip, t.c.nomor_naskah, t.c.judul, t.c.jenis, t.c.tanggal, t.c.ringkasan, t.c.agency,
            t.c.klasifikasi, t.c.kelas_retensi, t.c.status_arsip, t.c.tautan_layer, t.c.tautan_kunci, t.c.case_ref,
            t.c.jenis_berkas, t.c.kode_kel, t.c.nama_kel, t.c.nama_kec,
            func.ST_X(t.c.geom).label("lon"), func.ST_Y(t.c.geom).label("lat")]


def search(scope: RowScope | None, *, words: str | None, bbox: tuple[float, float, float, float] | None,
           kelurahan_geom: object | None, jenis: str | None, limit: int) -> Select:
    """Records the scope admits matching every condition given, best text match first, then newest."""
    t = layer_table(LAYER)
    conditions = [scope_clause(scope, t.c)]
    rank = literal_column("0.0")
    if words:
        query = func.websearch_to_tsquery(literal_column(f"'{TS_CONFIG}'"), words)
        conditions.append(document_text(t).op("@@")(query))
        rank = func.ts_rank(document_text(t), query)
    if bbox is not None:
        conditions.append(t.c.geom.op("&&")(func.ST_MakeEnvelope(*bbox, 4326)))
    if kelurahan_geom is not None:
        conditions.append(func.ST_Intersects(t.c.geom, kelurahan_geom))
    if jenis:
        conditions.append(t.c.jenis == jenis)
    ranked = rank.label("rank")
    return (select(*_columns(t), ranked).where(and_(*conditions))
            .order_by(ranked.desc(), t.c.tanggal.desc(), t.c.kode_arsip).limit(limit))


def kelurahan_geometry(kode_kel: str) -> Select:
    k = layer_table("kelurahan")
    return select(k.c.geom).where(k.c.kode_kel == kode_kel)


def one(kode_arsip: str) -> Select:
    t = layer_table(LAYER)
    return select(*_columns(t), t.c.berkas_simpanan).where(t.c.kode_arsip == kode_arsip)


def attached_to(scope: RowScope | None, *, layer: str | None, key: str | None, case_ref: str | None) -> Select:
    t = layer_table(LAYER)
    target = (t.c.case_ref == case_ref) if case_ref else and_(t.c.tautan_layer == layer, t.c.tautan_kunci == key)
    return select(*_columns(t)).where(target, scope_clause(scope, t.c)).order_by(t.c.tanggal.desc())


def disposal_candidates(scope: RowScope | None, classes: dict[str, tuple[int, str]], today: date) -> Select:
    """Active records whose class's active + inactive years from their date have passed by `today`,
    for classes ending in destruction or a new appraisal (permanent records are never listed)."""
    t = layer_table(LAYER)
    due = [and_(t.c.kelas_retensi == code, t.c.tanggal <= _years_before(today, years))
           for code, (years, fate) in sorted(classes.items()) if fate != "permanen"]
    return (select(*_columns(t)).where(t.c.status_arsip == "aktif", or_(*due) if due else literal_column("false"),
                                       scope_clause(scope, t.c))
            .order_by(t.c.agency, t.c.tanggal, t.c.kode_arsip))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def feature_point(layer_id: str, key: str, value: str) -> Select:
    """A feature's point (on its surface) and its row, by its declared key (any layer)."""
    t = layer_table(layer_id)
    point = func.ST_PointOnSurface(t.c.geom)
    return select(t, func.ST_X(point).label("lon"), func.ST_Y(point).label("lat")).where(t.c[key] == value)


def kelurahan_at(lon: float, lat: float) -> Select:
    k = layer_table("kelurahan")
    return (select(k.c.kode_kel, k.c.nama_kel, k.c.nama_kec)
            .where(func.ST_Intersects(k.c.geom, func.ST_SetSRID(func.ST_Point(lon, lat), 4326))).limit(1))


def kelurahan_point(kode_kel: str) -> Select:
    k = layer_table("kelurahan")
    point = func.ST_PointOnSurface(k.c.geom)
    return select(func.ST_X(point).label("lon"), func.ST_Y(point).label("lat")).where(k.c.kode_kel == kode_kel)
