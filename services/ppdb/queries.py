"""The SQL of the PPDB service (school zoning), over the layers it reads and writes.

SQLAlchemy Core builders on the registry's tables: identifiers from the
declarations, values as bound parameters. The service's modules run them
(zones.py, zoning.py); writes go through the layers API (history).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Float, Select, TextClause, bindparam, func, select, text

from layers.tables import layer_table

SCHOOL_ZONES = "school_zones"
KELURAHAN = "kelurahan"


def select_zone_fingerprints() -> Select:
    """(npsn, fid, fingerprint of the school the zone was computed from) of every stored zone."""
    table = layer_table(SCHOOL_ZONES)
    return select(table.c.npsn, table.c.fid, table.c.dihitung_dari)


def lock_zones() -> TextClause:
    """Serialise recomputations of school_zones until the end of the transaction that runs it."""
    return text("SELECT pg_advisory_xact_lock(hashtext('layers.school_zones'))")


def select_zones(npsns: Sequence[str]) -> Select:
    """The zones of these schools: npsn, nama, jenjang, radius_m and the outline as GeoJSON (6 decimals, ~10 cm)."""
    table = layer_table(SCHOOL_ZONES)
    return (select(table.c.npsn, table.c.nama, table.c.jenjang, table.c.radius_m,
                   func.ST_AsGeoJSON(table.c.geom, 6).label("geometry"))
            .where(table.c.npsn.in_(list(npsns))))


def select_kelurahan_at(lon: float, lat: float) -> Select:
    """The kelurahan containing a point (kode_kel, nama_kel, nama_kec); the smallest if outlines overlap."""
    kel = layer_table(KELURAHAN)
    point = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", lon, type_=Float), bindparam("lat", lat, type_=Float)),
                            4326)
    return (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec).where(func.ST_Intersects(kel.c.geom, point))
            .order_by(func.ST_Area(kel.c.geom)).limit(1))
