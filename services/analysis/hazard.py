"""A synthetic flood-prone index raster for Medan, built from real river proximity.

Medan has no public DEM or official flood hazard map in this repository, so the
hazard raster the risk analysis reads is *synthetic*: a deterministic function
of the distance to the BIG RBI river polygons (real) and of how far north a cell
lies (Medan drains north to the Strait of Malacca; the northern kecamatan are
low-lying and tidal). It is an index in [0, 1], not a depth. See
geodata/data/hazard/README.md.

    index = clip(w_river · exp(-d / decay_m) + (1 - w_river) · northness ** 1.5, 0, 1)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.features import rasterize

DATA_DIR = Path(__file__).resolve().parents[2] / "geodata" / "data"
RIVERS_FILE = DATA_DIR / "medan_sungai_rbi.geojson"
CITY_FILE = DATA_DIR / "medan_kota.geojson"
FLOOD_INDEX_FILE = DATA_DIR / "hazard" / "medan_flood_index_50m.tif"
UTM = "EPSG:32647"
NODATA = -9999.0


def _grid(bounds: np.ndarray, resolution_m: float) -> tuple[Affine, int, int]:
    x0, y0, x1, y1 = bounds
    # Snap to the resolution so that rebuilding never shifts the grid.
    x0, y0 = np.floor(x0 / resolution_m) * resolution_m, np.floor(y0 / resolution_m) * resolution_m
    x1, y1 = np.ceil(x1 / resolution_m) * resolution_m, np.ceil(y1 / resolution_m) * resolution_m
    width, height = int(round((x1 - x0) / resolution_m)), int(round((y1 - y0) / resolution_m))
    return Affine(resolution_m, 0, x0, 0, -resolution_m, y1), width, height


def _river_distance(rivers_utm: np.ndarray, transform: Affine, shape: tuple[int, int],
                    step_m: float) -> np.ndarray:
    """Metres from each cell centre to the nearest river (0 inside a river polygon).

    Distances to densified boundary vertices through a point tree: exact to
    within step_m / 2, and seconds instead of minutes for polygon distances.
    """
    boundary = shapely.segmentize(shapely.boundary(rivers_utm), step_m)
    vertices = shapely.points(shapely.get_coordinates(boundary))
    rows, cols = np.indices(shape)
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel())
    centres = shapely.points(np.asarray(xs), np.asarray(ys))
    _, distance = shapely.STRtree(vertices).query_nearest(centres, return_distance=True, all_matches=False)
    inside = rasterize([(g, 1) for g in rivers_utm], out_shape=shape, transform=transform, fill=0, dtype="uint8")
    return np.where(inside.ravel() == 1, 0.0, distance).reshape(shape)


def flood_prone_index(rivers: gpd.GeoDataFrame, city: gpd.GeoDataFrame, *, resolution_m: float = 50.0,
                      decay_m: float = 600.0, w_river: float = 0.65) -> tuple[np.ndarray, Affine, str]:
    """The index grid in UTM 47N (float32, NODATA outside the city), its transform and CRS."""
    rivers_utm = rivers.to_crs(UTM).geometry.values
    city_utm = city.to_crs(UTM)
    transform, width, height = _grid(city_utm.total_bounds, resolution_m)
    distance = _river_distance(np.asarray(rivers_utm), transform, (height, width), resolution_m / 2)
    north = ((height - 1 - np.arange(height)) / max(height - 1, 1))[:, None]  # 0 south .. 1 north
    index = w_river * np.exp(-distance / decay_m) + (1 - w_river) * north ** 1.5
    in_city = rasterize([(g, 1) for g in city_utm.geometry.values], out_shape=(height, width),
                        transform=transform, fill=0, dtype="uint8", all_touched=True)
    grid = np.where(in_city == 1, np.clip(index, 0, 1), NODATA).astype("float32")
    return np.round(grid, 3), transform, UTM


def write_flood_index(path: Path = FLOOD_INDEX_FILE, *, resolution_m: float = 50.0) -> Path:
    """Build the index from the real river and city files and write a compressed GeoTIFF."""
    grid, transform, crs = flood_prone_index(gpd.read_file(RIVERS_FILE), gpd.read_file(CITY_FILE),
                                             resolution_m=resolution_m)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {"driver": "GTiff", "width": grid.shape[1], "height": grid.shape[0], "count": 1,
               "dtype": "float32", "crs": crs, "transform": transform, "nodata": NODATA,
               "compress": "deflate", "predictor": 3, "tiled": True, "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(grid, 1)
        dst.update_tags(SYNTHETIC="yes", DESCRIPTION="Synthetic flood-prone index 0..1 from BIG RBI "
                        "river proximity and northness; not a hazard map", UNITS="index 0..1")
    return path
