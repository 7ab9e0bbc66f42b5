"""School zones as polygons (layer `school_zones`): what "in zone" means, drawn on the map.

A zone is the disc of the level's radius (rules.ZoningRule.zone_radius_m)
around a public school, computed in UTM 47N and clipped to the city (the union
of the kelurahan). This is exactly the test zoning.schools_for_home applies to
a home (straight-line distance <= radius), so the map and the list never
disagree. Discs of neighbouring schools overlap, as PPDB zones do: a home may
be in several zones. (Voronoi cells were the alternative; they would give each
home exactly one school, which is not the rule the allocation uses.)

A zone depends on its own school only, so each zone row carries a fingerprint
of the school fields it was computed from (`dihitung_dari`). Recomputing
compares the schools layer now with those fingerprints and rewrites only the
zones whose school changed, appeared or disappeared, so a school edit leaves
one history entry in school_zones, not hundreds. Nothing in the database
triggers this: the PPDB pages call `ensure_zones` before drawing zones, and
`python -m services ppdb zones` runs it after a bulk school import.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from layers import delete_feature, load_frame, read_layer
from layers.tables import Bind, reading, transaction
from services.ppdb.queries import lock_zones, select_zone_fingerprints, select_zones
from services.ppdb.rules import DEFAULT_RULE, ZoningRule
from services.ppdb.zoning import LEVELS

UTM = "EPSG:32647"
WGS84 = "EPSG:4326"
ZONES_ACTOR = "service:ppdb-zones"
ZONE_COLUMNS = ["npsn", "nama", "jenjang", "radius_m", "luas_km2", "dihitung_dari"]


@dataclass(frozen=True)
class ZonesReport:
    written: int  # zones inserted or changed
    deleted: int  # zones of schools that are gone or no longer public schools of a level
    unchanged: int

    def __str__(self) -> str:
        return f"school_zones: {self.written} written, {self.deleted} deleted, {self.unchanged} unchanged"


def zone_schools(schools: gpd.GeoDataFrame, rule: ZoningRule = DEFAULT_RULE) -> gpd.GeoDataFrame:
    """The schools that have a zone: public (when the rule says so) schools of the PPDB levels, not
    flagged `lokasi_diragukan` (a point outside the city: its zone would be drawn from a wrong place)."""
    keep = schools["jenjang"].isin(LEVELS)
    if "lokasi_diragukan" in schools:
        keep &= ~schools["lokasi_diragukan"].fillna(False).astype(bool)
    if rule.public_only:
        keep &= schools["status"] == "Negeri"
    chosen = schools.loc[keep].copy()
    return chosen.set_crs(WGS84) if chosen.crs is None else chosen.to_crs(WGS84)


def fingerprint(npsn: str, nama: str, jenjang: str, lon: float, lat: float, radius_m: float) -> str:
    """What a zone was computed from; 7 decimals of a degree is ~1 cm, finer than any edit."""
    text = f"{npsn}|{nama}|{jenjang}|{lon:.7f}|{lat:.7f}|{radius_m:.1f}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _fingerprints(schools: gpd.GeoDataFrame, rule: ZoningRule) -> list[str]:
    return [fingerprint(str(n), str(m), j, g.x, g.y, rule.zone_radius_m[j])
            for n, m, j, g in zip(schools["npsn"], schools["nama"], schools["jenjang"], schools.geometry, strict=True)]


def city_outline(kelurahan: gpd.GeoDataFrame) -> BaseGeometry:
    """The city in UTM: the union of the kelurahan (the same outline the seed generators use)."""
    kel = kelurahan.set_crs(WGS84) if kelurahan.crs is None else kelurahan
    return shapely.union_all(kel.to_crs(UTM).geometry.values)


def compute_zones(schools: gpd.GeoDataFrame, city_utm: BaseGeometry, rule: ZoningRule = DEFAULT_RULE) -> gpd.GeoDataFrame:
    """One zone per school of `zone_schools(schools)`: disc of the level's radius, clipped to the city."""
    chosen = zone_schools(schools, rule)
    # The database's rule for lokasi_diragukan, for frames that do not carry it (the seed's file):
    # a school whose point lies in no kelurahan has no zone.
    chosen = chosen.loc[shapely.intersects(city_utm, chosen.to_crs(UTM).geometry.values)]
    columns = [*ZONE_COLUMNS, "geometry"]
    if chosen.empty:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=WGS84)
    radii = chosen["jenjang"].map(rule.zone_radius_m).astype(float).to_numpy()
    centres = chosen.to_crs(UTM).geometry.values
    # quad_segs=16: the disc's edge is within 0.2 % of the radius (~3 m at 1.5 km), finer than the data.
    discs = shapely.intersection(shapely.buffer(centres, radii, quad_segs=16), city_utm)
    zones = gpd.GeoDataFrame({
        "npsn": chosen["npsn"].astype(str).to_numpy(), "nama": chosen["nama"].astype(str).to_numpy(),
        "jenjang": chosen["jenjang"].to_numpy(), "radius_m": radii,
        "luas_km2": (shapely.area(discs) / 1e6).round(3),
        "dihitung_dari": _fingerprints(chosen, rule),
    }, geometry=[_multi(g) for g in discs], crs=UTM).to_crs(WGS84)
    # A school outside the city (bad coordinates) has an empty zone: it has no zone in Medan.
    return zones.loc[~zones.geometry.is_empty].reset_index(drop=True)[columns]


