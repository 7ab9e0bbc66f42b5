"""The SQL of the PPDB service (school zoning), next to the data it reads.

SQLAlchemy Core on the registry's tables: identifiers from the declarations,
values as bound parameters. Writes go through the layers API (history).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Integer, bindparam, func, select, text

from layers.tables import Bind, layer_table, reading


def zone_fingerprints(bind: Bind) -> dict[str, tuple[int, str]]:
    """npsn -> (fid, fingerprint of the school the zone was computed from), for every stored zone."""
    table = layer_table("school_zones")
    with reading(bind) as conn:
        rows = conn.execute(select(table.c.npsn, table.c.fid, table.c.dihitung_dari))
        return {npsn: (int(fid), fp) for npsn, fid, fp in rows}


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
# schools of a level within the zone radius (KNN by the GiST index, then the true
# distance in UTM 47N metres, the same metric the allocation uses).
APPLICANT_DISTANCES_SQL = text("""
    SELECT a.id, s.npsn, s.distance_m
    FROM unnest(CAST(:ids AS text[]), CAST(:lons AS float8[]), CAST(:lats AS float8[])) AS a(id, lon, lat)
    CROSS JOIN LATERAL (
        SELECT sc.npsn,
               ST_Distance(ST_Transform(sc.geom, 32647),
                           ST_Transform(ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326), 32647)) AS distance_m
        FROM layers.schools sc
        WHERE sc.jenjang = :level AND sc.status = 'Negeri'
        ORDER BY sc.geom <-> ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326)
        LIMIT :k
    ) s
    WHERE s.distance_m <= :radius
""").bindparams(bindparam("radius", type_=Float), bindparam("k", type_=Integer))


def applicant_distances(bind: Bind, ids: Sequence[str], lons: Sequence[float], lats: Sequence[float],
                        level: str, k: int, radius_m: float) -> int:
    """Run the yardstick query; returns the number of (applicant, school) pairs within the radius."""
    with reading(bind) as conn:
        rows = conn.execute(APPLICANT_DISTANCES_SQL, {"ids": list(ids), "lons": list(lons), "lats": list(lats),
                                                      "level": level, "k": k, "radius": radius_m}).all()
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
