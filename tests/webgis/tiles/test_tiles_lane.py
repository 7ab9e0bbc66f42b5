"""The cached-tile lane (webgis/tiles/lane.py): the requests it answers before Flask, and
that its answer is the one the tile view gives.

Whether Flask saw a request is observed by counting calls to the tile view.
"""

from __future__ import annotations

import pytest

from layers.tiles.cache import clear_cache
from tests.helpers.database import settings_for
from tests.helpers.tiles import KNOWN_SCHOOL_NPSN, decode, point_of, tile_of

VIEWS = ("tiles.collection_tile", "tiles.multi_tile")


@pytest.fixture
def view_calls(app, monkeypatch) -> list[str]:  # noqa: ANN001
    """The requests that reached a Flask tile view (the view's name, per request)."""
    calls: list[str] = []

    def counting(name: str):  # noqa: ANN202
        view = app.view_functions[name]
        return lambda **kwargs: calls.append(name) or view(**kwargs)

    for name in VIEWS:
        monkeypatch.setitem(app.view_functions, name, counting(name))
    return calls


def _school_tile(engine, z: int = 14) -> str:  # noqa: ANN001
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, z)
    return f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"


@pytest.mark.parametrize("form", ["layer", "slim layer", "homepage basemap"])
def test_a_cached_public_tile_is_answered_before_flask_with_the_views_bytes_and_headers(
        app, client, engine, view_calls, form: str) -> None:  # noqa: ANN001
    clear_cache(app.extensions["engine"])
    url = _school_tile(engine)
    if form == "slim layer":
        url += "?properties=nama"
    elif form == "homepage basemap":  # several layers in one tile
        url = url.replace("/collections/schools", "") + "?collections=schools,kelurahan&properties=nama"
    miss = client.get(url)
    assert miss.headers["X-Tile-Cache"] == "miss" and len(view_calls) == 1
    with_cookie = app.test_client()
    with_cookie.set_cookie("unrelated", "1")  # any cookie might be a session: Flask decides
    through_flask = with_cookie.get(url)
    assert through_flask.headers["X-Tile-Cache"] == "hit" and len(view_calls) == 2
    lane = client.get(url)
    assert len(view_calls) == 2, "the lane should have answered"
    assert lane.status_code == 200 and lane.data == through_flask.data == miss.data
    assert sorted(lane.headers.items()) == sorted(through_flask.headers.items())
    assert lane.headers["Content-Security-Policy"] and lane.headers["X-Content-Type-Options"] == "nosniff"
    assert "schools" in decode(lane.data)


@pytest.mark.parametrize("variant", ["f=mvt", "repeated parameter", "unknown property", "token", "conditional",
                                     "hidden layer", "hidden layer in a basemap", "deep zoom", "zoom out of range"])
def test_what_the_lane_leaves_to_flask(app, client, engine, view_calls, variant: str) -> None:  # noqa: ANN001
    url = _school_tile(engine)
    client.get(url)  # cached now
    headers: dict[str, str] = {}
    expected = 200
    if variant == "f=mvt":
        url += "?f=mvt"
    elif variant == "repeated parameter":
        url += "?properties=nama&properties=npsn"
    elif variant == "unknown property":
        url += "?properties=no_such_property"
        expected = 400
    elif variant == "token":
        headers = {"Authorization": "Bearer not-a-token"}
        expected = 401
    elif variant == "conditional":
        headers = {"If-None-Match": client.get(url).headers["ETag"]}
        expected = 304
    elif variant == "hidden layer":  # complaints: staff only; the same tile address
        url = url.replace("/schools/", "/complaints/")
        expected = 404
    elif variant == "hidden layer in a basemap":
        url = url.replace("/collections/schools", "") + "?collections=schools,complaints"
        expected = 404
    elif variant == "deep zoom":  # past the cached zooms
        url = _school_tile(engine, app.config["SETTINGS"].web.tile_cache_max_zoom + 1)
    elif variant == "zoom out of range":
        url = _school_tile(engine, 11)  # schools start at zoom 12
        expected = 404
    before = len(view_calls)
    response = client.get(url, headers=headers)
    assert response.status_code == expected
    if expected in (400, 404):
        assert response.get_json()["code"]  # the OGC exception JSON of the Flask error handler
    else:
        assert len(view_calls) == before + 1


def test_an_edit_is_seen_at_once_through_the_lane(edit_app) -> None:  # noqa: ANN001
    from sqlalchemy import text

    client, engine = edit_app.test_client(), edit_app.extensions["engine"]
    url = _school_tile(engine)
    client.get(url)
    cached = client.get(url)
    assert cached.headers["X-Tile-Cache"] == "hit"
    with engine.begin() as conn:
        conn.execute(text("UPDATE layers.schools SET nama = 'SEKOLAH BARU' WHERE npsn = :npsn"),
                     {"npsn": KNOWN_SCHOOL_NPSN})
    after = client.get(url)
    assert after.headers["X-Tile-Cache"] == "miss"
    names = {f["properties"].get("nama") for f in decode(after.data)["schools"]["features"]}
    assert "SEKOLAH BARU" in names


def test_a_deployment_can_switch_the_tile_cache_off(database_url: str, engine) -> None:  # noqa: ANN001
    from webgis.app import create_app

    uncached = create_app(settings_for(database_url, tile_cache_max_zoom=-1)).test_client()
    url = _school_tile(engine)
    assert [uncached.get(url).headers["X-Tile-Cache"] for _ in range(2)] == ["bypass", "bypass"]
