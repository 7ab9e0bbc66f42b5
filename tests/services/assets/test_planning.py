"""The planners' questions, one call each, checked against geopandas on the same seeded layers."""

from __future__ import annotations

import geopandas as gpd
import pytest
from sqlalchemy import Engine

from layers import read_layer
from services.assets.queries import PlannerQueryError, assets_in

UTM = "EPSG:32647"


def test_city_land_in_high_flood_hazard(engine: Engine) -> None:
    found = assets_in(engine, kib="A", hazard="flood", min_class="high")
    land = read_layer(engine, "assets_areas", where={"kib": "A"})
    zones = read_layer(engine, "flood_hazard_zones", where={"kelas": "tinggi"})
    expected = set(gpd.sjoin(land, zones, predicate="intersects")["kode_aset"])
    assert expected, "the seed puts some city land in high flood hazard"
    assert set(found["kode_aset"]) == expected
    assert set(found["hazard_class"]) == {"tinggi"} and set(found["kib"]) == {"A"}
    assert ((found["hazard_share"] > 0) & (found["hazard_share"] <= 1 + 1e-9)).all()
    assert (found["nilai_buku"] == found["nilai_perolehan"]).all()  # land is not depreciated
    assert found.crs.to_epsg() == 4326 and found.geometry.geom_type.isin(["MultiPolygon"]).all()
    wider = assets_in(engine, kib="A", hazard="flood", min_class="medium")
    assert set(found["kode_aset"]) < set(wider["kode_aset"])
    assert set(wider["hazard_class"]) == {"sedang", "tinggi"}


def test_buildings_in_poor_condition_near_schools(engine: Engine) -> None:
    found = assets_in(engine, kib="C", condition="poor", near="schools", within_m=300)
    assert len(found) and set(found["kondisi"]) <= {"rusak_ringan", "rusak_berat"}
    assert (found["near_m"] <= 300).all() and found["near_name"].notna().all()
    buildings = read_layer(engine, "assets_areas", where={"kib": "C"}).to_crs(UTM)
    poor = buildings[buildings["kondisi"] != "baik"]
    schools = read_layer(engine, "schools").to_crs(UTM)
    near = gpd.sjoin_nearest(poor, schools, distance_col="d")
    surely = set(near.loc[near["d"] < 299, "kode_aset"])  # geography and UTM distances differ by centimetres
    assert surely <= set(found["kode_aset"]) <= set(near.loc[near["d"] < 301, "kode_aset"])
    book = found["nilai_buku"]
    assert ((book >= 0) & (book <= found["nilai_perolehan"])).all()
    assert "pemegang_barang" not in found.columns


def test_a_question_the_register_cannot_answer_says_why(engine: Engine) -> None:
    with pytest.raises(PlannerQueryError, match="unknown hazard 'gempa'"):
        assets_in(engine, hazard="gempa")
    with pytest.raises(PlannerQueryError, match="unknown layer to be near 'complaints'"):
        assets_in(engine, near="complaints")
    with pytest.raises(PlannerQueryError, match="unknown hazard class 'extreme'"):
        assets_in(engine, hazard="flood", min_class="extreme")
