"""SIMBADA's SQL: small statement builders over its own layers (identifiers from the registry, values bound)."""

from __future__ import annotations

from sqlalchemy import Select, Text, bindparam, func, select, text
from sqlalchemy.sql.elements import TextClause

from layers.tables import layer_table

KELURAHAN = "kelurahan"


def select_kelurahan_of(wkt: str) -> Select:
    """The kelurahan holding a geometry's point on surface (kode_kel, nama_kel, nama_kec)."""
    kel = layer_table(KELURAHAN)
    point = func.ST_PointOnSurface(func.ST_GeomFromText(bindparam("wkt", wkt, type_=Text), 4326))
    return (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec).where(func.ST_Intersects(kel.c.geom, point))
            .order_by(func.ST_Area(kel.c.geom)).limit(1))


def next_code_number() -> TextClause:
    """The register's running number (one sequence for every layer, so codes never clash)."""
    return text("SELECT nextval('assets.kode_seq')")
