"""The SQL of the PPDB service (school zoning), next to the data it reads.

SQLAlchemy Core on the registry's tables: identifiers from the declarations,
values as bound parameters. Writes go through the layers API (history).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Float, Integer, bindparam, func, select, text

from layers.tables import Bind, layer_table, reading, transaction


def zone_fingerprints(bind: Bind) -> dict[str, tuple[int, str]]:
    """npsn -> (fid, fingerprint of the school the zone was computed from), for every stored zone."""
    table = layer_table("school_zones")
    with reading(bind) as conn:
        rows = conn.execute(select(table.c.npsn, table.c.fid, table.c.dihitung_dari))
        return {npsn: (int(fid), fp) for npsn, fid, fp in rows}


def lock_zones(conn: Connection) -> None:
    """Serialise recomputations of school_zones until the end of this transaction."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('layers.school_zones'))"))


def zones_geojson(bind: Bind, npsns: Sequence[str]) -> list[dict[str, Any]]:
    """The zones of these schools as GeoJSON features (6 decimals, ~10 cm), in the order asked."""
    if not npsns:
        return []
    table = layer_table("school_zones")
    query = (select(table.c.npsn, table.c.nama, table.c.jenjang, table.c.radius_m,
                    func.ST_AsGeoJSON(table.c.geom, 6).label("geometry"))
             .where(table.c.npsn.in_(list(npsns))))
    with reading(bind) as conn:
        rows = {r["npsn"]: r for r in conn.execute(query).mappings()}
    return [{"type": "Feature", "id": n, "geometry": json.loads(rows[n]["geometry"]),
             "properties": {"npsn": n, "nama": rows[n]["nama"], "jenjang": rows[n]["jenjang"],
                            "radius_m": rows[n]["radius_m"]}} for n in npsns if n in rows]


# The benchmark's yardstick: PostGIS alone computing every applicant's k nearest
# public schools of a level within the zone radius, as fast as PostGIS does it:
# the level's schools once in UTM 47N (the allocation's metric) in a temporary
# table with its own GiST index, then one KNN index scan per home. (KNN on
# layers.schools itself loses the index to the level/status filter: the planner
# scans all schools per home, ten times slower.)
_YARDSTICK_SCHOOLS = text("""
    CREATE TEMP TABLE ppdb_yardstick_schools ON COMMIT DROP AS
    SELECT npsn, ST_Transform(geom, 32647) AS utm FROM layers.schools WHERE jenjang = :level AND status = 'Negeri'
""")
_YARDSTICK_INDEX = text("CREATE INDEX ON ppdb_yardstick_schools USING gist (utm)")
_YARDSTICK_ANALYZE = text("ANALYZE ppdb_yardstick_schools")
APPLICANT_DISTANCES_SQL = text("""
    WITH homes AS (
        SELECT id, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 32647) AS utm
        FROM unnest(CAST(:ids AS text[]), CAST(:lons AS float8[]), CAST(:lats AS float8[])) AS a(id, lon, lat)
    )
    SELECT h.id, s.npsn, s.distance_m
    FROM homes h CROSS JOIN LATERAL (
        SELECT z.npsn, ST_Distance(z.utm, h.utm) AS distance_m
        FROM ppdb_yardstick_schools z ORDER BY z.utm <-> h.utm LIMIT :k
    ) s
    WHERE s.distance_m <= :radius
""").bindparams(bindparam("radius", type_=Float), bindparam("k", type_=Integer))


def applicant_distances(bind: Bind, ids: Sequence[str], lons: Sequence[float], lats: Sequence[float],
                        level: str, k: int, radius_m: float) -> int:
    """Run the yardstick; returns the number of (applicant, school) pairs within the radius."""
    with transaction(bind) as conn:
        conn.execute(_YARDSTICK_SCHOOLS, {"level": level})
        conn.execute(_YARDSTICK_INDEX)
        conn.execute(_YARDSTICK_ANALYZE)
        rows = conn.execute(APPLICANT_DISTANCES_SQL, {"ids": list(ids), "lons": list(lons), "lats": list(lats),
                                                      "k": k, "radius": radius_m}).all()
    return len(rows)


def kelurahan_at(bind: Bind, lon: float, lat: float) -> dict[str, Any] | None:
    """The kelurahan containing a point ({kode_kel, nama_kel, nama_kec}); None outside the city."""
    kel = layer_table("kelurahan")
    point = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", lon, type_=Float), bindparam("lat", lat, type_=Float)),
                            4326)
    query = (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec).where(func.ST_Intersects(kel.c.geom, point))
             .order_by(func.ST_Area(kel.c.geom)).limit(1))
    with reading(bind) as conn:
        row = conn.execute(query).mappings().one_or_none()
    return None if row is None else dict(row)
