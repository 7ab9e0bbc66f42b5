"""Angkot coverage per kelurahan and "which angkot from A to B" (at most one transfer).

Angkot are hail-and-ride, so a person is served when they live within a
walking radius (default 400 m) of a *route*, not of a stop. With no population
grid, people are assumed evenly spread inside their kelurahan: the share served
is the share of its area within the radius (UTM 47N), times its population.

Journeys: routes within the walking radius of A and of B; a direct route if
one passes both, else pairs of routes that come within `transfer_m` of each
other, changing where they are closest. Options are ranked by a generalised
cost in metres: walking counts triple, riding once, a transfer adds 2 km
(the wait and the second fare), as planners usually weight them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.ops import nearest_points
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.common import (
    ANALYSIS_ACTOR,
    UTM,
    WGS84,
    AnalysisError,
    RunReport,
    kelurahan_frame,
    now,
    publish,
)
from services.analysis.distributed import SERIAL, Runner, given_or_configured

INPUT_LAYERS = ["kelurahan", "poverty", "transit_routes"]
WALK_FACTOR = 3.0
TRANSFER_PENALTY_M = 2000.0


def _coverage_of_part(rows: np.ndarray, polys: np.ndarray, reach: shapely.Geometry,
                      lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of each polygon within reach of a route, and how many routes pass through it."""
    part = polys if len(rows) == len(polys) else polys[rows]
    share = shapely.area(shapely.intersection(part, reach)) / shapely.area(part)
    passing = np.zeros(len(part), dtype=int)
    if len(lines):
        hit_poly, _ = shapely.STRtree(lines).query(part, predicate="intersects")
        passing = np.bincount(hit_poly, minlength=len(part))
    return share, passing


def compute_coverage(kelurahan: gpd.GeoDataFrame, population: gpd.GeoDataFrame, routes: gpd.GeoDataFrame, *,
                     radius_m: float = 400.0, runner: Runner = SERIAL) -> gpd.GeoDataFrame:
    """The transit_coverage result frame, without touching the database.

    The walking reach (one union of route buffers) is drawn once; the kelurahan
    are cut by it in parts on `runner`, each polygon on its own as before.
    """
    if radius_m <= 0:
        raise AnalysisError(f"the walking radius must be positive, not {radius_m}")
    kel = kelurahan_frame(kelurahan)
    polys = np.asarray(kel.to_crs(UTM).geometry.values)
    lines = np.asarray(routes.to_crs(UTM).geometry.values) if len(routes) else np.array([])
    reach = shapely.union_all(shapely.buffer(lines, radius_m)) if len(lines) else shapely.Polygon()
    parts = runner.map(_coverage_of_part, runner.parts(len(polys)), polys=polys, reach=reach, lines=lines)
    share = np.concatenate([p[0] for p in parts])
    passing = np.concatenate([p[1] for p in parts])
    people = kel[["kode_kel"]].merge(population[["kode_kel", "penduduk"]], on="kode_kel", how="left")["penduduk"]
    people = people.fillna(0).to_numpy(dtype=float)
    frame = pd.DataFrame({
        "kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], "penduduk": people.astype(int),
        "penduduk_terlayani": np.round(people * share).astype(int),
        "persen_terlayani": np.round(100 * share, 1), "jumlah_trayek": passing, "radius_m": float(radius_m),
    })
    return gpd.GeoDataFrame(frame, geometry=kel.geometry.reset_index(drop=True), crs=kel.crs)


def run_transit_coverage(engine: Engine, *, radius_m: float = 400.0, actor: str = ANALYSIS_ACTOR,
                         runner: Runner | None = None) -> RunReport:
    """Compute on `runner` (else the settings' cluster) and publish transit_coverage with provenance."""
    started = now()
    inputs = (read_layer(engine, "kelurahan"), read_layer(engine, "poverty"), read_layer(engine, "transit_routes"))
    with given_or_configured(runner) as on:
        result = compute_coverage(*inputs, radius_m=radius_m, runner=on)
    return publish(engine, "transit", {"transit_coverage": result}, input_layers=INPUT_LAYERS,
                   parameters={"radius_m": radius_m, "measured_to": "route line (hail-and-ride)",
                               "population": "even within each kelurahan"}, started_at=started, actor=actor)


def citywide_share(coverage: gpd.GeoDataFrame) -> float:
    """Share of the city's population within the radius of a route, in percent."""
    return float(100 * coverage["penduduk_terlayani"].sum() / max(coverage["penduduk"].sum(), 1))


@dataclass
class Journey:
    trayek: list[str]
    transfers: int
    walk_m: float
    ride_m: float
    transfer_at: tuple[float, float] | None = None  # lon, lat

    @property
    def cost_m(self) -> float:
        return WALK_FACTOR * self.walk_m + self.ride_m + TRANSFER_PENALTY_M * self.transfers


def _utm_point(lonlat: tuple[float, float]) -> Point:
    return gpd.GeoSeries([Point(lonlat)], crs=WGS84).to_crs(UTM).iloc[0]


def _ride(line: shapely.Geometry, a: Point, b: Point) -> float:
    merged = shapely.line_merge(line)
    return abs(merged.project(a) - merged.project(b)) if merged.geom_type == "LineString" else a.distance(b)


def plan_journey(routes: gpd.GeoDataFrame, origin: tuple[float, float], destination: tuple[float, float], *,
                 walk_m: float = 400.0, transfer_m: float = 150.0, limit: int = 5) -> list[Journey]:
    """Angkot options from origin to destination (lon, lat), best first; [] if none within one transfer."""
    if len(routes) == 0:
        raise AnalysisError("there are no angkot routes")
    codes = routes["kode_trayek"].astype(str).to_numpy()
    lines = np.asarray(routes.to_crs(UTM).geometry.values)
    a, b = _utm_point(origin), _utm_point(destination)
    dist_a, dist_b = shapely.distance(lines, a), shapely.distance(lines, b)
    near_a, near_b = np.flatnonzero(dist_a <= walk_m), np.flatnonzero(dist_b <= walk_m)
    options = []
    for i in sorted(set(near_a) & set(near_b)):
        board, alight = nearest_points(lines[i], a)[0], nearest_points(lines[i], b)[0]
        options.append(Journey([codes[i]], 0, dist_a[i] + dist_b[i], _ride(lines[i], board, alight)))
    for i in near_a:
        for j in near_b:
            if i == j or i in near_b or j in near_a or shapely.distance(lines[i], lines[j]) > transfer_m:
                continue
            off, on = nearest_points(lines[i], lines[j])
            board = nearest_points(lines[i], a)[0]
            alight = nearest_points(lines[j], b)[0]
            where = gpd.GeoSeries([off], crs=UTM).to_crs(WGS84).iloc[0]
            options.append(Journey([codes[i], codes[j]], 1, dist_a[i] + dist_b[j] + off.distance(on),
                                   _ride(lines[i], board, off) + _ride(lines[j], on, alight),
                                   (round(where.x, 6), round(where.y, 6))))
    return sorted(options, key=lambda o: (o.cost_m, o.trayek))[:limit]


def find_angkot(engine: Engine, origin: tuple[float, float], destination: tuple[float, float],
                **options: float) -> list[Journey]:
    """plan_journey on the current transit_routes layer."""
    return plan_journey(read_layer(engine, "transit_routes"), origin, destination, **options)  # type: ignore[arg-type]
