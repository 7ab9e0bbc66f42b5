"""Exposure counts at scale: the same computation in memory and with dask-geopandas.

How many points (parcels, buildings, telemetry records, ...) lie in each
kelurahan and each hazard class. In memory it is one pass: sample the raster
under every point and look up its kelurahan with a spatial index. When the
points outgrow memory, dask-geopandas runs the very same function on each
partition and the per-partition tables are summed — counts add up, so the
results are identical, not approximately equal (tests/analysis checks it).
The same split runs on dask.distributed through a Runner
(services/analysis/distributed.py): parts of the points as tasks.
"""

from __future__ import annotations

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from services.analysis.distributed import SERIAL, Runner, slices
from services.analysis.zonal import CLASS_NAMES, HazardRaster, classify, sample_points


def exposure_counts(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, raster: HazardRaster,
                    breaks: list[float], key: str = "kode_kel", runner: Runner = SERIAL) -> pd.DataFrame:
    """Points per zone (rows, by `key`) and hazard class (columns); points outside every zone are dropped.

    The points are spread over `runner` in parts (runs of rows); counts add up.
    """
    n_classes = len(breaks) + 1
    counts = runner.map(_counts_of_part, slices(runner, points.geometry), zones=zones.geometry,
                        raster=raster, breaks=breaks)
    flat = np.sum(counts, axis=0) if len(counts) > 1 else counts[0]
    names = list(CLASS_NAMES) if n_classes == len(CLASS_NAMES) else [f"kelas_{k}" for k in range(n_classes)]
    return pd.DataFrame(flat.reshape(len(zones), n_classes), index=zones[key].to_numpy(), columns=names)


def _counts_of_part(part: gpd.GeoSeries, zones: gpd.GeoSeries, raster: HazardRaster,
                    breaks: list[float]) -> np.ndarray:
    """Flat zone × class counts of the points of one part."""
    classes = classify(sample_points(raster, part), breaks)
    pts = np.asarray(part.to_crs(zones.crs).values)
    hit_pt, hit_zone = shapely.STRtree(np.asarray(zones.values)).query(pts, predicate="within")
    first = np.unique(hit_pt, return_index=True)[1]  # a point on a shared edge counts once
    hit_pt, hit_zone = hit_pt[first], hit_zone[first]
    ok = classes[hit_pt] >= 0
    n_classes = len(breaks) + 1
    return np.bincount(hit_zone[ok] * n_classes + classes[hit_pt][ok], minlength=len(zones) * n_classes)


def exposure_counts_dask(points: dask_geopandas.GeoDataFrame, zones: gpd.GeoDataFrame, raster: HazardRaster,
                         breaks: list[float], key: str = "kode_kel") -> pd.DataFrame:
    """exposure_counts over dask-geopandas partitions, summed; same result as in memory."""
    n_classes = len(breaks) + 1
    names = list(CLASS_NAMES) if n_classes == len(CLASS_NAMES) else [f"kelas_{k}" for k in range(n_classes)]
    meta = pd.DataFrame({n: pd.Series(dtype="int64") for n in names})
    parts = points.map_partitions(
        lambda part: exposure_counts(part, zones, raster, breaks, key).rename_axis(key).reset_index(),
        meta=meta.assign(**{key: pd.Series(dtype=object)})[[key, *names]],
    )
    return parts.groupby(key)[names].sum().compute().reindex(zones[key].to_numpy()).fillna(0).astype("int64")
