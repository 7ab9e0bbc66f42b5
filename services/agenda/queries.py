"""The agenda's SQL over its own layer: the events that overlap a window, within a row scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from layers.access import RowScope
from layers.rowsql import scope_clause
from layers.tables import layer_table

LAYER = "agenda"


def events_overlapping(start: datetime, end: datetime, scope: RowScope | None, *, public_only: bool = False) -> Select:
    """Events with [mulai, selesai) overlapping [start, end), that the scope admits, by start."""
    t = layer_table(LAYER)
    query = (select(t.c.kode_acara, t.c.judul, t.c.uraian, t.c.mulai, t.c.selesai, t.c.tempat, t.c.pejabat,
                    t.c.agency, t.c.sifat, t.c.nama_kel, t.c.nama_kec, t.c.updated_at,
                    func.ST_X(t.c.geom).label("lon"), func.ST_Y(t.c.geom).label("lat"))
             .where(t.c.mulai < end, t.c.selesai > start, scope_clause(scope, t.c))
             .order_by(t.c.mulai, t.c.kode_acara))
    if public_only:
        query = query.where(t.c.sifat == "publik")
    return query
