"""Part 1 and 2 reads through the Flask client on the seeded database."""

from __future__ import annotations

import orjson
import pytest
from openapi_spec_validator import validate
from sqlalchemy import text

from layers.features import geojson
from layers.registry import get_registry
from tests.helpers.database import public_count

PUBLIC = [spec.id for spec in get_registry() if spec.access.is_public]


def get_json(client, url: str, status: int = 200) -> dict:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return orjson.loads(response.get_data())


def test_landing_json_links_every_required_resource(client) -> None:  # noqa: ANN001
    doc = get_json(client, "/?f=json")
    rels = {link["rel"] for link in doc["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= rels


def test_landing_negotiates_json_for_gdal_accept(client) -> None:  # noqa: ANN001
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json"
    assert "links" in response.get_json()


def test_landing_html_for_browser_when_no_homepage_or_asked(client) -> None:  # noqa: ANN001
    response = client.get("/?f=html")
    assert response.mimetype == "text/html"
    assert "OGC API" in response.get_data(as_text=True)


def test_conformance_lists_parts_1_to_4(client) -> None:  # noqa: ANN001
    classes = get_json(client, "/conformance")["conformsTo"]
    for part in ("features-1/1.0/conf/core", "features-2/1.0/conf/crs", "features-3/1.0/conf/filter",
                 "features-4/1.0/conf/create-replace-delete", "cql2/1.0/conf/cql2-text"):
        assert any(c.endswith(part) for c in classes), part


def test_openapi_document_validates_and_lists_every_public_collection(client) -> None:  # noqa: ANN001
    response = client.get("/api")
    assert response.mimetype == "application/vnd.oai.openapi+json"
    doc = orjson.loads(response.get_data())
    validate(doc)
    for layer_id in PUBLIC:
        assert f"/collections/{layer_id}/items" in doc["paths"]


def test_collections_lists_every_public_layer_with_crs(client) -> None:  # noqa: ANN001
    doc = get_json(client, "/collections")
    assert [c["id"] for c in doc["collections"]] == PUBLIC
    schools = get_json(client, "/collections/schools")
    assert schools["storageCrs"].endswith("CRS84")
    assert "http://www.opengis.net/def/crs/EPSG/0/32647" in schools["crs"]
    assert len(schools["extent"]["spatial"]["bbox"][0]) == 4


@pytest.mark.parametrize("layer_id", PUBLIC)
def test_every_layer_serves_items_counted_like_the_database(client, engine, layer_id: str) -> None:  # noqa: ANN001
    total = public_count(engine, layer_id)  # the rows the anonymous public reaches (row rules included)
    doc = get_json(client, f"/collections/{layer_id}/items?limit=5")
    assert doc["type"] == "FeatureCollection"
    assert doc["numberReturned"] == min(5, total)
    assert doc["numberMatched"] == total
    assert "timeStamp" in doc


def test_paging_by_cursor_and_offset_visits_each_feature_once(client, engine) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM layers.schools")).scalar_one()
    seen, url = [], "/collections/schools/items?limit=400"
    while url:
        doc = get_json(client, url)
        seen += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert len(seen) == total == len(set(seen))
    by_offset = get_json(client, "/collections/schools/items?limit=3&offset=3")
    assert [f["id"] for f in by_offset["features"]] == seen[3:6]
    assert any(link["rel"] == "prev" for link in by_offset["links"])


def test_offset_pages_with_sortby_and_a_filter_are_slices_of_the_whole_order(client) -> None:  # noqa: ANN001
    query = "/collections/schools/items?jenjang=SD&sortby=-nama&properties=nama"
    whole = [f["id"] for f in get_json(client, f"{query}&limit=1000")["features"]]
    assert len(whole) > 100
    for offset in (1, 7, 50, len(whole) - 3):
        page = get_json(client, f"{query}&limit=5&offset={offset}")
        assert [f["id"] for f in page["features"]] == whole[offset:offset + 5]


@pytest.mark.parametrize("limit", [6, 7, 8, 14, 15])
def test_streamed_pages_stop_exactly_at_the_limit_across_batches(client, monkeypatch, limit: int) -> None:  # noqa: ANN001
    # Small batches so that a page's end, the extra row that proves a next page and a
    # batch's end fall on and around each other with the seeded rows.
    monkeypatch.setattr(geojson, "STREAM_ABOVE_ROWS", 5)
    monkeypatch.setattr(geojson, "STREAM_BATCH_ROWS", 7)
    whole = [f["id"] for f in get_json(client, "/collections/schools/items?properties=nama&limit=40")["features"]]
    page = get_json(client, f"/collections/schools/items?properties=nama&limit={limit}")
    assert [f["id"] for f in page["features"]] == whole[:limit]
    assert page["numberReturned"] == limit
    (following,) = [link["href"] for link in page["links"] if link["rel"] == "next"]
    after = get_json(client, following.replace("http://localhost", ""))
    assert [f["id"] for f in after["features"]] == whole[limit:2 * limit]


def test_limit_is_clamped_to_the_maximum(client) -> None:  # noqa: ANN001
    doc = get_json(client, "/collections/schools/items?limit=50000&properties=nama")
    assert doc["numberReturned"] <= 10_000


def test_bbox_returns_only_features_inside(client) -> None:  # noqa: ANN001
    bbox = (98.65, 3.55, 98.70, 3.60)
    doc = get_json(client, "/collections/schools/items?limit=1000&bbox=" + ",".join(map(str, bbox)))
    assert doc["numberReturned"] > 0
    for f in doc["features"]:
        x, y = f["geometry"]["coordinates"]
        assert bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def test_bbox_crs_and_crs_in_epsg_4326_use_lat_lon_order(client) -> None:  # noqa: ANN001
    plain = get_json(client, "/collections/schools/items?limit=1000&bbox=98.65,3.55,98.70,3.60")
    flipped = client.get("/collections/schools/items?limit=1000&bbox=3.55,98.65,3.60,98.70"
                         "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326"
                         "&crs=http://www.opengis.net/def/crs/EPSG/0/4326")
    assert flipped.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    doc = orjson.loads(flipped.get_data())
    assert [f["id"] for f in doc["features"]] == [f["id"] for f in plain["features"]]
    lon, lat = plain["features"][0]["geometry"]["coordinates"]
    assert doc["features"][0]["geometry"]["coordinates"] == [lat, lon]


@pytest.mark.parametrize("epsg", [3857, 32647, 23847])
def test_projected_output_crs(client, epsg: int) -> None:  # noqa: ANN001
    uri = f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"
    response = client.get(f"/collections/schools/items/1?crs={uri}")
    assert response.headers["Content-Crs"] == f"<{uri}>"
    x, y = orjson.loads(response.get_data())["geometry"]["coordinates"]
    assert abs(x) > 1000 and abs(y) > 1000  # metres, not degrees


def test_datetime_instants_and_open_intervals(client, engine) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM layers.sample_points WHERE waktu >= '2024-01-01'")).scalar_one()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer test-token"  # sample_points: data for testing, admins only
    doc = get_json(client, "/collections/sample_points/items?limit=1&datetime=2024-01-01T00:00:00Z/..")
    assert doc["numberMatched"] == after
    none = get_json(client, "/collections/sample_points/items?datetime=../1990-01-01")
    assert none["numberReturned"] == 0
    get_json(client, "/collections/sample_points/items?datetime=2024-13-01", 400)  # not a date


def test_property_equality_selection_and_sortby(client) -> None:  # noqa: ANN001
    doc = get_json(client, "/collections/schools/items?jenjang=SMA&limit=50&properties=nama,jenjang&sortby=-nama")
    assert doc["numberReturned"] > 0
    assert all(set(f["properties"]) == {"nama", "jenjang"} for f in doc["features"])
    assert all(f["properties"]["jenjang"] == "SMA" for f in doc["features"])
    names = [f["properties"]["nama"] for f in doc["features"]]
    assert names == sorted(names, reverse=True)


def test_private_properties_are_never_served(client) -> None:  # noqa: ANN001
    for spec in get_registry():
        if not spec.access.private:
            continue
        if not spec.access.is_public:
            get_json(client, f"/collections/{spec.id}/items?limit=3", 404)  # anonymous: not even listed
            continue
        doc = get_json(client, f"/collections/{spec.id}/items?limit=3")
        for f in doc["features"]:
            assert not set(spec.access.private) & set(f["properties"])
        queryables = get_json(client, f"/collections/{spec.id}/queryables")
        assert not set(spec.access.private) & set(queryables["properties"])
        get_json(client, f"/collections/{spec.id}/items?{spec.access.private[0]}=x", 400)


def test_item_has_etag_and_links(client) -> None:  # noqa: ANN001
    response = client.get("/collections/schools/items/1")
    assert response.headers["ETag"] == '"v1"'
    doc = orjson.loads(response.get_data())
    assert doc["id"] == 1
    assert {"self", "alternate", "collection"} <= {link["rel"] for link in doc["links"]}


def test_queryables_is_a_json_schema(client) -> None:  # noqa: ANN001
    response = client.get("/collections/schools/queryables")
    assert response.mimetype == "application/schema+json"
    doc = orjson.loads(response.get_data())
    assert doc["properties"]["jenjang"]["enum"] == ["SD", "SMP", "SMA", "SMK", "SLB"]
    assert doc["properties"]["geometry"]["format"] == "geometry-point"


def test_html_pages_show_the_attribute_table_and_reference_own_assets(client) -> None:  # noqa: ANN001
    body = client.get("/collections/schools/items?f=html&limit=3").get_data(as_text=True)
    assert "<table" in body and "/static/ogcapi/map.js" in body
    assert "<script>" not in body  # no inline script: a strict CSP stays possible
    for url in ("/collections?f=html", "/collections/schools?f=html", "/conformance?f=html", "/api?f=html",
                "/collections/schools/queryables?f=html", "/collections/schools/items/1?f=html"):
        assert client.get(url).status_code == 200, url
