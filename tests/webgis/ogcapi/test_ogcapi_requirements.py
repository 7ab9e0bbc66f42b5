"""Requirements of OGC API - Features (17-069r4 Part 1, 18-058r1 Part 2, 20-002 Part 4 draft) that
real clients tripped over (issue 17 items 1, 2, 7, 8, 9; issue 16 item 10). Each test names
the requirement it checks."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import orjson
import pytest
from sqlalchemy import text

from layers.db import engine_for

TOKEN = {"Authorization": "Bearer test-token"}
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


def get_json(client, url: str, status: int = 200) -> dict:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return orjson.loads(response.get_data())


def count(engine, where: str = "TRUE", params: dict | None = None) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM layers.schools WHERE {where}"), params or {}).scalar_one()


# ---------------------------------------------------------------- datetime (item 1)

def test_datetime_is_accepted_on_a_collection_without_time_and_matches_every_feature(client, engine) -> None:  # noqa: ANN001
    """/req/core/fc-time-definition: every items operation takes `datetime`; /req/core/fc-time-response:
    a collection with no temporal property has nothing to exclude, so every feature matches."""
    total = count(engine)
    for value in ("2024-01-01", "2024-01-01T00:00:00Z/..", "../2030-12-31"):
        doc = get_json(client, f"/collections/schools/items?limit=5&datetime={value}")
        assert doc["numberMatched"] == total, value
    get_json(client, "/collections/schools/items?datetime=kemarin", 400)  # still an RFC 3339 value
    api = get_json(client, "/api")
    names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in api["paths"]["/collections/schools/items"]["get"]["parameters"]}
    assert "datetime" in names


def test_owslib_datetime_argument_works_on_a_collection_without_time(live_url: str, engine) -> None:  # noqa: ANN001
    """/req/core/fc-time-definition, through OWSLib's `datetime_=` as the issue reported it."""
    from owslib.ogcapi.features import Features

    page = Features(live_url).collection_items("schools", datetime_="2024-01-01/..", limit=3)
    assert page["numberMatched"] == count(engine)


# ---------------------------------------------------------------- numberMatched (item 2)

@pytest.mark.parametrize("offset", [1, 1600, 5000])
def test_number_matched_is_the_total_on_every_page_even_past_the_end(client, engine, offset: int) -> None:  # noqa: ANN001
    """/req/core/fc-numberMatched: numberMatched is the number of features that match the selection
    parameters, whatever the page (here beyond the last feature too); numberReturned what this page holds."""
    total = count(engine)
    doc = get_json(client, f"/collections/schools/items?offset={offset}&limit=5")
    assert doc["numberMatched"] == total
    assert doc["numberReturned"] == len(doc["features"]) == max(0, min(5, total - offset))
    filtered = get_json(client, f"/collections/schools/items?jenjang=SMA&offset={offset}&limit=5")
    assert filtered["numberMatched"] == count(engine, "jenjang = 'SMA'")


# ---------------------------------------------------------------- crs member (item 7)

@pytest.mark.parametrize("epsg", [3857, 32647, 23847])
def test_geojson_in_another_crs_has_no_crs_member(client, epsg: int) -> None:  # noqa: ANN001
    """RFC 7946 section 4 removed the `crs` member; Part 2 /req/crs/ogc-crs-header says the CRS in Content-Crs."""
    uri = EPSG.format(epsg)
    page = client.get(f"/collections/schools/items?limit=3&crs={uri}")
    assert page.headers["Content-Crs"] == f"<{uri}>"
    features = orjson.loads(page.get_data())["features"]
    item = client.get(f"/collections/schools/items/{features[0]['id']}?crs={uri}")
    for feature in [*features, orjson.loads(item.get_data())]:
        assert "crs" not in feature["geometry"] and "crs" not in feature
    assert b'"crs"' not in page.get_data() and b'"crs"' not in item.get_data()


# ---------------------------------------------------------------- bbox (item 8)

