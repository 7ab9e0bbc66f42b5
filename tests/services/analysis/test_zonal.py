"""Zonal statistics and hazard sampling on hand-checked rasters."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject

from config.settings import PROJECT_ROOT
from services.analysis.common import AnalysisError
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.zonal import line_length_by_class, open_hazard, sample_points, zonal_stats
from tests.helpers.rasters import UTM, X0, Y0, square, write_raster

BREAKS = [0.33, 0.66]
KELURAHAN_FILE = PROJECT_ROOT / "geodata" / "data" / "medan_kelurahan.geojson"


def test_a_known_raster_and_three_polygons_give_known_statistics(known_raster: Path, three_zones) -> None:  # noqa: ANN001
    stats = zonal_stats(open_hazard(known_raster, three_zones), three_zones.geometry, BREAKS)
    a, b, c = (stats.iloc[i] for i in range(3))
    assert a["count"] == 4 and a["mean"] == pytest.approx((0 + 1 + 10 + 11) / 400) and a["max"] == pytest.approx(0.11)
    assert b["count"] == 5 and b["mean"] == pytest.approx(0.07) and b["min"] == pytest.approx(0.05)
    # C: rows 8 and 9, 19 valid cells (0.80 .. 0.98), all in the high class.
    assert c["count"] == 19 and c["mean"] == pytest.approx((sum(range(80, 99))) / 1900)
    assert c["share_2"] == 1.0 and a["share_0"] == 1.0


def test_overlapping_zones_give_the_same_statistics_one_by_one(known_raster: Path, three_zones) -> None:  # noqa: ANN001
    overlapping = gpd.GeoDataFrame(geometry=[*three_zones.geometry, square(0, 0, 100, 100)], crs=UTM)
    stats = zonal_stats(open_hazard(known_raster, overlapping), overlapping.geometry, BREAKS)
    assert stats.iloc[0]["mean"] == pytest.approx(0.055)
    assert stats.iloc[3]["count"] == 99 and stats.iloc[3]["share_1"] == pytest.approx(33 / 99)


def test_zones_in_another_crs_are_reprojected_to_the_raster(known_raster: Path, three_zones) -> None:  # noqa: ANN001
    in_wgs84 = three_zones.to_crs("EPSG:4326")
    stats = zonal_stats(open_hazard(known_raster, in_wgs84), in_wgs84.geometry, BREAKS)
    assert list(stats["count"]) == [4, 5, 19]


def test_a_raster_in_another_crs_gives_the_same_kelurahan_statistics(tmp_path: Path) -> None:
    kel = gpd.read_file(KELURAHAN_FILE).iloc[::10]
    with rasterio.open(FLOOD_INDEX_FILE) as src:
        transform, width, height = calculate_default_transform(src.crs, "EPSG:4326", src.width, src.height,
                                                               *src.bounds)
        out = np.full((height, width), -9999.0, dtype="float32")
        reproject(src.read(1), out, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                  dst_crs="EPSG:4326", src_nodata=-9999.0, dst_nodata=-9999.0, resampling=Resampling.nearest)
    wgs = write_raster(tmp_path / "wgs84.tif", out, transform, "EPSG:4326")
    utm_stats = zonal_stats(open_hazard(FLOOD_INDEX_FILE, kel), kel.geometry, BREAKS)
    wgs_stats = zonal_stats(open_hazard(wgs, kel), kel.geometry, BREAKS)
    assert np.abs(utm_stats["mean"] - wgs_stats["mean"]).max() < 0.02


def test_a_raster_that_does_not_overlap_the_city_is_refused(tmp_path: Path, three_zones) -> None:  # noqa: ANN001
    java = write_raster(tmp_path / "java.tif", np.ones((10, 10)), Affine(0.001, 0, 110.0, 0, -0.001, -7.0),
                        "EPSG:4326")
    with pytest.raises(AnalysisError, match="does not overlap"):
        open_hazard(java, three_zones)


def test_a_raster_without_crs_is_refused(tmp_path: Path, three_zones) -> None:  # noqa: ANN001
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32") as dst:
        dst.write(np.ones((1, 2, 2), dtype="float32"))
    with pytest.raises(AnalysisError, match="no CRS"):
        open_hazard(path, three_zones)


def test_points_and_lines_take_the_class_of_the_cell_under_them(known_raster: Path, three_zones) -> None:  # noqa: ANN001
    raster = open_hazard(known_raster, three_zones)
    points = gpd.GeoSeries.from_xy([X0 + 5, X0 + 95, X0 + 500], [Y0 + 95, Y0 + 5, Y0], crs=UTM)
    values = sample_points(raster, points)
    assert values[0] == pytest.approx(0.0) and np.isnan(values[1]) and np.isnan(values[2])
    line = gpd.GeoSeries.from_wkt([f"LINESTRING ({X0} {Y0 + 5}, {X0 + 90} {Y0 + 5})"], crs=UTM)
    km = line_length_by_class(raster, line, three_zones.geometry, BREAKS, step_m=10)
    assert km[2, 2] == pytest.approx(0.09) and km[:2].sum() == 0
