"""Composite indices and access on hand-checked inputs: weights, breaks, distances."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from services.analysis.access import compute_access
from services.analysis.common import AnalysisError, check_weights
from services.analysis.food import compute_food
from services.analysis.poverty import derive_poverty
from services.analysis.risk import RiskParameters
from tests.helpers.rasters import UTM, X0, Y0, square

WGS84 = "EPSG:4326"


def kelurahan() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kode_kel": ["K1", "K2", "K3"], "nama_kel": ["k1", "k2", "k3"],
                             "nama_kec": ["x", "x", "y"]},
                            geometry=[square(0, 0, 1000, 1000), square(1000, 0, 1000, 1000),
                                      square(2000, 0, 1000, 1000)], crs=UTM).to_crs(WGS84)


def points(*xy: tuple[float, float], **columns: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]),
                            crs=UTM).to_crs(WGS84)


POVERTY = pd.DataFrame({"kode_kel": ["K1", "K2", "K3"], "persen_miskin": [10.0, 20.0, 30.0],
                        "jarak_pasar_km": [1.0, 1.0, 1.0], "persen_tanpa_air_bersih": [0.0, 50.0, 100.0]})


def test_weights_that_do_not_sum_to_one_are_refused() -> None:
    with pytest.raises(AnalysisError, match="sum to 1, they sum to 0.9"):
        check_weights({"a": 0.5, "b": 0.4}, ["a", "b"])
    with pytest.raises(AnalysisError, match="unknown weights"):
        check_weights({"a": 0.5, "z": 0.5}, ["a", "b"])
    with pytest.raises(AnalysisError, match="sum to 1"):
        compute_food(kelurahan(), POVERTY, points((500, 500), jenis=["Puskesmas"]),
                     weights={"persen_miskin": 0.5, "jarak_pasar_km": 0.2, "jarak_faskes_km": 0.2,
                              "persen_tanpa_air_bersih": 0.2})
    with pytest.raises(AnalysisError, match="sum to 1"):
        RiskParameters(weights={"bahaya": 0.6, "keterpaparan": 0.3, "kejadian": 0.2}).checked()


def test_the_food_index_is_the_weighted_sum_of_rescaled_indicators() -> None:
    facility = points((500, 500), jenis=["Puskesmas"])  # in K1: K2 is 1 km away, K3 2 km
    weights = {"persen_miskin": 0.5, "jarak_pasar_km": 0.0, "jarak_faskes_km": 0.25, "persen_tanpa_air_bersih": 0.25}
    result = compute_food(kelurahan(), POVERTY, facility, weights=weights, breaks=[0.1, 0.2, 0.3, 0.4, 0.9])
    assert list(result["jarak_faskes_km"]) == pytest.approx([0.0, 1.0, 2.0], abs=0.01)
    # Every indicator rises 0 -> 0.5 -> 1 from K1 to K3 (the market distance is constant and adds 0).
    assert list(result["indeks"]) == pytest.approx([0.0, 0.5, 1.0], abs=0.005)
    assert list(result["prioritas"]) == [6, 2, 1]
    with pytest.raises(AnalysisError, match="five numbers|need 5 values"):
        compute_food(kelurahan(), POVERTY, facility, breaks=[0.5])


def test_missing_poverty_figures_are_named() -> None:
    with pytest.raises(AnalysisError, match="no figures for 1 kelurahan"):
        compute_food(kelurahan(), POVERTY.iloc[:2], points((500, 500), jenis=["Puskesmas"]))


def test_poverty_rate_is_derived_and_impossible_figures_refused() -> None:
    figures = pd.DataFrame({"kode_kel": ["K1", "K2"], "penduduk": [1000, 400], "penduduk_miskin": [50, 100]})
    layer = derive_poverty(kelurahan(), figures)
    assert list(layer["persen_miskin"]) == [5.0, 25.0] and len(layer) == 2
    with pytest.raises(AnalysisError, match="cannot exceed"):
        derive_poverty(kelurahan(), figures.assign(penduduk_miskin=[50, 500]))
    with pytest.raises(AnalysisError, match="not kelurahan"):
        derive_poverty(kelurahan(), figures.assign(kode_kel=["K1", "ZZ"]))


def test_access_is_the_mean_distance_over_a_grid_and_flags_the_underserved() -> None:
    # One facility of each kind at the centre of K1; grid of 500 m -> 4 points per square.
    facilities = points((500, 500), (500, 500), jenis=["Puskesmas", "Rumah Sakit"])
    schools = points(*[(500, 500)] * 4, jenjang=["SD", "SMP", "SMA", "SMK"])
    result = compute_access(kelurahan(), facilities, schools, cell_m=500).set_index("kode_kel")
    # K1's grid points are the corners of a 500 m square around the centre: 353.6 m each.
    assert result.loc["K1", "jarak_sd_km"] == pytest.approx(0.35, abs=0.01)
    assert result.loc["K1", "kurang_terlayani"] == "tidak"
    assert result.loc["K3", "kurang_terlayani"] == "ya" and "sd" in result.loc["K3", "kekurangan"]
    assert result.loc["K2", "jarak_puskesmas_km"] < result.loc["K3", "jarak_puskesmas_km"]
