"""The tile endpoints: metadata, decoded tiles, status codes, ETags and access."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from layers.db import APPLICATION_NAME, autocommit_reads
from layers.registry import get_registry
from layers.tiles.cache import CACHE_MAX_ZOOM, clear_cache
from layers.tiles.grid import MAX_ZOOM
from tests.helpers.tiles import (
    KNOWN_SCHOOL_NAME,
    KNOWN_SCHOOL_NPSN,
    SEA,
    decode,
    features_by_fid,
    point_of,
    tile_of,
)

MVT = "application/vnd.mapbox-vector-tile"


def test_the_tile_matrix_set_is_webmercatorquad(client) -> None:  # noqa: ANN001
    listing = client.get("/tileMatrixSets").get_json()
    assert [t["id"] for t in listing["tileMatrixSets"]] == ["WebMercatorQuad"]
    tms = client.get("/tileMatrixSets/WebMercatorQuad").get_json()
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert [m["id"] for m in tms["tileMatrices"]] == [str(z) for z in range(MAX_ZOOM + 1)]
    z14 = tms["tileMatrices"][14]
    assert z14["matrixWidth"] == z14["matrixHeight"] == 2**14
    assert z14["scaleDenominator"] == pytest.approx(34123.6733415964)
    assert z14["pointOfOrigin"] == pytest.approx([-20037508.342789244, 20037508.342789244])
    assert client.get("/tileMatrixSets/WorldCRS84Quad").status_code == 404


def test_every_public_layer_has_a_tileset_and_a_tile(client, engine) -> None:  # noqa: ANN001
    """Drift: a new declaration gets tiles without code; fields are its public properties."""
    for spec in get_registry():
        if not spec.access.is_public:
            continue
        listing = client.get(f"/collections/{spec.id}/tiles").get_json()
        assert listing["tilesets"][0]["dataType"] == "vector", spec.id
        meta = client.get(f"/collections/{spec.id}/tiles/WebMercatorQuad").get_json()
        assert (meta["minzoom"], meta["maxzoom"]) == (spec.zoom.min, min(spec.zoom.max, MAX_ZOOM)), spec.id
        assert meta["tiles"][0].endswith(f"/collections/{spec.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}")
        (layer,) = meta["vector_layers"]
        assert set(layer["fields"]) == {"fid", *(p.name for p in spec.public_properties())}, spec.id
        assert [lim["tileMatrix"] for lim in meta["tileMatrixSetLimits"]][0] == str(spec.zoom.min)
        if spec.seed and spec.seed.kind == "import":
            continue  # empty until a deployment imports it (OSM): tests/geodata/test_osm.py decodes its tiles
        fid, lon, lat = point_of(engine, spec.table, "true", {})
        z, x, y = tile_of(lon, lat, max(spec.zoom.min, 14))
        response = client.get(f"/collections/{spec.id}/tiles/WebMercatorQuad/{z}/{x}/{y}")
        assert response.status_code == 200, spec.id
        assert response.mimetype == MVT
        tile = decode(response.data)
        assert list(tile) == [spec.id]
        assert fid in features_by_fid(tile[spec.id]), spec.id


def test_the_tile_of_a_known_school_holds_its_name_and_public_properties_only(client, engine) -> None:  # noqa: ANN001
    fid, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, 15)
    response = client.get(f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}")
    features = features_by_fid(decode(response.data)["schools"])
    school = features[fid]
    assert school["id"] == fid
    assert school["properties"]["nama"] == KNOWN_SCHOOL_NAME
    assert school["properties"]["npsn"] == KNOWN_SCHOOL_NPSN
    assert school["geometry"]["type"] == "Point"
    assert "source" not in school["properties"] and "version" not in school["properties"]


@pytest.mark.parametrize(("layer", "name"), [("sample_points", "waktu"), ("cctv", "dipasang")])
def test_dates_and_times_in_a_tile_are_the_text_of_the_items_json(client, engine, layer: str, name: str) -> None:  # noqa: ANN001
    if get_registry().get(layer).purpose == "testing":  # only admins read data for testing
        client.environ_base["HTTP_AUTHORIZATION"] = "Bearer test-token"
    fid, lon, lat = point_of(engine, layer, f"{name} IS NOT NULL", {})
    z, x, y = tile_of(lon, lat, 16)
    tile = decode(client.get(f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}").data)
    item = client.get(f"/collections/{layer}/items/{fid}?f=json").get_json()
    assert features_by_fid(tile[layer])[fid]["properties"][name] == item["properties"][name]
    assert not item["properties"][name].startswith('"')


@pytest.mark.parametrize("layer", [s.id for s in get_registry() if not s.access.is_public])
def test_a_layer_that_is_not_public_is_never_in_a_tile(client, engine, layer: str) -> None:  # noqa: ANN001
    """The anonymous public may not read it through tiles: 404 as if it did not exist (roles: test_tiles_roles.py)."""
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "  # noqa: S608
                                f"FROM layers.{layer} LIMIT 1")).one_or_none()
    lon, lat = row if row is not None else (98.67, 3.60)
    z, x, y = tile_of(lon, lat, 14)
    for url in (f"/collections/{layer}/tiles", f"/collections/{layer}/tiles/WebMercatorQuad",
                f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}",
                f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections={layer}"):
        assert client.get(url).status_code == 404, url
    default = client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert layer not in (decode(default.data) if default.status_code == 200 else {})
    assert layer not in [v["id"] for v in client.get("/tiles/WebMercatorQuad").get_json()["vector_layers"]]


@pytest.mark.parametrize("layer", [s.id for s in get_registry() if s.access.private and s.access.is_public])
def test_a_private_property_never_appears_in_any_tile(client, engine, layer: str) -> None:  # noqa: ANN001
    private = set(get_registry().get(layer).access.private)
    _, lon, lat = point_of(engine, layer, "true", {})
    for z in (14, 16, 18):
        _, x, y = tile_of(lon, lat, z)
        for url in (f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}",
                    f"/tiles/WebMercatorQuad/{z}/{x}/{y}"):
            tile = decode(client.get(url).data)
            assert tile[layer]["features"], url
            for name, content in tile.items():
                for feature in content["features"]:
                    leaked = private & set(feature["properties"])
                    assert not leaked, (url, name, leaked)
    meta = client.get(f"/collections/{layer}/tiles/WebMercatorQuad").get_json()
    assert not private & set(meta["vector_layers"][0]["fields"])


def test_an_empty_tile_is_204(client) -> None:  # noqa: ANN001
    z, x, y = tile_of(*SEA, 14)
    for url in (f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}", f"/tiles/WebMercatorQuad/{z}/{x}/{y}"):
        response = client.get(url)
        assert response.status_code == 204, url
        assert response.data == b""
        assert response.headers["ETag"]


@pytest.mark.parametrize("path", [
    "/collections/schools/tiles/WebMercatorQuad/23/0/0",  # beyond the deepest zoom served
    "/collections/schools/tiles/WebMercatorQuad/-1/0/0",
    "/collections/schools/tiles/WebMercatorQuad/14/16384/0",  # x outside 2^z
    "/collections/schools/tiles/WebMercatorQuad/14/0/-1",
    "/collections/schools/tiles/WebMercatorQuad/5/25/15",  # schools are declared from zoom 12
    "/collections/schools/tiles/WebMercatorQuad/11/1585/1003",
    "/collections/no_such_layer/tiles/WebMercatorQuad/14/12683/8024",
    "/collections/schools/tiles/WorldCRS84Quad/14/12683/8024",
    "/tiles/WebMercatorQuad/23/0/0",
    "/tiles/WebMercatorQuad/3/8/0",
    "/tiles/WebMercatorQuad/14/12683/8024?collections=schools,no_such_layer",
    "/collections/no_such_layer/tiles",
    "/collections/no_such_layer/tiles/WebMercatorQuad",
])
def test_out_of_range_and_unknown_are_404_with_a_json_error(client, path: str) -> None:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 404, path
    body = response.get_json()
    assert body["code"] == "NotFound" and body["description"], path


def test_an_unknown_query_parameter_is_400(client) -> None:  # noqa: ANN001
    response = client.get("/collections/schools/tiles/WebMercatorQuad/14/12683/8024?bbox=1,2,3,4")
    assert response.status_code == 400
    assert "bbox" in response.get_json()["description"]


def test_etag_and_if_none_match_give_304(client, engine) -> None:  # noqa: ANN001
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, 13)
    url = f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_tile_is_cached_after_the_first_request_up_to_the_cached_zooms(app, client, engine) -> None:  # noqa: ANN001
    clear_cache(app.extensions["engine"])
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, CACHE_MAX_ZOOM)
    url = f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"
    miss, hit = client.get(url), client.get(url)
    assert (miss.headers["X-Tile-Cache"], hit.headers["X-Tile-Cache"]) == ("miss", "hit")
    assert hit.data == miss.data and hit.headers["ETag"] == miss.headers["ETag"]
    z, x, y = tile_of(lon, lat, CACHE_MAX_ZOOM + 1)
    deep = f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"
    assert [client.get(deep).headers["X-Tile-Cache"] for _ in range(2)] == ["bypass", "bypass"]


def test_reads_survive_the_loss_of_every_kept_connection(app, client, engine) -> None:  # noqa: ANN001
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, 15)
    url = f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"
    first, item = client.get(url), client.get("/collections/schools/items/1?f=json")
    assert client.get(url).headers["X-Tile-Cache"] == "hit"
    reads = autocommit_reads(app.extensions["engine"])
    with ThreadPoolExecutor(3) as pool:  # several kept connections, as a threaded server has
        list(pool.map(lambda _: reads.fetch_one("SELECT pg_sleep(0.3)"), range(3)))
    with engine.connect() as conn:  # what a server restart does to them
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND application_name = :name"),
                              {"name": APPLICATION_NAME}).scalar_one()
    assert killed >= 3
    again = client.get(url)
    assert again.status_code == 200 and again.headers["X-Tile-Cache"] == "hit"
    assert again.data == first.data
    assert client.get("/collections/schools/items/1?f=json").data == item.data


def test_the_multi_layer_tile_has_one_layer_per_requested_collection(client, engine) -> None:  # noqa: ANN001
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, 14)
    tile = decode(client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=schools,kelurahan").data)
    assert sorted(tile) == ["kelurahan", "schools"]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in tile["kelurahan"]["features"])


def test_the_default_multi_layer_tile_holds_the_layers_visible_at_its_zoom(client, engine) -> None:  # noqa: ANN001
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, 12)
    tile = decode(client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}").data)
    visible = {s.id for s in get_registry() if s.access.is_public and s.zoom.min <= z <= s.zoom.max}
    assert set(tile) <= visible
    assert {"kota", "kelurahan", "schools"} <= set(tile)
    hidden = {s.id for s in get_registry() if s.zoom.min > z}
    assert hidden and not hidden & set(tile)
    # A requested layer outside its zoom range is left out, not an error.
    only_hidden = client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections={sorted(hidden)[0]}")
    assert only_hidden.status_code == 204


def test_the_multi_layer_tileset_describes_every_public_layer(client) -> None:  # noqa: ANN001
    meta = client.get("/tiles/WebMercatorQuad").get_json()
    public = [s.id for s in get_registry() if s.access.is_public]
    assert [v["id"] for v in meta["vector_layers"]] == public
    assert meta["tiles"][0].endswith("/tiles/WebMercatorQuad/{z}/{x}/{y}")


def test_point_coordinates_match_st_asmvtgeom(engine) -> None:  # noqa: ANN001
    """Points skip ST_Transform/ST_AsMVTGeom for speed; they must land on the same grid cell."""
    from layers.tiles.cache import get_tile

    fid, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    reference_sql = text(
        "SELECT fid, ST_X(g), ST_Y(g) FROM (SELECT fid, ST_AsMVTGeom(ST_Transform(geom, 3857), "
        "ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS g FROM layers.schools) s WHERE g IS NOT NULL")
    for zoom in (12, 16, 20):
        z, x, y = tile_of(lon, lat, zoom)
        tile = mapbox_vector_tile.decode(get_tile(engine, ("schools",), z, x, y).data,
                                         default_options={"y_coord_down": True})
        ours = {f["id"]: f["geometry"]["coordinates"] for f in tile["schools"]["features"]}
        with engine.connect() as conn:
            reference = {r[0]: [r[1], r[2]] for r in conn.execute(reference_sql, {"z": z, "x": x, "y": y})}
        assert fid in ours and set(ours) == set(reference), zoom
        for key, (px, py) in reference.items():
            assert abs(ours[key][0] - px) <= 1 and abs(ours[key][1] - py) <= 1, (zoom, key, ours[key], (px, py))
