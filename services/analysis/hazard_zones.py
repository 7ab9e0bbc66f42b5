"""Hazard-class polygons: the hazard raster vectorised into one (multi)polygon per class.

Planners and citizens read "where is the high hazard?" better from outlines
than from cells, and a polygon layer can be queried ("what is here?"),
filtered and downloaded like any other. Method:

1. classify the raster with the risk analysis' hazard breaks (rendah < 0.33 ≤
   sedang < 0.66 ≤ tinggi by default);
2. rasterio.features.shapes turns runs of equal class into polygons (exact
   cell edges, in the raster's CRS, so areas are cell counts × cell area);
3. dissolve per class, clip to the city, the union of the kelurahan (cells
   touching the city outline reach a little beyond it);
4. simplify lightly as a coverage (shapely.coverage_simplify), so neighbouring
   classes keep a shared edge: no gaps, no overlaps. The tolerance is given in
   cells (half a cell by default, whatever the raster's CRS units); 0 keeps
   the stair-step cell edges.

Result: layer `flood_hazard_zones`, keyed by class, with provenance.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import shapes
from sqlalchemy import Engine

from layers import read_layer
from services.analysis.common import (
    UTM,
    WGS84,
    AnalysisError,
    RunReport,
    check_breaks,
    now,
    publish,
)
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.zonal import CLASS_NAMES, HazardRaster, classify, open_hazard

LAYER = "flood_hazard_zones"
INPUT_LAYERS = ["kelurahan"]
SYNTHETIC_SOURCE = "synthetic"  # every feature derived from a synthetic raster says so in `source`


def class_polygons(raster: HazardRaster, breaks: list[float]) -> list[shapely.Geometry]:
    """One (possibly empty) polygon per class, in the raster's CRS, exactly on cell edges."""
    classes = classify(raster.values, breaks).astype("int16")
    parts: list[list[shapely.Geometry]] = [[] for _ in range(len(breaks) + 1)]
    for geojson, value in shapes(classes, mask=classes >= 0, transform=raster.transform, connectivity=4):
        parts[int(value)].append(shapely.geometry.shape(geojson))
    return [shapely.union_all(p) if p else shapely.Polygon() for p in parts]


def _multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return shapely.MultiPolygon(polys)


def compute_hazard_zones(raster: HazardRaster, city: gpd.GeoDataFrame, *,
                         breaks: tuple[float, float] = (0.33, 0.66), simplify_cells: float = 0.5,
                         synthetic: bool = True) -> gpd.GeoDataFrame:
    """The flood_hazard_zones frame (WGS 84), without touching the database.

    Raises AnalysisError when no cell of the raster lies inside the city
    (nothing is written then). Areas are measured in UTM 47N, whatever the
    raster's CRS.
    """
    breaks_list = check_breaks(breaks, count=2, name="hazard class breaks")
    if not 0 <= simplify_cells <= 2:
        raise AnalysisError(f"simplify_cells must be between 0 and 2 cells, not {simplify_cells}")
    cell = abs(raster.transform.a)
    tolerance = cell * simplify_cells
    if city.crs is None:
        raise AnalysisError("the city boundary has no CRS")
    boundary = shapely.union_all(np.asarray(city.to_crs(raster.crs).geometry.values))
    geoms = class_polygons(raster, breaks_list)
    present = [i for i, g in enumerate(geoms) if not g.is_empty]
    if tolerance > 0 and present:
        # Simplify before clipping: the city outline then stays exact and no zone leaves the city.
        simplified = shapely.coverage_simplify(np.array([geoms[i] for i in present]), tolerance)
        for i, g in zip(present, simplified, strict=True):
            geoms[i] = shapely.make_valid(g)
    geoms = [shapely.intersection(g, boundary) for g in geoms]
    kept = [i for i, g in enumerate(geoms) if not g.is_empty and g.area > 0]
    if not kept:
        raise AnalysisError("the hazard raster has no classified cell inside the city")
    edges = [0.0, *breaks_list, 1.0]
    frame = pd.DataFrame({
        "kelas": [CLASS_NAMES[i] for i in kept],
        "indeks_dari": [edges[i] for i in kept], "indeks_sampai": [edges[i + 1] for i in kept],
        "jumlah_sel": [int((classify(raster.values, breaks_list) == i).sum()) for i in kept],
        "ukuran_sel_m": round(_cell_metres(raster), 2), "sintetis": synthetic,
        "raster": raster.path.name if raster.path else None,
    })
    result = gpd.GeoDataFrame(frame, geometry=[_multipolygon(geoms[i]) for i in kept], crs=raster.crs)
    result.insert(3, "luas_km2", (result.to_crs(UTM).area / 1e6).round(3).to_numpy())
    result = result.to_crs(WGS84)
    # Shapefile ring orientation (outer rings clockwise), so an export/import round trip is exact.
    result["geometry"] = shapely.orient_polygons(result.geometry.values, exterior_cw=True)
    return result


def _cell_metres(raster: HazardRaster) -> float:
    """The cell width in metres (measured in UTM 47N at the raster's centre when its CRS is not metric)."""
    if raster.crs.is_projected:
        return abs(raster.transform.a)
    rows, cols = raster.shape
    x, y = raster.transform * (cols / 2, rows / 2)
    cell = shapely.box(x, y, x + abs(raster.transform.a), y + abs(raster.transform.e))
    return float(np.sqrt(gpd.GeoSeries([cell], crs=raster.crs).to_crs(UTM).area.iloc[0]))


def raster_is_synthetic(path: Path) -> bool:
    import rasterio

    with rasterio.open(path) as src:
        return src.tags().get("SYNTHETIC", "").lower() == "yes"


def run_hazard_zones(engine: Engine, *, hazard_path: Path = FLOOD_INDEX_FILE,
                     breaks: tuple[float, float] = (0.33, 0.66), simplify_cells: float = 0.5,
                     actor: str = "analysis") -> RunReport:
    """Vectorise the hazard raster over the city and publish flood_hazard_zones with provenance."""
    started = now()
    # The union of the kelurahan is the city the other analyses see (the kota outline is a
    # separately simplified dissolve that strays from it by up to tens of metres).
    city = read_layer(engine, "kelurahan")
    raster = open_hazard(Path(hazard_path), city)
    synthetic = raster_is_synthetic(Path(hazard_path))
    result = compute_hazard_zones(raster, city, breaks=breaks, simplify_cells=simplify_cells, synthetic=synthetic)
    return publish(engine, "hazard_zones", {LAYER: result}, input_layers=INPUT_LAYERS,
                   input_files={"hazard": Path(hazard_path)},
                   parameters={"hazard_breaks": list(breaks), "simplify_cells": simplify_cells,
                               "method": "rasterio.features.shapes, dissolve per class, clip to the kelurahan, "
                                         "coverage_simplify", "synthetic_raster": synthetic},
                   started_at=started, actor=actor,
                   source=SYNTHETIC_SOURCE if synthetic else None)
