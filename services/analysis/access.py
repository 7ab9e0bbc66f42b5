"""Access to health care and schools per kelurahan.

Distances are straight lines in UTM 47N from a 250 m grid of points covering
each kelurahan (its centre if it is smaller than one cell) to the nearest
facility of each kind; the kelurahan's figure is the mean over its grid
points. With population assumed even inside a kelurahan, that is the
population-weighted mean distance, which a single centroid is not for the
large, irregular kelurahan on the city edge.

A kelurahan is underserved when any mean distance exceeds its threshold. The
defaults follow the service radii of SNI 03-1733-2004 (planning of housing
areas): SD and SMP 1 km, SMA/SMK 3 km, puskesmas 3 km; hospitals 5 km.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.common import (
    ANALYSIS_ACTOR,
    UTM,
    AnalysisError,
    RunReport,
    kelurahan_frame,
    now,
    publish,
)
from services.analysis.distributed import SERIAL, Runner, given_or_configured

# result property -> (layer, property, value) selecting the facilities
TARGETS = {
    "jarak_puskesmas_km": ("health_facilities", "jenis", "Puskesmas"),
    "jarak_rs_km": ("health_facilities", "jenis", "Rumah Sakit"),
    "jarak_sd_km": ("schools", "jenjang", "SD"),
    "jarak_smp_km": ("schools", "jenjang", "SMP"),
    "jarak_sma_km": ("schools", "jenjang", "SMA"),
    "jarak_smk_km": ("schools", "jenjang", "SMK"),
}
DEFAULT_THRESHOLDS_KM = {"jarak_puskesmas_km": 3.0, "jarak_rs_km": 5.0, "jarak_sd_km": 1.0,
                         "jarak_smp_km": 1.0, "jarak_sma_km": 3.0, "jarak_smk_km": 3.0}
INPUT_LAYERS = ["kelurahan", "health_facilities", "schools"]
# Grid points per part: fewer cost more to ship and schedule than to search.
POINTS_PER_PART = 5_000


def grid_points(polys_utm: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres inside each polygon (or its representative point); returns points and owner index."""
    x0, y0, x1, y1 = shapely.total_bounds(polys_utm)
    xs, ys = np.meshgrid(np.arange(x0 + cell_m / 2, x1, cell_m), np.arange(y0 + cell_m / 2, y1, cell_m))
    pts = shapely.points(xs.ravel(), ys.ravel())
    hit_pt, hit_poly = shapely.STRtree(polys_utm).query(pts, predicate="within")
    first = np.unique(hit_pt, return_index=True)[1]  # a point on a seam belongs to one kelurahan
    points, owner = pts[hit_pt[first]], hit_poly[first]
    empty = np.setdiff1d(np.arange(len(polys_utm)), owner)
    if len(empty):
        points = np.concatenate([points, shapely.point_on_surface(polys_utm[empty])])
        owner = np.concatenate([owner, empty])
    return points, owner


def nearest_distances(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Metres from each point to the nearest target (both UTM)."""
    _, dist = shapely.STRtree(targets).query_nearest(points, return_distance=True, all_matches=False)
    return dist


def _distances_of_part(rows: np.ndarray, points: np.ndarray, targets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    part = points if len(rows) == len(points) else points[rows]
    return {column: nearest_distances(part, chosen) for column, chosen in targets.items()}


def compute_access(kelurahan: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, schools: gpd.GeoDataFrame, *,
                   cell_m: float = 250.0, thresholds_km: Mapping[str, float] | None = None,
                   runner: Runner = SERIAL) -> gpd.GeoDataFrame:
    """The service_access result frame, without touching the database.

    The grid points' nearest-facility searches run in parts on `runner`; the
    distances come back in the points' order, so the means are the same sums.
    """
    limits = {**DEFAULT_THRESHOLDS_KM, **(thresholds_km or {})}
    unknown = sorted(set(limits) - set(TARGETS))
    if unknown:
        raise AnalysisError(f"unknown thresholds {unknown}; known: {sorted(TARGETS)}")
    if cell_m <= 0:
        raise AnalysisError("the grid cell must be positive")
    kel = kelurahan_frame(kelurahan)
    points, owner = grid_points(np.asarray(kel.to_crs(UTM).geometry.values), cell_m)
    sources = {"health_facilities": facilities, "schools": schools}
    frame = pd.DataFrame({"kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"]})
    targets = {}
    for column, (layer, prop, value) in TARGETS.items():
        chosen = sources[layer][sources[layer][prop] == value]
        if len(chosen) == 0:
            raise AnalysisError(f"no {value} in {layer}: cannot measure {column}")
        targets[column] = np.asarray(chosen.to_crs(UTM).geometry.values)
    parts = runner.map(_distances_of_part, runner.parts(len(points), POINTS_PER_PART), points=points, targets=targets)
    for column in TARGETS:
        dist = np.concatenate([part[column] for part in parts]) if len(parts) > 1 else parts[0][column]
        mean = np.bincount(owner, weights=dist, minlength=len(kel)) / np.bincount(owner, minlength=len(kel))
        frame[column] = np.round(mean / 1000, 2)
    too_far = pd.DataFrame({c: frame[c] > limits[c] for c in TARGETS})
    frame["kurang_terlayani"] = np.where(too_far.any(axis=1), "ya", "tidak")
    frame["kekurangan"] = too_far.apply(lambda row: ",".join(c[6:-3] for c in TARGETS if row[c]) or None, axis=1)
    return gpd.GeoDataFrame(frame, geometry=kel.geometry.reset_index(drop=True), crs=kel.crs)


def run_access(engine: Engine, *, cell_m: float = 250.0, thresholds_km: Mapping[str, float] | None = None,
               actor: str = ANALYSIS_ACTOR, runner: Runner | None = None) -> RunReport:
    """Compute on `runner` (else the settings' cluster) and publish service_access with provenance."""
    started = now()
    inputs = (read_layer(engine, "kelurahan"), read_layer(engine, "health_facilities"), read_layer(engine, "schools"))
    with given_or_configured(runner) as on:
        result = compute_access(*inputs, cell_m=cell_m, thresholds_km=thresholds_km, runner=on)
    return publish(engine, "access", {"service_access": result}, input_layers=INPUT_LAYERS,
                   parameters={"cell_m": cell_m, "thresholds_km": {**DEFAULT_THRESHOLDS_KM, **(thresholds_km or {})},
                               "distance": "straight line, UTM 47N, mean over grid points"},
                   started_at=started, actor=actor)