@pytest.mark.parametrize(("query", "words"), [
    ("bbox=98,3,99,95", "latitude 95 is outside -90..90"),
    ("bbox=98,-91,99,4", "latitude -91 is outside"),
    ("bbox=181,3,182,4", "longitude 181 is outside -180..180"),
    (f"bbox=95,3,96,98&bbox-crs={EPSG.format(4326)}", "latitude 95 is outside"),  # EPSG:4326 is lat, lon
    ("bbox=98,4,99,3", "lower corner's latitude 4 is above"),
    (f"bbox=470000,400000,460000,410000&bbox-crs={EPSG.format(32647)}", "only a longitude range may cross"),
    (f"bbox=0,0,30000000,10&bbox-crs={EPSG.format(3857)}", "x 3e+07 is outside"),
    (f"bbox=460000,400000,470000,700000&bbox-crs={EPSG.format(23847)}", "y 700000 is outside"),
])
def test_bbox_outside_its_crs_range_or_upside_down_is_400(client, query: str, words: str) -> None:  # noqa: ANN001
    """/req/core/fc-bbox-definition: the bbox is lower corner then upper corner in the CRS's axis order;
    /req/core/query-param-invalid: a value the server cannot take is a 400 saying why."""
    doc = get_json(client, f"/collections/schools/items?{query}", 400)
    assert words in doc["description"]


def test_bbox_whose_west_edge_is_east_of_its_east_edge_crosses_the_antimeridian(client, engine) -> None:  # noqa: ANN001
    """/req/core/fc-bbox-definition: in WGS 84 a first value larger than the third is a box spanning the
    antimeridian, not a box to swap: 98.7,3,98.6,4 is every longitude except 98.6..98.7."""
    inside = count(engine, "ST_Intersects(geom, ST_MakeEnvelope(98.6, 3, 98.7, 4, 4326))")
    crossing = count(engine, "ST_Y(geom) BETWEEN 3 AND 4") - inside
    assert inside and crossing
    doc = get_json(client, "/collections/schools/items?bbox=98.7,3,98.6,4&limit=10000&properties=nama")
    assert doc["numberMatched"] == doc["numberReturned"] == crossing
    assert all(not 98.6 <= f["geometry"]["coordinates"][0] <= 98.7 for f in doc["features"])
    lat_lon = get_json(client, f"/collections/schools/items?bbox=3,98.7,4,98.6&bbox-crs={EPSG.format(4326)}&limit=1")
    assert lat_lon["numberMatched"] == crossing


# ---------------------------------------------------------------- small conformance items (issue 16, 10)

@pytest.mark.parametrize("parameter", ["crs", "bbox-crs", "filter-crs", "filter-lang"])
def test_an_empty_crs_or_filter_lang_is_400_not_the_default(client, parameter: str) -> None:  # noqa: ANN001
    """Part 2 /req/crs/fc-crs-valid-value and /req/crs/fc-bbox-crs-valid-value (Part 3 likewise for
    filter-crs and filter-lang): a value not in the list is a 400; only an absent parameter means the default."""
    extra = "&bbox=98,3,99,4" if parameter == "bbox-crs" else "&filter=jenjang='SD'" if "filter" in parameter else ""
    doc = get_json(client, f"/collections/schools/items?{parameter}={extra}", 400)
    assert parameter in doc["description"]
    get_json(client, "/collections/schools/items/1?crs=", 400)


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("delete", "/collections", "GET, HEAD, OPTIONS"),
    ("post", "/conformance", "GET, HEAD, OPTIONS"),
    ("put", "/collections/schools/items", "GET, HEAD, OPTIONS, POST"),
    ("post", "/collections/schools/items/1", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
])
def test_405_names_the_allowed_methods(client, method: str, url: str, allowed: str) -> None:  # noqa: ANN001
    """RFC 9110 section 15.5.6: a 405 response MUST carry an Allow header listing the target's methods."""
    response = getattr(client, method)(url, headers=TOKEN)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed


