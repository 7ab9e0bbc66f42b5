"""OGC API - Tiles (OGC 20-057) requirements that clients tripped over (issue 17 items 3 and 9):
the dataset tilesets list, gzip for MVT, and bodiless answers without a Content-Type."""

from __future__ import annotations

import gzip

import orjson
import pytest

from tests.helpers.tiles import SEA, decode, tile_of

CENTRE = (98.67, 3.59)
REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
GZIP = {"Accept-Encoding": "gzip"}


def path_of(href: str) -> str:
    return href.replace("http://localhost", "")


def test_landing_page_links_the_dataset_tilesets_and_they_answer(client) -> None:  # noqa: ANN001
    """/req/dataset-tilesets/landingpage (a tilesets-vector link on the landing page) and
    /req/dataset-tilesets/operation (GET {root}/tiles answers), as /conformance declares them."""
    conformance = orjson.loads(client.get("/conformance").get_data())["conformsTo"]
    assert any(c.endswith("ogcapi-tiles-1/1.0/conf/dataset-tilesets") for c in conformance)
    landing = orjson.loads(client.get("/?f=json").get_data())
    (href,) = [link["href"] for link in landing["links"] if link["rel"] == REL_TILESETS_VECTOR]
    assert path_of(href) == "/tiles"
    response = client.get("/tiles")
    assert response.status_code == 200 and response.mimetype == "application/json"
    check_tilesets_list(client, orjson.loads(response.get_data()))


def check_tilesets_list(client, document: dict) -> None:  # noqa: ANN001
    """/req/tilesets-list/tileset-links: `tilesets`, each with dataType, crs, tileMatrixSetURI, a `self`
    link to its full metadata and a tiling-scheme link; both links answer."""
    assert document["tilesets"]
    for tileset in document["tilesets"]:
        assert tileset["dataType"] == "vector" and tileset["crs"] and tileset["tileMatrixSetURI"]
        rels = {link["rel"]: link["href"] for link in tileset["links"]}
        metadata = client.get(path_of(rels["self"]))
        assert metadata.status_code == 200
        assert "tileMatrixSetLimits" in orjson.loads(metadata.get_data())
        assert client.get(path_of(rels[REL_TILING_SCHEME])).status_code == 200


def test_every_public_collection_links_its_tilesets_list(client) -> None:  # noqa: ANN001
    """/req/geodata-tilesets/desc-links and /req/tilesets-list/tileset-links for every collection."""
    for collection in orjson.loads(client.get("/collections").get_data())["collections"]:
        (href,) = [link["href"] for link in collection["links"] if link["rel"] == REL_TILESETS_VECTOR]
        check_tilesets_list(client, orjson.loads(client.get(path_of(href)).get_data()))


@pytest.mark.parametrize("url", ["/tiles/WebMercatorQuad/{}/{}/{}",
                                 "/collections/schools/tiles/WebMercatorQuad/{}/{}/{}"])
def test_tiles_are_gzipped_for_clients_that_accept_it(client, url: str) -> None:  # noqa: ANN001
    """RFC 9110 section 8.4 (Content-Encoding) with /req/mvt/content: the gzip body decodes to the same
    MVT as the identity one; its ETag differs (another representation), If-None-Match takes either,
    and the lane of cached tiles (the second request) answers the same."""
    address = url.format(*tile_of(*CENTRE, 11 if url.startswith("/tiles") else 14))
    plain = client.get(address)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for attempt in ("render or cache", "cached-tile lane"):
        packed = client.get(address, headers=GZIP)
        assert packed.status_code == 200, attempt
        assert packed.headers["Content-Encoding"] == "gzip" and packed.mimetype == "application/vnd.mapbox-vector-tile"
        assert gzip.decompress(packed.get_data()) == plain.get_data(), attempt
        assert len(packed.get_data()) < 0.75 * len(plain.get_data()), attempt
        assert packed.headers["ETag"] != plain.headers["ETag"]
        assert "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["X-Tile-Cache"] == "hit"
    assert decode(plain.get_data())
    for etag in (plain.headers["ETag"], packed.headers["ETag"]):
        again = client.get(address, headers={**GZIP, "If-None-Match": etag})
        assert again.status_code == 304 and "Content-Type" not in again.headers
    refused = client.get(address, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.get_data() == plain.get_data()


def test_an_empty_tile_is_204_without_content_type(client) -> None:  # noqa: ANN001
    """OGC 20-057 /per/core/tc-success (a tile with no content may be 204); RFC 9110 15.3.5: no content,
    so no Content-Type (it said text/html)."""
    z, x, y = tile_of(*SEA, 14)
    for url in (f"/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}", f"/tiles/WebMercatorQuad/{z}/{x}/{y}"):
        response = client.get(url, headers=GZIP)
        assert response.status_code == 204, url
        assert "Content-Type" not in response.headers and "Content-Encoding" not in response.headers
        assert response.get_data() == b""
