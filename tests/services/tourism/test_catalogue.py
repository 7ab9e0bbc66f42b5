"""The curated catalogue: every site cites where its location comes from, with a licence; the
walks go through known sites in order, with distance and time measured (no database needed).
That every site lies inside Kota Medan is tests/geodata/test_synthetic.py's loop over the layers."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geodata.synthetic.common import DATA_DIR
from services.tourism.catalogue import catalogue
from services.tourism.seed import generate_tourism_sites, generate_tourism_walks, walking_minutes


@pytest.fixture(scope="module")
def kelurahan() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA_DIR / "medan_kelurahan.geojson")


def test_every_site_names_its_location_source_and_licence() -> None:
    for site in catalogue()["sites"]:
        cited = site["sumber_lokasi"]
        assert cited.startswith(("Wikipedia", "OpenStreetMap")), site["kode"]
        assert ("CC BY-SA" in cited) if cited.startswith("Wikipedia") else ("ODbL" in cited), site["kode"]


def test_the_named_landmarks_are_there(kelurahan: gpd.GeoDataFrame) -> None:
    sites = generate_tourism_sites(kelurahan).set_index("kode_wisata")
    assert {"WS-ISTANA-MAIMUN", "WS-MASJID-RAYA", "WS-TJONG-A-FIE", "WS-KESAWAN", "WS-LAPANGAN-MERDEKA"} <= set(sites.index)
    assert set(sites["jenis"]) == {"sejarah", "religi", "kuliner", "taman"}
    # Kesawan's buildings stand in Kelurahan Kesawan; the palace in Kecamatan Medan Maimun.
    assert set(sites.loc[["WS-TJONG-A-FIE", "WS-LONSUM", "WS-KANTOR-POS"], "nama_kel"]) == {"Kesawan"}
    assert sites.loc["WS-ISTANA-MAIMUN", "nama_kec"] == "Medan Maimun"
    assert set(sites["source"]) == {"wikipedia", "openstreetmap"}


def test_the_kesawan_walk_goes_from_the_square_to_the_mansion_in_minutes(kelurahan: gpd.GeoDataFrame) -> None:
    walks = generate_tourism_walks(kelurahan).set_index("kode_rute")
    kesawan = walks.loc["RW-KESAWAN"]
    stops = kesawan["halte"].split(",")
    assert stops[0] == "WS-LAPANGAN-MERDEKA" and stops[-1] == "WS-TJONG-A-FIE" and "WS-KANTOR-POS" in stops
    assert len(kesawan.geometry.coords) == len(stops)
    assert 400 <= kesawan["jarak_m"] <= 1500  # the square to the mansion is under a kilometre and a half
    assert kesawan["waktu_menit"] == walking_minutes(kesawan["jarak_m"]) and walking_minutes(75) == 1
