"""Hazard rasters against zones, points and lines: the core of hazard × exposure.

Zonal statistics use the cell-centre rule (a cell belongs to a zone when its
centre is inside, as rasterstats and PostGIS ST_Clip do by default). The zones
are reprojected to the raster's CRS rather than the raster to the zones', so
cell values are never resampled. All zones are burnt into one label grid and
summed with numpy.bincount: one pass over the raster whatever the number of
zones. Overlapping zones cannot share one label grid, so they fall back to one
mask per zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio.features import geometry_mask, rasterize
from rasterio.warp import transform_bounds
from rasterio.windows import Window, from_bounds

from services.analysis.common import UTM, WGS84, AnalysisError
from services.analysis.distributed import SERIAL, Runner

CLASS_NAMES = ("rendah", "sedang", "tinggi")


@dataclass
class HazardRaster:
    values: np.ndarray  # float64, NaN where there is no data
    transform: Affine
    crs: rasterio.crs.CRS
    path: Path | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape


def open_hazard(path: Path, area: gpd.GeoDataFrame | gpd.GeoSeries) -> HazardRaster:
    """Read the part of a single-band hazard raster covering `area` (any CRS).

    Raises AnalysisError when the raster has no CRS or does not overlap the area,
    instead of returning all-empty statistics.
    """
    path = Path(path)
    if not path.exists():
        raise AnalysisError(f"hazard raster {path} does not exist")
    with rasterio.open(path) as src:
        if src.crs is None:
            raise AnalysisError(f"hazard raster {path.name} has no CRS; assign one (e.g. gdal_edit.py -a_srs)")
        area_bounds = transform_bounds(area.crs, src.crs, *area.total_bounds, densify_pts=21)
        r = src.bounds
        a = area_bounds
        if a[0] >= r.right or a[2] <= r.left or a[1] >= r.top or a[3] <= r.bottom:
            city = transform_bounds(area.crs, WGS84, *area.total_bounds)
            raster = transform_bounds(src.crs, WGS84, *src.bounds)
            raise AnalysisError(
                f"hazard raster {path.name} does not overlap the analysis area: raster covers lon/lat "
                f"{_fmt(raster)}, the area is {_fmt(city)}. Wrong file or wrong CRS?")
        window = _padded_window(from_bounds(*a, transform=src.transform)).intersection(
            Window(0, 0, src.width, src.height))
        band = src.read(1, window=window, masked=True).astype("float64")
        values = band.filled(np.nan)
        return HazardRaster(values, src.window_transform(window), src.crs, path)


def _padded_window(window: Window) -> Window:
    # Whole cells, one more on each side, so no edge cell is lost to rounding.
    c0, r0 = int(np.floor(window.col_off)) - 1, int(np.floor(window.row_off)) - 1
    c1 = int(np.ceil(window.col_off + window.width)) + 1
    r1 = int(np.ceil(window.row_off + window.height)) + 1
    return Window(c0, r0, c1 - c0, r1 - r0)


def _fmt(bounds: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3f}" for v in bounds) + ")"


def classify(values: np.ndarray, breaks: list[float]) -> np.ndarray:
    """Class index per value (0 = below the first break), -1 where there is no value."""
    classes = np.digitize(values, breaks).astype("int64")
    return np.where(np.isnan(values), -1, classes)


def _zones_in_raster_crs(raster: HazardRaster, zones: gpd.GeoSeries) -> np.ndarray:
    if zones.crs is None:
        raise AnalysisError("the zones have no CRS")
    return np.asarray(zones.to_crs(raster.crs).values)


# Real boundaries (and simplified ones especially) overlap in thin slivers; those
# hold almost no cell centres, so they do not make zones "overlapping".
OVERLAP_TOLERANCE = 1e-3


def _overlapping(geoms: np.ndarray) -> bool:
    """True when the zones overlap beyond slivers, so that one label grid cannot hold them."""
    return bool(shapely.area(geoms).sum() > shapely.union_all(geoms).area * (1 + OVERLAP_TOLERANCE))


def _labels(raster: HazardRaster, geoms: np.ndarray) -> np.ndarray:
    """A grid of zone numbers (1-based, 0 outside) of non-overlapping zones."""
    return rasterize(((g, i + 1) for i, g in enumerate(geoms) if not g.is_empty), out_shape=raster.shape,
                     transform=raster.transform, fill=0, dtype="int32")


def zonal_stats(raster: HazardRaster, zones: gpd.GeoSeries, breaks: list[float],
                runner: Runner = SERIAL) -> pd.DataFrame:
    """Per zone: cell count, mean, min, max of the raster and the share of cells in each class.

    One row per zone, in the zones' order. Zones without a valid cell get
    count 0 and NaN statistics. The zones are spread over `runner` in parts;
    the label grid is burnt once, and a part reads the cells of its own zones
    in the grid's order, so its figures are those of the whole computation.
    """
    geoms = _zones_in_raster_crs(raster, zones)
    parts = runner.parts(len(geoms))
    if _overlapping(geoms):
        tables = runner.map(_zones_one_by_one, parts, raster=raster, geoms=geoms, breaks=breaks)
    else:
        labels = _labels(raster, geoms)
        # Each task gets only the window of its zones (views here, copied when shipped), not the grid.
        tables = runner.map(_zones_of_label_grid, [_grid_part(raster, labels, geoms, rows) for rows in parts],
                            n_zones=len(geoms), breaks=breaks)
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    table.index = zones.index
    return table


def _zones_one_by_one(rows: np.ndarray, raster: HazardRaster, geoms: np.ndarray, breaks: list[float]) -> pd.DataFrame:
    return pd.DataFrame([_one_zone(raster, geoms[i], breaks, len(breaks) + 1) for i in rows],
                        columns=_columns(len(breaks) + 1))


def _columns(n_classes: int) -> list[str]:
    return ["count", "mean", "min", "max", *(f"share_{k}" for k in range(n_classes))]


def _grid_part(raster: HazardRaster, labels: np.ndarray, geoms: np.ndarray,
               rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zones `rows` (0-based) with the raster values and labels of the window holding them."""
    if len(rows) == len(geoms):  # every zone: the whole grid
        return rows, raster.values, labels
    top, bottom, left, right = _window_of(raster, geoms[rows])
    return rows, raster.values[top:bottom, left:right], labels[top:bottom, left:right]