def test_the_openapi_document_declares_html_answers_and_errors(client) -> None:  # noqa: ANN001
    """/req/oas30/completeness: every response the server gives is in the API definition, including
    the HTML pages (conf/html) and the errors a browser gets as a page; writes answer 201/204."""
    api = get_json(client, "/api")
    error = api["components"]["responses"]["Error"]["content"]
    assert {"application/json", "text/html"} <= set(error)
    for path, operations in api["paths"].items():
        get = operations.get("get", {})
        ok = get.get("responses", {}).get("200", {}).get("content", {})
        if "/tiles" not in path and "tileMatrixSets" not in path and not path.endswith("/geojson"):
            assert "text/html" in ok, path
    item = api["paths"]["/collections/schools/items/{featureId}"]
    assert {"204"} <= set(item["put"]["responses"]) and "200" not in item["put"]["responses"]
    for path in ("/tiles", "/collections/schools/tiles", "/tileMatrixSets"):
        assert path in api["paths"]
    page = client.get("/collections/nowhere", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"


# ---------------------------------------------------------------- bodiless answers (item 9)

@pytest.fixture(scope="module")
def writer(server_url, template_database_url) -> Iterator:  # noqa: ANN001
    """A client on a database of its own, since writes commit."""
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database
    from tests.helpers.database import clone_database, settings_for
    from webgis.app import create_app

    url = clone_database(server_url, template_database_url)
    yield create_app(settings_for(url, api_token="test-token")).test_client()
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


def test_201_and_204_answers_carry_no_content_type(writer) -> None:  # noqa: ANN001
    """RFC 9110 section 8.3 and 15.3.5: no content, so no Content-Type (it said text/html);
    Part 4 /req/create-replace-delete/insert-response: 201 with Location."""
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.67, 3.59]},
               "properties": {"npsn": "T7700001", "nama": "SD Tanpa Badan", "jenjang": "SD", "status": "Negeri"}}
    created = writer.post("/collections/schools/items", data=orjson.dumps(feature),
                          content_type="application/geo+json", headers=TOKEN)
    assert created.status_code == 201 and created.headers["Location"]
    assert "Content-Type" not in created.headers and created.get_data() == b""
    item = created.headers["Location"].replace("http://localhost", "")
    patched = writer.patch(item, data=orjson.dumps({"properties": {"nama": "SD Tanpa Badan 2"}}),
                           content_type="application/merge-patch+json", headers={**TOKEN, "If-Match": '"v1"'})
    assert patched.status_code == 204 and "Content-Type" not in patched.headers
    deleted = writer.delete(item, headers={**TOKEN, "If-Match": "*"})
    assert deleted.status_code == 204 and "Content-Type" not in deleted.headers
    not_modified = writer.get("/collections/schools/items/1", headers={"If-None-Match": '"v1"'})
    assert not_modified.status_code in (200, 304)
    if not_modified.status_code == 304:
        assert "Content-Type" not in not_modified.headers


# ---------------------------------------------------------------- geometry input (issue 16, 9)

def zone(ring: list) -> dict:
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"npsn": "T7700002", "nama": "SD Cincin", "jenjang": "SD", "status": "Negeri"}}


def point(coordinates: list, **members: object) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates, **members},
            "properties": {"npsn": "T7700003", "nama": "SD Titik", "jenjang": "SD", "status": "Swasta"}}


CRS_MEMBER = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32647"}}


@pytest.mark.parametrize(("feature", "headers", "words"), [
    (point(["98.67", "3.59"]), {}, "'98.67' is not a number"),
    (point([98.67, 3.59, 25.0]), {}, "has a height (3 numbers)"),
    (point([98.67]), {}, "a position is 2 numbers, not 1"),
    (point([98.67, 3.59], crs=CRS_MEMBER), {}, "says urn:ogc:def:crs:EPSG::32647 but without Content-Crs"),
    (point([468000.0, 397000.0], crs=CRS_MEMBER), {"Content-Crs": f"<{EPSG.format(3857)}>"},
     "but Content-Crs says <http://www.opengis.net/def/crs/EPSG/0/3857>"),
    (point([98.67, 3.59], crs={"type": "name", "properties": {"name": "EPSG:9999"}}), {}, "names no CRS"),
    ({**point([98.67, 3.59]), "geometry": {"type": "Point"}}, {}, 'a Point needs a "coordinates" array'),
])
def test_ambiguous_geometry_input_is_refused_with_the_reason(writer, feature: dict, headers: dict, words: str) -> None:  # noqa: ANN001
    """RFC 7946 3.1.1 (a position is numbers; more than 3 elements not allowed, a height is not
    silently dropped from a 2D layer), section 4 (no crs member: Content-Crs, Part 2
    /req/crs/content-crs-header, says it): a 400 naming the place, nothing created."""
    before = writer.get("/collections/schools/items?limit=1").get_json()["numberMatched"]
    response = writer.post("/collections/schools/items", data=orjson.dumps(feature),
                           content_type="application/geo+json", headers={**TOKEN, **headers})
    assert response.status_code == 400, response.get_data(as_text=True)
    answer = response.get_json()
    said = " ".join([answer["description"], *answer.get("problems", [])])
    assert words in said, said
    assert writer.get("/collections/schools/items?limit=1").get_json()["numberMatched"] == before


