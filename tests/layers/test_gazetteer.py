"""The place search as a citizen uses it (layers/search.py, issue 20 item 2): real Medan queries, the
expected first result, on the seed plus a hand-made OpenStreetMap file of real Medan streets and places
(tests/layers/data/medan_places.osm, imported as tests/geodata/test_osm.py does)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

from geodata.osm import import_extract
from layers.search import search

EXTRACT = Path(__file__).resolve().parent / "data" / "medan_places.osm"

# (typed, expected first result's layer, its name, the kelurahan label when it matters)
QUERIES = [
    # streets: "jl", "jln", "jalan" are one word; with or without it
    ("jln gatot subroto", "osm_roads", "Jalan Gatot Subroto", None),
    ("Jl. Gatot Subroto", "osm_roads", "Jalan Gatot Subroto", None),
    ("jalan gatot subroto", "osm_roads", "Jalan Gatot Subroto", None),
    ("gatot subroto", "osm_roads", "Jalan Gatot Subroto", None),
    ("gatsu", "osm_roads", "Jalan Gatot Subroto", None),
    ("sisingamangaraja", "osm_roads", "Jalan Sisingamangaraja", None),
    ("jl sisingamangraja", "osm_roads", "Jalan Sisingamangaraja", None),  # a letter missing
    ("jl sm raja", "osm_roads", "Jalan Sisingamangaraja", None),          # as Medan says it
    ("jln ahmad yani", "osm_roads", "Jalan Ahmad Yani", "Kel. Kesawan, Kec. Medan Barat"),
    ("jl a yani", "osm_roads", "Jalan Ahmad Yani", None),
    ("jl kapt maulana lubis", "osm_roads", "Jalan Kapten Maulana Lubis", None),
    ("jl brigjen katamso", "osm_roads", "Jalan Brigjend Katamso", None),
    ("jl katamso", "osm_roads", "Jalan Brigjend Katamso", None),
    ("jalan iskandar mudah", "osm_roads", "Jalan Iskandar Muda", None),  # a letter too many
    ("jl dr mansur", "osm_roads", "Jalan Dr. Mansyur", None),            # spelt without y
    ("setiabudi", "osm_roads", "Jalan Setia Budi", None),                 # joined words
    ("jl hm yamin", "osm_roads", "Jalan H.M. Yamin", None),
    ("jl thamrin", "osm_roads", "Jalan M.H. Thamrin", None),
    ("jl jend sudirman", "osm_roads", "Jalan Jenderal Sudirman", None),
    ("jl mesjid", "osm_roads", "Jalan Mesjid", None),                     # the street, not the kelurahan
    ("gg buntu", "osm_roads", "Gang Buntu", None),
    ("jl balaikota", "osm_roads", "Jalan Balai Kota", None),
    # places and points of interest
    ("masjid raya", "tourism_sites", "Masjid Raya Al-Mashun", None),
    ("mesjid raya al mashun", "tourism_sites", "Masjid Raya Al-Mashun", None),
    ("masjid agung", "osm_pois", "Masjid Agung Medan", None),
    ("istana maimon", "tourism_sites", "Istana Maimun", None),
    ("tjong a fie", "tourism_sites", "Rumah Tjong A Fie (Tjong A Fie Mansion)", None),
    ("merdeka walk", "tourism_sites", "Merdeka Walk", None),
    ("lapangan merdeka", "tourism_sites", "Lapangan Merdeka", None),
    ("pasar petisah", "osm_pois", "Pasar Petisah", None),
    ("sun plaza", "osm_pois", "Sun Plaza", None),
    ("katedral medan", "osm_pois", "Gereja Katedral Medan", None),
    ("universitas sumatra utara", "osm_pois", "Universitas Sumatera Utara", None),
    ("kampung keling", "osm_places", "Kampung Keling", None),
    # kelurahan and kecamatan
    ("kel petisah tengah", "kelurahan", "Petisah Tengah", None),
    ("kel mesjid", "kelurahan", "Mesjid", None),
    ("kelurahan sei sikambing b", "kelurahan", "Sei Sikambing B", None),
    ("kec medan baru", "kecamatan", "Medan Baru", None),
    ("kesawan", "kelurahan", "Kesawan", None),
    # schools, health, offices
    ("sma negeri 1 medan", "schools", "SMAN 1 MEDAN", None),
    ("smpn 1 medan", "schools", "SMP NEGERI 1 MEDAN", None),
    ("rsup adam malik", "health_facilities", "RSUP H. Adam Malik", None),
    ("rs pirngadi", "health_facilities", "RS Umum Daerah Dr. Pirngadi", None),
    ("rumah sakit santa elisabet", "health_facilities", "RS Umum Santa Elisabeth Medan", None),
    ("kantor walikota", "offices", "Kantor Wali Kota Medan (Sekretariat Daerah)", None),
]


@pytest.fixture(scope="module")
def places(engine: Engine) -> Iterator[Connection]:
    """The seed plus the hand-made OSM file, in one transaction rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        import_extract(connection, EXTRACT, actor="test")
        yield connection
        transaction.rollback()


def test_the_table_has_thirty_real_queries_with_misspellings() -> None:
    assert len(QUERIES) >= 30 and len({q for q, *_ in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize(("typed", "layer", "name", "area"), QUERIES, ids=[q for q, *_ in QUERIES])
def test_the_expected_place_comes_first(places: Connection, typed: str, layer: str, name: str,
                                        area: str | None) -> None:
    results = search(places, typed)
    got = [(r["layer"], r["name"], r["match"], r["area"]) for r in results[:4]]
    assert results and (results[0]["layer"], results[0]["name"]) == (layer, name), got
    if area:
        assert results[0]["area"] == area, got
