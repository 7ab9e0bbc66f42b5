"""The tile cache: exact invalidation by edits, and no stale tile when an edit races a render."""

from __future__ import annotations

from sqlalchemy import text

from layers import get_feature, insert_features, update_feature
from layers.tiles.cache import BULK_CHANGE_ROWS, LOCK_CLASS, cached_tiles, get_tile
from tests.helpers.tiles import KNOWN_SCHOOL_NPSN, decode, features_by_fid, point_of, tile_of

Z = 14


def _url(z: int, x: int, y: int) -> str:
    return f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"


def _editable(feature: dict) -> dict:
    properties = {k: v for k, v in feature["properties"].items() if k != "source"}
    return {"type": "Feature", "geometry": feature["geometry"], "properties": properties}


def _far_school(engine, lon: float, lat: float) -> tuple[int, float, float]:  # noqa: ANN001
    """A school at least ~5 km away, so it lies in other tiles at zoom 14."""
    return point_of(engine, "schools", "ST_Distance(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) > 0.05",
                    {"lon": lon, "lat": lat})


def test_an_edit_invalidates_exactly_the_tiles_it_touches(edit_app) -> None:  # noqa: ANN001
    engine, client = edit_app.extensions["engine"], edit_app.test_client()
    fid, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    _, far_lon, far_lat = _far_school(engine, lon, lat)
    here, there = tile_of(lon, lat, Z), tile_of(far_lon, far_lat, Z)
    multi = f"/tiles/WebMercatorQuad/{here[0]}/{here[1]}/{here[2]}?collections=schools,kelurahan"
    for url in (_url(*here), _url(*there), multi):
        assert client.get(url).headers["X-Tile-Cache"] == "miss"
        assert client.get(url).headers["X-Tile-Cache"] == "hit"
    kelurahan_before = cached_tiles(engine, "kelurahan")

    feature = _editable(get_feature(engine, "schools", fid))
    feature["properties"]["nama"] = "SD Uji Ubah Nama"
    update_feature(engine, "schools", fid, feature, actor="test:tiles")

    remaining = cached_tiles(engine, "schools")
    assert ("schools", *there) in remaining
    assert ("schools", *here) not in remaining
    assert not any(key[1:] == here for key in remaining)  # the multi-layer tile went too
    assert cached_tiles(engine, "kelurahan") == set()  # it was the only kelurahan tile, and it held schools
    assert kelurahan_before
    response = client.get(_url(*here))
    assert response.headers["X-Tile-Cache"] == "miss"
    assert features_by_fid(decode(response.data)["schools"])[fid]["properties"]["nama"] == "SD Uji Ubah Nama"
    assert client.get(_url(*there)).headers["X-Tile-Cache"] == "hit"


def test_moving_a_feature_invalidates_the_tiles_of_its_old_and_new_place(edit_app) -> None:  # noqa: ANN001
    engine, client = edit_app.extensions["engine"], edit_app.test_client()
    fid, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    _, far_lon, far_lat = _far_school(engine, lon, lat)
    old, new = tile_of(lon, lat, Z), tile_of(far_lon, far_lat, Z)
    for url in (_url(*old), _url(*new)):
        client.get(url)
    feature = _editable(get_feature(engine, "schools", fid))
    feature["geometry"] = {"type": "Point", "coordinates": [far_lon + 0.0001, far_lat]}
    update_feature(engine, "schools", fid, feature, actor="test:tiles")
    assert cached_tiles(engine, "schools") == set()
    assert fid not in features_by_fid(decode(client.get(_url(*old)).data)["schools"])
    assert fid in features_by_fid(decode(client.get(_url(*new)).data)["schools"])


def test_an_insert_shows_in_the_next_request_and_leaves_other_tiles_cached(edit_app) -> None:  # noqa: ANN001
    engine, client = edit_app.extensions["engine"], edit_app.test_client()
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    _, far_lon, far_lat = _far_school(engine, lon, lat)
    here, there = tile_of(lon, lat, Z), tile_of(far_lon, far_lat, Z)
    for url in (_url(*here), _url(*there)):
        client.get(url)
    new = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [far_lon + 0.0002, far_lat + 0.0001]},
           "properties": {"npsn": "99999901", "nama": "SD Uji Baru", "jenjang": "SD", "status": "Negeri"}}
    (fid,) = insert_features(engine, "schools", [new], actor="test:tiles")
    assert cached_tiles(engine, "schools") == {("schools", *here)}
    tile = decode(client.get(_url(*there)).data)
    assert features_by_fid(tile["schools"])[fid]["properties"]["nama"] == "SD Uji Baru"
    assert client.get(_url(*here)).headers["X-Tile-Cache"] == "hit"


def test_a_tile_rendered_while_an_edit_is_uncommitted_is_served_but_not_cached(edit_app) -> None:  # noqa: ANN001
    engine = edit_app.extensions["engine"]
    fid, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, Z)
    feature = _editable(get_feature(engine, "schools", fid))
    feature["properties"]["nama"] = "SD Belum Disimpan"
    with engine.connect() as editing, editing.begin():
        update_feature(editing, "schools", fid, feature, actor="test:tiles")
        tile = get_tile(engine, ("schools",), z, x, y)  # another connection, before the commit
        assert tile.cache == "miss"
        assert features_by_fid(decode(tile.data)["schools"])[fid]["properties"]["nama"] != "SD Belum Disimpan"
        assert cached_tiles(engine, "schools") == set()
    after = get_tile(engine, ("schools",), z, x, y)
    assert features_by_fid(decode(after.data)["schools"])[fid]["properties"]["nama"] == "SD Belum Disimpan"
    assert cached_tiles(engine, "schools") == {("schools", z, x, y)}


def test_the_installed_trigger_uses_the_same_constants_as_the_code(engine) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        source = conn.execute(text("SELECT pg_get_functiondef('tiles.invalidate()'::regprocedure)")).scalar_one()
        trigger = conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core.feature_history'::regclass "
            "AND tgname = 'tile_cache_invalidate'")).scalar_one_or_none()
    assert f"pg_advisory_xact_lock({LOCK_CLASS}," in source
    assert f"count(*) > {BULK_CHANGE_ROWS}" in source
    assert trigger == "tile_cache_invalidate"


def test_a_tile_statement_reads_each_layer_once_and_the_cache_stores_bytes_uncompressed(engine) -> None:  # noqa: ANN001
    """Guards two speed properties of cold tiles: the render is not duplicated by the planner
    (the md5 next to the bytes once pulled the render up twice), and pglz is not run on store."""
    import json

    from layers.tiles.grid import tile_params
    from layers.tiles.query import tile_query

    query = tile_query(("schools", "kelurahan"))
    params = {**tile_params(["schools", "kelurahan"], 14, 12856, 8085), "key": query.key, "store": False}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(b"EXPLAIN (FORMAT JSON) " + cursor.mogrify(query.statement, params))
        plan = json.dumps(cursor.fetchone()[0])
        cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = 'tiles.cache'::regclass "
                       "AND attname = 'mvt'")
        storage = cursor.fetchone()[0]
        raw.rollback()
    finally:
        raw.close()
    relations = plan.split('"Relation Name": ')[1:]
    assert sum(r.startswith('"schools"') for r in relations) == 1
    assert sum(r.startswith('"kelurahan"') for r in relations) == 1
    assert storage == "e"
