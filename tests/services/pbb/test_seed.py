"""The synthetic PBB layers: parcels in their kelurahan and zone, NOPs well formed (no database).

The generic checks every synthetic layer passes (declared types, inside the city, deterministic)
are in tests/geodata/test_synthetic.py; these are the PBB's own.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely

from geodata.synthetic.common import DATA_DIR, UTM
from services.pbb import seed
from services.pbb.rules import billboard_tax

NOP = re.compile(r"^12\.71\.\d{3}\.\d{3}\.\d{3}-\d{4}\.\d$")


@pytest.fixture(scope="module")
def kelurahan() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA_DIR / "medan_kelurahan.geojson")


@pytest.fixture(scope="module")
def zones(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return seed.generate_land_value_zones(kelurahan)


@pytest.fixture(scope="module")
def parcels(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return seed.generate_tax_parcels(kelurahan)


def test_zones_tile_each_kelurahan_without_overlap(kelurahan: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> None:
    kel = kelurahan.to_crs(UTM).set_index("kode_kel")
    per_kel = zones.to_crs(UTM).dissolve("kode_kel")
    assert set(per_kel.index) == set(kel.index)
    for code, geom in per_kel.geometry.items():
        # Slivers under 2,000 m² are dropped; what is left covers all but a sliver of the kelurahan.
        assert geom.area == pytest.approx(kel.geometry[code].area, rel=0.02)
    # Within a kelurahan the zones do not overlap (the source boundaries of neighbours may).
    for _, group in zones.to_crs(UTM).groupby("kode_kel"):
        pieces = group.geometry.values
        assert shapely.union_all(pieces).area == pytest.approx(shapely.area(pieces).sum(), rel=1e-6)
    assert zones["kode_znt"].is_unique


def test_every_parcel_lies_in_its_kelurahan_and_in_the_zone_it_names(
        kelurahan: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> None:
    assert len(parcels) > 5000 and parcels["nop"].is_unique
    assert all(NOP.match(nop) for nop in parcels["nop"])
    kel = kelurahan.set_index("kode_kel").to_crs(UTM).geometry.buffer(1.0)
    zone = zones.set_index("kode_znt").to_crs(UTM).geometry.buffer(1.0)
    utm = parcels.to_crs(UTM)
    assert utm.apply(lambda p: kel[p["kode_kel"]].contains(p.geometry), axis=1).all()
    assert utm.apply(lambda p: zone[p["kode_znt"]].contains(p.geometry.centroid), axis=1).all()
    assert (parcels.loc[parcels["luas_bangunan_m2"] == 0, "kelas_bangunan"].isna()).all()
    assert parcels.loc[parcels["luas_bangunan_m2"] > 0, "kelas_bangunan"].notna().all()


def test_the_nop_carries_the_kelurahan_code() -> None:
    assert seed.nop_for("12.71.21.1004", 1, 27) == "12.71.021.004.001-0027.0"


def test_billboards_carry_the_tax_of_the_declared_tariff(kelurahan: gpd.GeoDataFrame) -> None:
    boards = seed.generate_billboards(kelurahan)
    for board in boards.itertuples():
        assert board.pajak_tahunan == billboard_tax(jenis=board.jenis, lebar_m=board.lebar_m, tinggi_m=board.tinggi_m,
                                                    sisi=board.sisi, kelas_jalan=board.kelas_jalan)
