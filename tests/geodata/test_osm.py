"""Streets, places and points of interest from an OpenStreetMap extract (geodata/osm.py, issue 20 item 1).

The extract is a hand-made OSM XML file of a few Medan streets (tests/geodata/data/medan_streets.osm),
with one way wholly outside the city and one crossing its southern boundary.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from config.settings import get_settings
from geodata.osm import import_extract
from layers import count_features, read_layer
from layers.db import sqlalchemy_url
from layers.errors import InvalidFeature
from layers.search import search
from tests.helpers.database import settings_for
from tests.helpers.tiles import decode, tile_of

EXTRACT = Path(__file__).resolve().parent / "data" / "medan_streets.osm"
OSM_LAYERS = ("osm_roads", "osm_places", "osm_pois")


def _roads(conn) -> dict:  # noqa: ANN001
    frame = read_layer(conn, "osm_roads")
    return {row.osm_id: row for row in frame.itertuples()}


def test_import_loads_streets_places_and_pois_inside_medan(conn) -> None:  # noqa: ANN001
    reports = import_extract(conn, EXTRACT, actor="test")
    assert {layer: r.inserted for layer, r in reports.items()} == {"osm_roads": 5, "osm_places": 1, "osm_pois": 2}
    roads = _roads(conn)
    assert {r.nama for r in roads.values()} == {"Jalan Gatot Subroto", "Jalan Ahmad Yani", "Jalan Sisingamangaraja",
                                              "Jalan Palang Merah", "Jalan Jamin Ginting"}
    assert roads["way/1003"].kelas == "primary" and roads["way/1003"].ref == "7"
    assert all(r.source == "OpenStreetMap:medan_streets.osm" for r in roads.values())
    places = read_layer(conn, "osm_places")
    assert places[["osm_id", "nama", "jenis"]].values.tolist() == [["node/202", "Kesawan", "neighbourhood"]]
    pois = read_layer(conn, "osm_pois").set_index("osm_id")
    mosque = pois.loc["node/201"]
    assert (mosque.nama, mosque.kategori, mosque.jenis, mosque.agama) == (
        "Masjid Raya Al-Mashun", "amenity", "place_of_worship", "muslim")
    market = pois.loc["way/1007"]  # an area, kept as a point inside it
    assert market.geometry.geom_type == "Point" and market.jenis == "marketplace"
    assert shapely.box(98.6675, 3.5895, 98.6685, 3.5905).contains(market.geometry)


def test_one_way_flags_and_direction(conn) -> None:  # noqa: ANN001
    import_extract(conn, EXTRACT, actor="test")
    roads = _roads(conn)
    assert roads["way/1002"].satu_arah and roads["way/1004"].satu_arah
    assert not roads["way/1001"].satu_arah and not roads["way/1003"].satu_arah
    # oneway=-1: the line is turned round so that it is drawn in the direction of travel.
    first = shapely.get_coordinates(roads["way/1004"].geometry)[0]
    assert tuple(first.round(4)) == (98.68, 3.584)


def test_ways_outside_the_city_are_clipped_away(conn) -> None:  # noqa: ANN001
    import_extract(conn, EXTRACT, actor="test")
    roads = _roads(conn)
    assert "way/1006" not in roads  # Jalan Binjai, wholly outside
    assert "way/1008" not in roads  # highway=proposed is no street
    kota = shapely.union_all(read_layer(conn, "kota").geometry.values)
    ginting = roads["way/1005"].geometry
    assert kota.buffer(1e-6).contains(ginting)
    assert ginting.length < shapely.LineString([(98.655, 3.5), (98.64, 3.4)]).length / 2
    assert "Desa di luar Medan" not in set(read_layer(conn, "osm_places").nama)


def test_reimport_replaces_rather_than_duplicates_and_keeps_history(conn) -> None:  # noqa: ANN001
    import_extract(conn, EXTRACT, actor="test")
    reports = import_extract(conn, EXTRACT, actor="test-again")
    assert reports["osm_roads"].deleted == 5
    assert [count_features(conn, layer) for layer in OSM_LAYERS] == [5, 1, 2]
    ops = conn.execute(text("SELECT actor, op, count(*) FROM core.feature_history WHERE layer = 'osm_roads' "
                            "GROUP BY actor, op")).all()
    assert {(a, o): n for a, o, n in ops} == {("test", "insert"): 5, ("test-again", "delete"): 5,
                                              ("test-again", "insert"): 5}


@pytest.mark.parametrize("content, name, message", [
    (EXTRACT.read_text()[:1500], "truncated.osm", "cannot read the OpenStreetMap file"),
    ("PK\x03\x04 not a protobuf", "broken.osm.pbf", "cannot read the OpenStreetMap file"),
    ("", "empty.osm", "missing or empty"),
    ('<?xml version="1.0"?><osm version="0.6"></osm>', "elsewhere.osm", "no streets inside Kota Medan"),
    ("{}", "streets.geojson", "not an OpenStreetMap file"),
])
def test_a_bad_file_is_refused_and_changes_nothing(conn, tmp_path, content, name, message) -> None:  # noqa: ANN001
    import_extract(conn, EXTRACT, actor="test")
    before = read_layer(conn, "osm_roads").sort_values("osm_id").osm_id.tolist()
    bad = tmp_path / name
    bad.write_text(content)
    with pytest.raises(InvalidFeature, match=message):
        import_extract(conn, bad, actor="test")
    assert read_layer(conn, "osm_roads").sort_values("osm_id").osm_id.tolist() == before
    assert [count_features(conn, layer) for layer in OSM_LAYERS] == [5, 1, 2]


def test_streets_and_pois_are_found_by_search(conn) -> None:  # noqa: ANN001
    import_extract(conn, EXTRACT, actor="test")
    first = search(conn, "Jalan Gatot Subroto")[0]
    assert (first["layer"], first["name"]) == ("osm_roads", "Jalan Gatot Subroto")
    mosque = search(conn, "masjid raya")
    assert ("osm_pois", "Masjid Raya Al-Mashun") in {(r["layer"], r["name"]) for r in mosque}
    assert search(conn, "sisingamangraja")[0]["name"] == "Jalan Sisingamangaraja"  # a typo


def test_cli_import_and_tiles_decode_with_names(isolated_database_url) -> None:  # noqa: ANN001
    from webgis.app import create_app
    from webgis.cli import main

    engine = create_engine(sqlalchemy_url(isolated_database_url))
    runner = CliRunner(env={"WEBGIS_DATABASE_URL": isolated_database_url})
    get_settings.cache_clear()
    try:
        result = runner.invoke(main, ["basemap", "import", str(EXTRACT)])
        bad = runner.invoke(main, ["basemap", "import", str(Path(__file__))])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "osm_roads: 5 features loaded" in result.output and "OpenStreetMap contributors" in result.output
    assert bad.exit_code == 2 and "not an OpenStreetMap file" in bad.output

    app = create_app(settings_for(isolated_database_url))
    z, x, y = tile_of(98.6792, 3.5880, 16)  # Jalan Ahmad Yani at Kesawan
    response = app.test_client().get(f"/collections/osm_roads/tiles/WebMercatorQuad/{z}/{x}/{y}?properties=nama")
    assert response.status_code == 200
    names = {f["properties"].get("nama") for f in decode(response.data)["osm_roads"]["features"]}
    assert "Jalan Ahmad Yani" in names
    assert count_features(engine, "osm_roads") == 5
    engine.dispose()
