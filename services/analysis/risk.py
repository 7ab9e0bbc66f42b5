"""Flood risk per kelurahan: hazard × exposure, the InaSAFE way.

InaSAFE overlays a hazard (a raster of depth or of hazard classes) on exposure
layers and reports, per area and per hazard class, how many people, buildings
and kilometres of road are affected. This module does that for Medan:

1. Zonal statistics of the flood-prone index per kelurahan (mean, max, share
   of area in each class: rendah < 0.33 ≤ sedang < 0.66 ≤ tinggi by default).
2. Exposure in each hazard class, and its total in the classes from
   `exposed_from` upwards (default: sedang and tinggi): people (kelurahan
   population × share of its area in the class, population assumed even inside
   a kelurahan — there is no population grid), schools, health facilities and
   angkot stops (the class of the cell under each point), and kilometres of
   angkot route. Roads are not analysed: there is no real road data.
3. A risk score per kelurahan, a weighted sum of three terms in [0, 1]:
   bahaya (mean hazard index), keterpaparan (people exposed, rescaled by the
   most exposed kelurahan) and kejadian (BNPB flood records naming the
   kelurahan, ln(1 + n) / ln 11, capped at 1). The weights must sum to 1.
   The score is broken into rendah / sedang / tinggi by `risk_breaks`.

Results: `flood_exposure` (every figure) and `disaster_risk_zones` (class and score).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.bnpb import count_flood_events  # the tolerant parser of the BNPB free text
from services.analysis.common import (
    ANALYSIS_ACTOR,
    AnalysisError,
    RunReport,
    check_breaks,
    check_weights,
    kelurahan_frame,
    now,
    publish,
)
from services.analysis.distributed import SERIAL, Runner, given_or_configured, slices
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.zonal import (
    CLASS_NAMES,
    HazardRaster,
    classify,
    line_length_by_class,
    open_hazard,
    sample_points,
    zonal_stats,
)

FLOOD_EVENTS_FILE = Path(__file__).resolve().parents[2] / "geodata" / "data" / \
    "medan_kejadian_bencana_bnpb_2020_2024.csv"
TERMS = ["bahaya", "keterpaparan", "kejadian"]
DEFAULT_WEIGHTS = {"bahaya": 0.5, "keterpaparan": 0.3, "kejadian": 0.2}
INPUT_LAYERS = ["kelurahan", "poverty", "schools", "health_facilities", "transit_routes", "transit_stops"]


@dataclass(frozen=True)
class RiskParameters:
    hazard_breaks: tuple[float, float] = (0.33, 0.66)
    risk_breaks: tuple[float, float] = (0.33, 0.66)
    weights: Mapping[str, float] = None  # type: ignore[assignment]
    exposed_from: int = 1  # the first class counted as exposed (1 = sedang)

    def checked(self) -> RiskParameters:
        weights = check_weights(self.weights or DEFAULT_WEIGHTS, TERMS)
        hazard = tuple(check_breaks(self.hazard_breaks, count=2, name="hazard class breaks"))
        risk = tuple(check_breaks(self.risk_breaks, count=2, name="risk class breaks"))
        if self.exposed_from not in (1, 2):
            raise AnalysisError("exposed_from must be 1 (sedang and tinggi) or 2 (tinggi only)")
        return RiskParameters(hazard, risk, weights, self.exposed_from)  # type: ignore[arg-type]


# Fewer points than this per part cost more to ship and schedule than to count.
POINTS_PER_PART = 20_000


def points_by_class(kel: gpd.GeoDataFrame, points: gpd.GeoDataFrame | None, raster: HazardRaster,
                    breaks: list[float], runner: Runner = SERIAL) -> np.ndarray:
    """Points per kelurahan (rows) and hazard class of the cell under each point (columns).

    A point on no valid cell (outside the raster, nodata) is in no class. A point
    on the seam of two kelurahan is counted once, in the first by code. Parts of
    the points may run on `runner`; their counts add up.
    """
    if points is None or len(points) == 0:
        return np.zeros((len(kel), len(breaks) + 1), dtype=int)
    counts = runner.map(_points_by_class_part, slices(runner, points[["geometry"]], POINTS_PER_PART),
                        kel=kel[["geometry"]], raster=raster, breaks=breaks)
    return np.sum(counts, axis=0) if len(counts) > 1 else counts[0]


def _points_by_class_part(points: gpd.GeoDataFrame, kel: gpd.GeoDataFrame, raster: HazardRaster,
                          breaks: list[float]) -> np.ndarray:
    out = np.zeros((len(kel), len(breaks) + 1), dtype=int)
    classes = classify(sample_points(raster, points.geometry), breaks)
    inside = points.assign(kelas=classes)[classes >= 0]
    joined = gpd.sjoin(inside.to_crs(kel.crs), kel, predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    np.add.at(out, (joined["index_right"].to_numpy(), joined["kelas"].to_numpy()), 1)
    return out


def _per_class(pattern: str, table: np.ndarray, decimals: int | None = None) -> dict[str, np.ndarray]:
    """Columns named by pattern ("jiwa_{}") per class; names stay unique in 10 characters (Shapefile)."""
    return {pattern.format(name): table[:, k] if decimals is None else table[:, k].round(decimals)
            for k, name in enumerate(CLASS_NAMES)}


def flood_event_term(kel: gpd.GeoDataFrame, events: pd.DataFrame | None) -> np.ndarray:
    if events is None:
        return np.zeros(len(kel), dtype=int)
    counts = count_flood_events(kel, events)
    return counts.reindex(kel["kode_kel"]).fillna(0).astype(int).to_numpy()


def compute_risk(kelurahan: gpd.GeoDataFrame, population: gpd.GeoDataFrame, schools: gpd.GeoDataFrame,
                 facilities: gpd.GeoDataFrame, routes: gpd.GeoDataFrame, raster: HazardRaster,
                 events: pd.DataFrame | None, params: RiskParameters,
                 stops: gpd.GeoDataFrame | None = None, runner: Runner = SERIAL) -> dict[str, gpd.GeoDataFrame]:
    """The two result frames (flood_exposure, disaster_risk_zones), without touching the database.

    flood_exposure keeps the exposure in every class (`jiwa_<kelas>`, ...) and the
    total in the exposed classes (`<what>_terpapar`). Roads are not among them:
    the repository has no real road network, and inventing one would make the
    figure look measured when it is not. The zonal statistics and the point
    counts run their parts on `runner` (services/analysis/distributed.py).
    """
    params = params.checked()
    kel = kelurahan_frame(kelurahan)
    breaks = list(params.hazard_breaks)
    stats = zonal_stats(raster, kel.geometry, breaks, runner)
    if (stats["count"] == 0).all():
        raise AnalysisError("the hazard raster has no valid cell inside any kelurahan")
    people = kel[["kode_kel"]].merge(population[["kode_kel", "penduduk"]], on="kode_kel", how="left")["penduduk"]
    people = people.fillna(0).to_numpy(dtype=float)
    shares = stats[[f"share_{k}" for k in range(3)]].fillna(0).to_numpy()
    exposed_share = shares[:, params.exposed_from:].sum(axis=1)
    exposed_people = np.round(people * exposed_share).astype(int)
    people_by_class = np.round(people[:, None] * shares).astype(int)
    schools_by_class = points_by_class(kel, schools, raster, breaks, runner)
    facilities_by_class = points_by_class(kel, facilities, raster, breaks, runner)
    stops_by_class = points_by_class(kel, stops, raster, breaks, runner)
    exposed = slice(params.exposed_from, None)
    route_km = line_length_by_class(raster, routes.geometry, kel.geometry, breaks)
    counts = flood_event_term(kel, events)
    hazard_term = stats["mean"].fillna(0).to_numpy()
    exposure_term = exposed_people / exposed_people.max() if exposed_people.max() > 0 else np.zeros(len(kel))
    event_term = np.minimum(1.0, np.log1p(counts) / np.log1p(10))
    w = params.weights
    skor = np.round(np.clip(w["bahaya"] * hazard_term + w["keterpaparan"] * exposure_term
                            + w["kejadian"] * event_term, 0, 1), 3)
    exposure = pd.DataFrame({
        "kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"],
        "bahaya_rata2": stats["mean"].round(3), "bahaya_maks": stats["max"].round(3),
        **{f"persen_{name}": (shares[:, k] * 100).round(1) for k, name in enumerate(CLASS_NAMES)},
        "penduduk": people.astype(int), "penduduk_terpapar": exposed_people,
        "sekolah_terpapar": schools_by_class[:, exposed].sum(axis=1),
        "faskes_terpapar": facilities_by_class[:, exposed].sum(axis=1),
        "trayek_terpapar_km": route_km[:, exposed].sum(axis=1).round(2),
        "halte_terpapar": stops_by_class[:, exposed].sum(axis=1),
        **_per_class("jiwa_{}", people_by_class), **_per_class("sekolah_{}", schools_by_class),
        **_per_class("faskes_{}", facilities_by_class), **_per_class("trayek_{}_km", route_km, 2),
        **_per_class("halte_{}", stops_by_class),
    })
    risk = pd.DataFrame({
        "kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], "bahaya": "banjir",
        "kelas": np.asarray(CLASS_NAMES)[classify(skor, list(params.risk_breaks))],
        "skor": skor, "kejadian_banjir": counts,
    })
    geometry = kel.geometry.reset_index(drop=True)
    return {"flood_exposure": gpd.GeoDataFrame(exposure, geometry=geometry, crs=kel.crs),
            "disaster_risk_zones": gpd.GeoDataFrame(risk, geometry=geometry, crs=kel.crs)}


def run_risk(engine: Engine, *, hazard_path: Path = FLOOD_INDEX_FILE, events_path: Path | None = FLOOD_EVENTS_FILE,
             params: RiskParameters | None = None, actor: str = ANALYSIS_ACTOR,
             runner: Runner | None = None) -> RunReport:
    """Read the inputs, compute (on `runner`, else the settings' cluster), and publish both result layers."""
    started = now()
    params = (params or RiskParameters()).checked()
    kel = read_layer(engine, "kelurahan")
    raster = open_hazard(Path(hazard_path), kel)
    events = pd.read_csv(events_path) if events_path else None
    inputs = (read_layer(engine, "poverty"), read_layer(engine, "schools"), read_layer(engine, "health_facilities"),
              read_layer(engine, "transit_routes"))
    with given_or_configured(runner) as on:
        results = compute_risk(kel, *inputs, raster, events, params, stops=read_layer(engine, "transit_stops"),
                               runner=on)
    files = {"hazard": Path(hazard_path), **({"flood_events": Path(events_path)} if events_path else {})}
    parameters = {"hazard_breaks": params.hazard_breaks, "risk_breaks": params.risk_breaks,
                  "weights": dict(params.weights), "exposed_from": CLASS_NAMES[params.exposed_from],
                  "population": "even within each kelurahan (share of its area in each class)",
                  "roads": "not analysed: no real road network data in geodata/ (see geodata/SOURCES.md)"}
    return publish(engine, "risk", results, input_layers=INPUT_LAYERS, input_files=files,
                   parameters=parameters, started_at=started, actor=actor)
