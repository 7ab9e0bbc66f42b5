"""Exposure per hazard class per kelurahan (services/analysis/risk.py) on hand-checked inputs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from services.analysis.risk import RiskParameters, compute_risk
from services.analysis.zonal import open_hazard
from tests.helpers.rasters import UTM, X0, Y0, square


def pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


@pytest.fixture
def exposure(known_raster: Path) -> gpd.GeoDataFrame:
    """Three kelurahan on the known raster (values (10 r + c) / 100, row 0 at the top, cell (9, 9) nodata).

    A: rows 0-1 x cols 0-1, all rendah. D: rows 3-4 (y 50..70) x all columns: row 3 has
    0.30-0.32 (rendah) in cols 0-2 and sedang after; row 4 is sedang: 3 rendah, 17 sedang.
    C: rows 8-9 (y 0..20), all tinggi, one nodata cell.
    """
    kel = gpd.GeoDataFrame({"kode_kel": ["A", "C", "D"], "nama_kel": ["a", "c", "d"]},
                           geometry=[square(0, 80, 20, 20), square(0, 0, 100, 20), square(0, 50, 100, 20)],
                           crs=UTM)
    people = gpd.GeoDataFrame({"kode_kel": ["A", "C", "D"], "penduduk": [500, 1000, 2000]})
    schools = gpd.GeoDataFrame(geometry=[pt(55, 55), pt(5, 5), pt(95, 5)], crs=UTM)  # sedang, tinggi, nodata
    facilities = gpd.GeoDataFrame(geometry=[pt(5, 95)], crs=UTM)  # rendah in A
    stops = gpd.GeoDataFrame(geometry=[pt(15, 65), pt(50, 15), pt(500, 500)], crs=UTM)  # rendah, tinggi, outside
    routes = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0 + 55), (X0 + 100, Y0 + 55)]),   # 100 m sedang in D
                                        LineString([(X0, Y0 + 15), (X0 + 100, Y0 + 15)])],  # 100 m tinggi in C
                              crs=UTM)
    results = compute_risk(kel, people, schools, facilities, routes, open_hazard(known_raster, kel), None,
                           RiskParameters(), stops=stops)
    return results["flood_exposure"].set_index("kode_kel")


def test_people_per_class(exposure: gpd.GeoDataFrame) -> None:
    cols = ["jiwa_rendah", "jiwa_sedang", "jiwa_tinggi"]
    assert exposure.loc["A", cols].tolist() == [500, 0, 0]
    assert exposure.loc["D", cols].tolist() == [300, 1700, 0]  # 3 of 20 cells rendah
    assert exposure.loc["C", cols].tolist() == [0, 0, 1000]    # the nodata cell holds nobody
    assert exposure["penduduk_terpapar"].to_dict() == {"A": 0, "C": 1000, "D": 1700}


def test_points_per_class(exposure: gpd.GeoDataFrame) -> None:
    per_class = {what: exposure[[f"{what}_{k}" for k in ("rendah", "sedang", "tinggi")]].to_numpy().tolist()
                 for what in ("sekolah", "faskes", "halte")}
    assert per_class["sekolah"] == [[0, 0, 0], [0, 0, 1], [0, 1, 0]]  # the school on nodata is in no class
    assert per_class["faskes"] == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert per_class["halte"] == [[0, 0, 0], [0, 0, 1], [1, 0, 0]]  # the stop outside every kelurahan: none
    assert exposure["sekolah_terpapar"].to_dict() == {"A": 0, "C": 1, "D": 1}
    assert exposure["faskes_terpapar"].sum() == 0
    assert exposure["halte_terpapar"].to_dict() == {"A": 0, "C": 1, "D": 0}


def test_route_km_per_class(exposure: gpd.GeoDataFrame) -> None:
    km = exposure[["trayek_rendah_km", "trayek_sedang_km", "trayek_tinggi_km"]]
    assert km.loc["D"].tolist() == pytest.approx([0, 0.1, 0])
    assert km.loc["C"].tolist() == pytest.approx([0, 0, 0.1])
    assert km.loc["A"].sum() == 0
    assert exposure["trayek_terpapar_km"].to_dict() == pytest.approx({"A": 0, "C": 0.1, "D": 0.1})


def test_only_tinggi_counts_as_exposed_when_asked(known_raster: Path, exposure: gpd.GeoDataFrame) -> None:
    assert exposure.loc["D", "jiwa_sedang"] == 1700
    kel = gpd.GeoDataFrame({"kode_kel": ["D"], "nama_kel": ["d"]}, geometry=[square(0, 50, 100, 20)], crs=UTM)
    only_high = compute_risk(kel, gpd.GeoDataFrame({"kode_kel": ["D"], "penduduk": [2000]}),
                             gpd.GeoDataFrame(geometry=[], crs=UTM), gpd.GeoDataFrame(geometry=[], crs=UTM),
                             gpd.GeoDataFrame(geometry=[], crs=UTM), open_hazard(known_raster, kel), None,
                             RiskParameters(exposed_from=2))["flood_exposure"]
    assert only_high["penduduk_terpapar"].tolist() == [0] and only_high["jiwa_sedang"].tolist() == [1700]
    assert only_high["halte_terpapar"].tolist() == [0]  # no stops given: zero, not missing
