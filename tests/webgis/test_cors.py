"""CORS (issue 17 item 4): public reads answer other origins from the setting; preflights are
answered for reads only; writes and requests with credentials never get CORS headers.

Fetch Standard (https://fetch.spec.whatwg.org/#http-cors-protocol): a response is readable
cross-origin when Access-Control-Allow-Origin is `*` or the origin; `*` never shares a
credentialed response, and without Access-Control-Allow-Credentials no response is shared
with a credentialed request.
"""

from __future__ import annotations

import pytest

from layers.tiles.cache import clear_cache
from tests.helpers.database import settings_for
from tests.helpers.tiles import KNOWN_SCHOOL_NPSN, point_of, tile_of
from webgis.app import create_app

ORIGIN = {"Origin": "https://peta.example.org"}
READS = ["/", "/conformance", "/api", "/collections", "/collections/schools", "/collections/schools/items?limit=2",
         "/collections/schools/queryables", "/open311/v2/services.json", "/open311/v2/requests.json",
         "/open311/v2/discovery.json"]


def _school_tile(engine) -> str:  # noqa: ANN001
    _, lon, lat = point_of(engine, "schools", "npsn = :npsn", {"npsn": KNOWN_SCHOOL_NPSN})
    z, x, y = tile_of(lon, lat, 14)
    return f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"


@pytest.mark.parametrize("url", READS)
def test_public_reads_allow_any_origin_by_default_without_credentials(client, url: str) -> None:  # noqa: ANN001
    response = client.get(url, headers={**ORIGIN, "Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_an_error_of_a_public_read_is_readable_too(client) -> None:  # noqa: ANN001
    response = client.get("/collections/nope/items", headers=ORIGIN)
    assert response.status_code == 404 and response.headers["Access-Control-Allow-Origin"] == "*"


def test_tiles_from_flask_and_from_the_cached_lane_allow_any_origin(app, client, engine) -> None:  # noqa: ANN001
    clear_cache(engine)
    url = _school_tile(engine)
    for _ in range(2):  # a miss rendered by Flask, then a hit answered by webgis/tiles/lane.py
        response = client.get(url, headers=ORIGIN)
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get(url).headers  # no Origin, no CORS


def test_a_preflight_for_a_read_is_answered(client) -> None:  # noqa: ANN001
    response = client.options("/collections/schools/items",
                              headers={**ORIGIN, "Access-Control-Request-Method": "GET",
                                       "Access-Control-Request-Headers": "accept"})
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "Accept" in response.headers["Access-Control-Allow-Headers"]
    assert "Authorization" not in response.headers["Access-Control-Allow-Headers"]
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_for_a_write_gets_no_cors_headers(client, method: str) -> None:  # noqa: ANN001
    url = "/collections/schools/items" if method == "POST" else "/collections/schools/items/1"
    response = client.options(url, headers={**ORIGIN, "Access-Control-Request-Method": method,
                                            "Access-Control-Request-Headers": "authorization, content-type"})
    assert not [h for h, _ in response.headers.items() if h.startswith("Access-Control-")]


def test_writes_and_requests_with_credentials_get_no_cors_headers(client) -> None:  # noqa: ANN001
    posted = client.post("/open311/v2/requests.json", data={"service_code": "LAMPU_JALAN"}, headers=ORIGIN)
    assert "Access-Control-Allow-Origin" not in posted.headers
    deleted = client.delete("/collections/schools/items/1", headers=ORIGIN)
    assert "Access-Control-Allow-Origin" not in deleted.headers
    with_token = client.get("/collections/schools/items?limit=1", headers={**ORIGIN, "Authorization": "Bearer test-token"})
    client.set_cookie("medan_session", "abc")
    with_cookie = client.get("/collections/schools/items?limit=1", headers=ORIGIN)
    for response in (with_token, with_cookie):
        assert response.status_code == 200
        assert not [h for h, _ in response.headers.items() if h.startswith("Access-Control-")]


def test_pages_outside_the_apis_get_no_cors_headers(client) -> None:  # noqa: ANN001
    assert "Access-Control-Allow-Origin" not in client.get("/katalog", headers=ORIGIN).headers


def test_a_list_of_origins_is_echoed_with_vary_and_others_get_nothing(database_url: str) -> None:
    app = create_app(settings_for(database_url, cors_allow_origins="https://peta.example.org, https://b.example"))
    client = app.test_client()
    allowed = client.get("/collections", headers=ORIGIN)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://peta.example.org"
    assert "Origin" in allowed.headers.get_all("Vary") or "Origin" in allowed.headers.get("Vary", "")
    other = client.get("/collections", headers={"Origin": "https://jahat.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    off = create_app(settings_for(database_url, cors_allow_origins="")).test_client()
    assert "Access-Control-Allow-Origin" not in off.get("/collections", headers=ORIGIN).headers
