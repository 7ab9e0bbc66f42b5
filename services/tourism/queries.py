"""The tourism service's SQL over its own layers: sites (optionally of some kinds), and walks."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from layers.access import RowScope
from layers.rowsql import scope_clause
from layers.tables import layer_table

SITES, WALKS = "tourism_sites", "tourism_walks"
SITE_FIELDS = ("kode_wisata", "nama", "jenis", "uraian_id", "uraian_en", "alamat", "jam_buka", "kursi_roda",
               "toilet", "parkir", "foto", "sumber_lokasi", "ketelitian_m", "nama_kel", "nama_kec")
WALK_FIELDS = ("kode_rute", "nama_id", "nama_en", "uraian_id", "uraian_en", "halte", "jarak_m", "waktu_menit")


def sites(scope: RowScope | None, *, kinds: tuple[str, ...] = (), code: str | None = None,
          accessible_only: bool = False) -> Select:
    """Sites the scope admits, by name; only `kinds` when given, one `code` when given."""
    t = layer_table(SITES)
    query = (select(*(t.c[name] for name in SITE_FIELDS), func.ST_X(t.c.geom).label("lon"),
                    func.ST_Y(t.c.geom).label("lat"))
             .where(scope_clause(scope, t.c)).order_by(t.c.nama))
    if kinds:
        query = query.where(t.c.jenis.in_(kinds))
    if code is not None:
        query = query.where(t.c.kode_wisata == code)
    if accessible_only:
        query = query.where(t.c.kursi_roda.is_(True))
    return query


def walks(scope: RowScope | None, *, code: str | None = None) -> Select:
    """Walks the scope admits, by code, with their line as GeoJSON text."""
    t = layer_table(WALKS)
    query = (select(*(t.c[name] for name in WALK_FIELDS), func.ST_AsGeoJSON(t.c.geom, 6).label("line"))
             .where(scope_clause(scope, t.c)).order_by(t.c.kode_rute))
    if code is not None:
        query = query.where(t.c.kode_rute == code)
    return query