def _multi(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":  # a clip touching the outline can add slivers of lines
        return MultiPolygon([g for g in geom.geoms if g.geom_type == "Polygon"])
    return geom


def zone_fingerprints(bind: Bind) -> dict[str, tuple[int, str]]:
    """npsn -> (fid, fingerprint of the school the zone was computed from), for every stored zone."""
    with reading(bind) as conn:
        return {npsn: (int(fid), fp) for npsn, fid, fp in conn.execute(select_zone_fingerprints())}


def _stale(wanted: dict[str, str], current: dict[str, tuple[int, str]], force: bool) -> tuple[list[str], list[int]]:
    changed = [n for n, fp in wanted.items() if force or current.get(n, (None, None))[1] != fp]
    gone = [fid for n, (fid, _) in current.items() if n not in wanted]
    return changed, gone


def recompute_zones(bind: Bind, rule: ZoningRule = DEFAULT_RULE, *, force: bool = False,
                    actor: str = ZONES_ACTOR) -> ZonesReport:
    """Bring school_zones in line with the schools layer, rewriting only the zones that changed."""
    schools = zone_schools(read_layer(bind, "schools", columns=["npsn", "nama", "jenjang", "status",
                                                                 "lokasi_diragukan"]), rule)
    wanted = dict(zip(schools["npsn"].astype(str), _fingerprints(schools, rule), strict=True))
    changed, gone = _stale(wanted, zone_fingerprints(bind), force)
    if not changed and not gone:  # the common case, without taking the lock
        return ZonesReport(written=0, deleted=0, unchanged=len(wanted))
    written = 0
    with transaction(bind, actor) as conn:
        # Two requests may find the same stale zones: the second waits here, then finds nothing left to do.
        conn.execute(lock_zones())
        current = zone_fingerprints(conn)
        changed, gone = _stale(wanted, current, force)
        if changed:
            zones = compute_zones(schools.loc[schools["npsn"].astype(str).isin(changed)],
                                  city_outline(read_layer(conn, "kelurahan", columns=[])), rule)
            # A school moved out of the city keeps no zone.
            gone += [current[n][0] for n in changed if n in current and n not in set(zones["npsn"])]
            if not zones.empty:
                load_frame(conn, "school_zones", zones, actor=actor, mode="upsert", source="derived:ppdb-zones")
                written = len(zones)
        for fid in gone:
            delete_feature(conn, "school_zones", fid, actor=actor)
    return ZonesReport(written=written, deleted=len(gone), unchanged=len(wanted) - len(changed))


def ensure_zones(bind: Bind, rule: ZoningRule = DEFAULT_RULE) -> ZonesReport:
    """Recompute the zones whose school changed since they were computed (cheap when none did)."""
    return recompute_zones(bind, rule)


def zones_frame(bind: Bind, level: str | None = None) -> pd.DataFrame:
    """The zones as stored (for notebooks): one row per school."""
    return read_layer(bind, "school_zones", where={"jenjang": level} if level else None)


def zones_geojson(bind: Bind, npsns: Sequence[str]) -> list[dict[str, Any]]:
    """The zones of these schools as GeoJSON features (6 decimals, ~10 cm), in the order asked."""
    if not npsns:
        return []
    with reading(bind) as conn:
        rows = {r["npsn"]: r for r in conn.execute(select_zones(npsns)).mappings()}
    return [{"type": "Feature", "id": n, "geometry": json.loads(rows[n]["geometry"]),
             "properties": {"npsn": n, "nama": rows[n]["nama"], "jenjang": rows[n]["jenjang"],
                            "radius_m": rows[n]["radius_m"]}} for n in npsns if n in rows]