def _zones_of_label_grid(part: tuple[np.ndarray, np.ndarray, np.ndarray], n_zones: int,
                         breaks: list[float]) -> pd.DataFrame:
    """The statistics of a part's zones from its window of the label grid, cells in the grid's order."""
    rows, values, labels = part
    if len(rows) == n_zones:
        return _all_zones(values, labels, n_zones, breaks, len(breaks) + 1)
    local = np.zeros(n_zones + 1, dtype="int32")  # global label -> 1-based number within the part
    local[rows + 1] = np.arange(1, len(rows) + 1)
    return _all_zones(values, local[labels], len(rows), breaks, len(breaks) + 1)


def _window_of(raster: HazardRaster, geoms: np.ndarray) -> tuple[int, int, int, int]:
    """Rows and columns (top, bottom, left, right; ends exclusive) covering the geometries, one cell padded."""
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    if not np.isfinite(x0):  # only empty geometries: no cell
        return 0, 0, 0, 0
    (r0, r1), (c0, c1) = rasterio.transform.rowcol(raster.transform, [x0, x1], [y0, y1])
    top, bottom = sorted((r0, r1))
    left, right = sorted((c0, c1))
    return (max(top - 1, 0), min(bottom + 2, raster.shape[0]), max(left - 1, 0), min(right + 2, raster.shape[1]))


def _all_zones(values: np.ndarray, labels: np.ndarray, n: int, breaks: list[float],
               n_classes: int) -> pd.DataFrame:
    valid = (labels > 0) & ~np.isnan(values)
    lab = labels[valid] - 1
    vals = values[valid]
    count = np.bincount(lab, minlength=n)
    total = np.bincount(lab, weights=vals, minlength=n)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, lab, vals)
    np.maximum.at(hi, lab, vals)
    classes = classify(vals, breaks)
    per_class = np.bincount(lab * n_classes + classes, minlength=n * n_classes).reshape(n, n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame({"count": count, "mean": total / count,
                              "min": np.where(count > 0, lo, np.nan), "max": np.where(count > 0, hi, np.nan)})
        for k in range(n_classes):
            table[f"share_{k}"] = per_class[:, k] / count
    return table


def _one_zone(raster: HazardRaster, geom: shapely.Geometry, breaks: list[float], n_classes: int) -> dict:
    # Only the window around the zone is masked: the cost follows the zone, not the raster.
    top, bottom, left, right = _window_of(raster, np.array([geom]))
    window = raster.values[top:bottom, left:right]
    vals = np.array([])
    if window.size:
        inside = geometry_mask([geom], out_shape=window.shape, invert=True,
                               transform=raster.transform * raster.transform.translation(left, top))
        vals = window[inside & ~np.isnan(window)]
    row = {"count": len(vals), "mean": vals.mean() if len(vals) else np.nan,
           "min": vals.min() if len(vals) else np.nan, "max": vals.max() if len(vals) else np.nan}
    classes = classify(vals, breaks)
    for k in range(n_classes):
        row[f"share_{k}"] = (classes == k).mean() if len(vals) else np.nan
    return row


def sample(raster: HazardRaster, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Raster value at each (x, y) given in the raster's CRS; NaN outside the raster."""
    cols, rows = (~raster.transform) @ (np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    rows, cols = np.floor(rows).astype("int64"), np.floor(cols).astype("int64")
    height, width = raster.shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    out = np.full(len(rows), np.nan)
    out[inside] = raster.values[rows[inside], cols[inside]]
    return out


def sample_points(raster: HazardRaster, points: gpd.GeoSeries) -> np.ndarray:
    projected = points.to_crs(raster.crs)
    return sample(raster, projected.x.to_numpy(), projected.y.to_numpy())


def line_length_by_class(raster: HazardRaster, lines: gpd.GeoSeries, zones: gpd.GeoSeries,
                         breaks: list[float], step_m: float = 25.0) -> np.ndarray:
    """Kilometres of line inside each zone (rows) in each hazard class (columns).

    Lines are cut into pieces of at most step_m metres (UTM 47N); each piece
    takes the class of the cell under its midpoint and the zone holding it.
    """
    n_classes = len(breaks) + 1
    out = np.zeros((len(zones), n_classes))
    if len(lines) == 0:
        return out
    pieces = _pieces(np.asarray(lines.to_crs(UTM).values), step_m)
    if len(pieces) == 0:
        return out
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    lengths = shapely.length(pieces) / 1000.0
    mids_wgs = gpd.GeoSeries(mids, crs=UTM)
    values = sample_points(raster, mids_wgs)
    classes = classify(values, breaks)
    zone_utm = zones.to_crs(UTM).values
    hit_piece, hit_zone = shapely.STRtree(zone_utm).query(mids, predicate="within")
    keep = classes[hit_piece] >= 0
    np.add.at(out, (hit_zone[keep], classes[hit_piece][keep]), lengths[hit_piece][keep])
    return out


def _pieces(lines: np.ndarray, step_m: float) -> np.ndarray:
    dense = shapely.segmentize(lines, step_m)
    parts = shapely.get_parts(dense)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    same = index[1:] == index[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    return shapely.linestrings(np.stack([starts, ends], axis=1))
