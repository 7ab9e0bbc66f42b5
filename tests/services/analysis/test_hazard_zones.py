"""Hazard-class polygons (services/analysis/hazard_zones.py): areas, clipping, CRS, bad input, publishing."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from shapely.geometry import box

from config.settings import PROJECT_ROOT
from layers import engine_for, read_layer
from services.analysis.common import AnalysisError, latest_runs
from services.analysis.hazard import CITY_FILE, FLOOD_INDEX_FILE
from services.analysis.hazard_zones import compute_hazard_zones, run_hazard_zones
from services.analysis.zonal import classify, open_hazard
from tests.helpers.rasters import UTM, X0, Y0, write_raster


def utm_areas(zones: gpd.GeoDataFrame) -> dict[str, float]:
    return dict(zip(zones["kelas"], zones.to_crs(UTM).area, strict=True))


def city(geom: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kode_kota": ["X"]}, geometry=[geom], crs=UTM)


def test_areas_are_cell_counts_times_cell_area(known_raster: Path) -> None:
    # Values (10 r + c) / 100, one nodata cell: 33 cells below 0.33, 33 in [0.33, 0.66), 33 from 0.66.
    whole = city(box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 150))
    raster = open_hazard(known_raster, whole)
    exact = compute_hazard_zones(raster, whole, simplify_cells=0)
    assert list(exact["kelas"]) == ["rendah", "sedang", "tinggi"]
    assert list(exact["jumlah_sel"]) == [33, 33, 33]
    for kelas, area in utm_areas(exact).items():
        assert area == pytest.approx(33 * 100, rel=1e-6), kelas
    assert list(exact["luas_km2"]) == [0.003, 0.003, 0.003]
    # Lightly simplified (half a cell): still a coverage (no overlaps) and areas within 5 %.
    simplified = compute_hazard_zones(raster, whole)
    for kelas, area in utm_areas(simplified).items():
        assert area == pytest.approx(3300, rel=0.05), kelas
    geoms = simplified.to_crs(UTM).geometry.values
    assert shapely.union_all(geoms).area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)
    assert exact.crs.to_epsg() == 4326 and (exact.geom_type == "MultiPolygon").all()


def test_zones_are_clipped_to_the_city(known_raster: Path) -> None:
    # The city is the left half (columns 0-4): per row 5 cells; rendah rows 0-2 + row 3 cols 0-2 = 18,
    # sedang row 3 cols 3-4 + rows 4-5 + row 6 cols 0-4 (0.60..0.64) = 17, tinggi rows 7-9 = 15.
    left = city(box(X0, Y0, X0 + 50, Y0 + 100))
    zones = compute_hazard_zones(open_hazard(known_raster, left), left, simplify_cells=0)
    assert utm_areas(zones) == pytest.approx({"rendah": 1800, "sedang": 1700, "tinggi": 1500}, rel=1e-6)


def test_medan_zones_match_the_raster_cells() -> None:
    kota = gpd.read_file(CITY_FILE)
    raster = open_hazard(FLOOD_INDEX_FILE, kota)
    zones = compute_hazard_zones(raster, kota)
    counts = np.bincount(classify(raster.values, [0.33, 0.66])[~np.isnan(raster.values)], minlength=3)
    assert list(zones["jumlah_sel"]) == list(counts)
    # Cells touching the outline are kept in the raster but clipped here: a few percent less area.
    for (kelas, area), cells in zip(utm_areas(zones).items(), counts, strict=True):
        assert 0.93 < area / (cells * 50 * 50) <= 1.001, kelas
    city_area = kota.to_crs(UTM).area.sum()
    assert sum(utm_areas(zones).values()) == pytest.approx(city_area, rel=0.01)
    assert zones["sintetis"].all() and (zones["raster"] == FLOOD_INDEX_FILE.name).all()


def test_a_raster_in_another_crs_is_handled(tmp_path: Path) -> None:
    # The known pattern on a lon/lat grid over Medan: classes come out in the same places.
    values = np.arange(100).reshape(10, 10) / 100.0
    lonlat = write_raster(tmp_path / "wgs84.tif", values, Affine(0.001, 0, 98.65, 0, -0.001, 3.60), "EPSG:4326")
    area = gpd.GeoDataFrame(geometry=[box(98.64, 3.58, 98.67, 3.61)], crs="EPSG:4326").to_crs(UTM)
    zones = compute_hazard_zones(open_hazard(lonlat, area), area, simplify_cells=0)
    assert list(zones["jumlah_sel"]) == [33, 33, 34]
    top = zones.set_index("kelas").geometry
    assert top["rendah"].bounds[3] == pytest.approx(3.60) and top["tinggi"].bounds[1] == pytest.approx(3.59)
    assert top["rendah"].centroid.y > top["sedang"].centroid.y > top["tinggi"].centroid.y


def test_bad_input_is_refused(known_raster: Path, tmp_path: Path) -> None:
    elsewhere = city(box(X0 + 5000, Y0 + 5000, X0 + 6000, Y0 + 6000))
    with pytest.raises(AnalysisError, match="does not overlap"):
        open_hazard(known_raster, elsewhere)
    # Overlapping bounds but no cell inside the city outline.
    corner = city(shapely.Polygon([(X0 - 50, Y0 - 50), (X0 + 0.5, Y0 - 50), (X0 - 50, Y0 + 0.5)]))
    with pytest.raises(AnalysisError, match="no classified cell inside the city"):
        compute_hazard_zones(open_hazard(known_raster, corner), corner)
    whole = city(box(X0, Y0, X0 + 100, Y0 + 100))
    with pytest.raises(AnalysisError, match="strictly increasing"):
        compute_hazard_zones(open_hazard(known_raster, whole), whole, breaks=(0.66, 0.33))


def test_run_publishes_with_provenance_and_a_failing_run_writes_nothing(isolated_database_url: str,
                                                                        tmp_path: Path) -> None:
    engine = engine_for(isolated_database_url)
    seeded = read_layer(engine, "flood_hazard_zones")
    assert sorted(seeded["kelas"]) == ["rendah", "sedang", "tinggi"] and (seeded["source"] == "synthetic").all()
    far = write_raster(tmp_path / "far.tif", np.ones((5, 5)), Affine(0.01, 0, 106.8, 0, -0.01, -6.1), "EPSG:4326")
    with pytest.raises(AnalysisError, match="does not overlap"):
        run_hazard_zones(engine, hazard_path=far)
    assert latest_runs(engine, "hazard_zones") == []
    unchanged = read_layer(engine, "flood_hazard_zones")
    assert unchanged.drop(columns="geometry").equals(seeded.drop(columns="geometry"))

    report = run_hazard_zones(engine, breaks=(0.5, 0.8))
    (run,) = latest_runs(engine, "hazard_zones")
    assert run["id"] == report.run_id and run["parameters"]["hazard_breaks"] == [0.5, 0.8]
    assert run["parameters"]["synthetic_raster"] is True
    assert len(run["inputs"]["files"]["hazard"]["sha256"]) == 64
    zones = read_layer(engine, "flood_hazard_zones").set_index("kelas")
    assert zones.loc["tinggi", "indeks_dari"] == 0.8 and (zones["source"] == "synthetic").all()
    assert zones.loc["tinggi", "luas_km2"] < seeded.set_index("kelas").loc["tinggi", "luas_km2"]


def test_the_cli_runs_hazard_zones_and_refuses_a_raster_elsewhere(isolated_database_url: str,
                                                                  tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": isolated_database_url}
    root = PROJECT_ROOT
    far = write_raster(tmp_path / "far.tif", np.ones((5, 5)), Affine(0.01, 0, 106.8, 0, -0.01, -6.1), "EPSG:4326")
    refused = subprocess.run([sys.executable, "-m", "services", "analyse", "hazard_zones", "--hazard", str(far)],
                             cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "hazard_zones: hazard raster far.tif does not overlap" in refused.stderr
    assert latest_runs(engine_for(isolated_database_url), "hazard_zones") == []
    done = subprocess.run([sys.executable, "-m", "services", "analyse", "hazard_zones"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hazard_zones (run ") and "flood_hazard_zones:" in done.stdout