def test_an_open_polygon_ring_is_refused_not_closed(writer) -> None:  # noqa: ANN001
    """RFC 7946 3.1.6: a linear ring's first and last positions are equivalent; a ring of fewer than 4
    positions is not a ring. shapely closed them silently. Checked on a Polygon layer from the registry."""
    from layers.registry import get_registry

    layer = next(s for s in get_registry() if s.geometry in ("Polygon", "MultiPolygon") and s.access.write)
    ring = [[98.66, 3.58], [98.67, 3.58], [98.67, 3.59], [98.66, 3.59]]
    for geometry, words in (({"type": "Polygon", "coordinates": [ring]}, "the ring is not closed"),
                            ({"type": "Polygon", "coordinates": [ring[:3]]}, "a ring needs at least 4 positions"),
                            ({"type": "MultiPolygon", "coordinates": [[ring]]}, "the ring is not closed")):
        response = writer.post(f"/collections/{layer.id}/items", content_type="application/geo+json",
                               data=orjson.dumps({"type": "Feature", "geometry": geometry, "properties": {}}),
                               headers=TOKEN)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert words in response.get_data(as_text=True)


def test_a_crs_member_that_agrees_with_content_crs_is_accepted_and_dropped(writer) -> None:  # noqa: ANN001
    """Part 2 /req/crs/content-crs-header: Content-Crs says the CRS; a legacy crs member saying the same is
    not ambiguous, so it is taken (and not stored)."""
    feature = point([468000.0, 397000.0], crs=CRS_MEMBER)
    created = writer.post("/collections/schools/items", data=orjson.dumps(feature), content_type="application/geo+json",
                          headers={**TOKEN, "Content-Crs": f"<{EPSG.format(32647)}>"})
    assert created.status_code == 201, created.get_data(as_text=True)
    stored = writer.get(created.headers["Location"].replace("http://localhost", "")).get_json()
    lon, lat = stored["geometry"]["coordinates"]
    assert 98.6 < lon < 98.8 and 3.5 < lat < 3.7 and "crs" not in stored["geometry"]


def test_a_cql2_bbox_is_checked_like_the_bbox_parameter(client) -> None:  # noqa: ANN001
    """CQL2 /req/basic-spatial-functions (BBOX: lower corner first, as in OGC 17-069r4 /req/core/fc-bbox-definition):
    out of the CRS's range is a 400; a west edge east of the east edge crosses the antimeridian, as the
    bbox parameter does, instead of being swapped."""
    doc = get_json(client, "/collections/schools/items?filter=" + quote("S_INTERSECTS(geometry, BBOX(98, 3, 99, 95))"), 400)
    assert "latitude 95 is outside" in doc["description"]
    crossing = quote("S_INTERSECTS(geometry, BBOX(98.7, 3, 98.6, 4))")
    by_filter = get_json(client, f"/collections/schools/items?limit=10000&properties=nama&filter={crossing}")
    by_bbox = get_json(client, "/collections/schools/items?limit=10000&properties=nama&bbox=98.7,3,98.6,4")
    assert [f["id"] for f in by_filter["features"]] == [f["id"] for f in by_bbox["features"]]
    assert by_filter["numberReturned"] > 0
