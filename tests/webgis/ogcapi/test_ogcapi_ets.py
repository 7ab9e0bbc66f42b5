"""The assertions of the OGC ETS for OGC API - Features (Parts 1-4) as tests over every collection.

Generated from the registry: a new layer declaration is covered by every test here
without a new test. Public layers are checked as the anonymous public, every layer
as the API token's admin; writes on a database of their own. Each test names the
requirements (17-069r4 Part 1, 18-058r1 Part 2, 19-079r2 Part 3, 20-002 Part 4 draft)
whose abstract tests it carries out. The ETS itself could not be fetched here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import orjson
import pytest
from sqlalchemy import text

from layers.db import engine_for
from layers.model import LayerSpec
from layers.registry import get_registry
from tests.helpers.database import public_count

ADMIN = {"Authorization": "Bearer test-token"}
LAYERS = list(get_registry())
PUBLIC = [spec for spec in LAYERS if spec.access.is_public]
CASES = [(spec, {}) for spec in PUBLIC] + [(spec, ADMIN) for spec in LAYERS]
IDS = [f"{spec.id}-{'admin' if who else 'anonymous'}" for spec, who in CASES]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Paging through more than this many features follows a few next links and jumps to the last page.
WALK_ALL_BELOW = 20_000
PAGE = 1_000
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def get(client, url: str, headers: dict, status: int = 200) -> tuple[dict, object]:  # noqa: ANN001
    response = client.get(url.replace("http://localhost", ""), headers=headers)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return orjson.loads(response.get_data()), response


def rels(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for link in document["links"]:
        assert {"href", "rel"} <= set(link), link  # /req/core/... links: href and rel always
        found.setdefault(link["rel"], []).append(link)
    return found


def total_of(engine, spec: LayerSpec) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f'SELECT count(*) FROM layers."{spec.table}"')).scalar_one()  # noqa: S608


# ---------------------------------------------------------------- landing, conformance, API, collections

@pytest.mark.parametrize("who", [{}, ADMIN], ids=["anonymous", "admin"])
def test_landing_conformance_api_and_collections_list_every_readable_layer(client, who: dict) -> None:  # noqa: ANN001
    """Part 1 /ats/core/root-op, /root-success (links service-desc, service-doc, conformance, data),
    /conformance-op, /conformance-success, /api-definition-op, /fc-md-op, /fc-md-success, /fc-md-links,
    /fc-md-items (one entry per collection the caller may read)."""
    landing, _ = get(client, "/?f=json", who)
    links = rels(landing)
    for rel in ("self", "service-desc", "service-doc", "conformance", "data"):
        assert rel in links, rel
    for rel in ("service-desc", "conformance", "data"):
        get(client, links[rel][0]["href"], who)
    conformance, _ = get(client, links["conformance"][0]["href"], who)
    assert all(c.startswith("http://www.opengis.net/spec/") for c in conformance["conformsTo"])
    collections, _ = get(client, links["data"][0]["href"], who)
    readable = PUBLIC if not who else LAYERS
    assert [c["id"] for c in collections["collections"]] == [s.id for s in readable]
    assert "self" in rels(collections)
    api, response = get(client, links["service-desc"][0]["href"], who)
    assert response.mimetype == "application/vnd.oai.openapi+json"
    for spec in readable:
        assert f"/collections/{spec.id}/items" in api["paths"]


@pytest.mark.parametrize(("spec", "who"), CASES, ids=IDS)
def test_collection_metadata(client, spec: LayerSpec, who: dict) -> None:  # noqa: ANN001
    """Part 1 /ats/core/sfc-md-op, /sfc-md-success, /fc-md-links (items link per format), /fc-md-extent
    (bbox of 4 numbers in CRS84, lower corner first); Part 2 /ats/crs/fc-md-crs-list (CRS84 listed),
    /fc-md-storageCrs; Part 3 /ats/queryables/get-queryables-uris (queryables link);
    Part 5 /ats/returnables-and-receivables/link (schema link)."""
    collection, _ = get(client, f"/collections/{spec.id}", who)
    assert collection["id"] == spec.id and collection["itemType"] == "feature"
    links = rels(collection)
    assert {"self", "alternate", "items"} <= set(links)
    assert "application/geo+json" in {link["type"] for link in links["items"]}
    assert "http://www.opengis.net/def/rel/ogc/1.0/queryables" in links
    assert "http://www.opengis.net/def/rel/ogc/1.0/schema" in links
    assert CRS84 in collection["crs"] and collection["storageCrs"] in collection["crs"]
    bbox = collection["extent"]["spatial"].get("bbox")
    if bbox:
        x0, y0, x1, y1 = bbox[0]
        assert -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90
    if spec.temporal:
        assert collection["extent"]["temporal"]["trs"].endswith("Gregorian")


# ---------------------------------------------------------------- items, paging, counts

def check_page(page: dict, spec: LayerSpec, response: object) -> None:
    """/ats/core/fc-response (FeatureCollection, features), /fc-links (self, alternate), /fc-timeStamp
    (RFC 3339, now), /fc-numberReturned (the features on the page); /ats/geojson/content (geometry of the
    declared type; id)."""
    assert page["type"] == "FeatureCollection" and response.mimetype == "application/geo+json"
    assert page["numberReturned"] == len(page["features"])
    assert RFC3339.match(page["timeStamp"]), page["timeStamp"]
    stamp = datetime.fromisoformat(page["timeStamp"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)
    links = rels(page)
    assert {"self", "alternate"} <= set(links)
    allowed = {spec.geometry, spec.geometry.removeprefix("Multi")}
    for feature in page["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["id"], int)
        assert feature["geometry"]["type"] in allowed


@pytest.mark.parametrize(("spec", "who"), CASES, ids=IDS)
def test_items_page_to_the_end_with_exact_counts(client, engine, spec: LayerSpec, who: dict) -> None:  # noqa: ANN001
    """Part 1 /ats/core/fc-op, /fc-limit-definition, /fc-limit-response-1 (at most `limit`), /fc-response,
    /fc-links (next until the last page, none on it), /fc-numberMatched (the total on every page, also past
    the end), /fc-numberReturned, /fc-timeStamp: following `next` visits every feature once."""
    total = total_of(engine, spec) if who else public_count(engine, spec.id)  # a row rule may hold rows back
    page, response = get(client, f"/collections/{spec.id}/items?limit={PAGE}", who)
    seen: list[int] = []
    steps = 0
    while True:
        check_page(page, spec, response)
        assert page["numberReturned"] <= PAGE
        assert page.get("numberMatched", total) == total
        seen += [f["id"] for f in page["features"]]
        following = rels(page).get("next")
        if not following:
            break
        steps += 1
        if total >= WALK_ALL_BELOW and steps == 3:
            page, response = get(client, f"/collections/{spec.id}/items?limit={PAGE}&offset={total - 3}", who)
            assert page["numberReturned"] == 3 and "next" not in rels(page)
            break
        page, response = get(client, following[0]["href"], who)
    assert len(seen) == len(set(seen))
    if total < WALK_ALL_BELOW:
        assert len(seen) == total
    past, _ = get(client, f"/collections/{spec.id}/items?limit=5&offset={total + 10}", who)
    assert past["numberReturned"] == 0 and past["numberMatched"] == total


@pytest.mark.parametrize(("spec", "who"), CASES, ids=IDS)
def test_item_crs_and_bbox(client, spec: LayerSpec, who: dict) -> None:  # noqa: ANN001
    """Part 1 /ats/core/f-op, /f-success (self, alternate, collection links), /fc-bbox-response (only
    features meeting the bbox); Part 2 /ats/crs/fc-crs-valid-value (every listed CRS, Content-Crs),
    /ats/crs/fc-bbox-crs-valid-value (the same features for a bbox given in another CRS)."""
    page, _ = get(client, f"/collections/{spec.id}/items?limit=1", who)
    if not page["features"]:
        pytest.skip(f"{spec.id} is empty in the seed")
    fid = page["features"][0]["id"]
    feature, response = get(client, f"/collections/{spec.id}/items/{fid}", who)
    assert feature["id"] == fid and response.headers["ETag"]
    assert {"self", "alternate", "collection"} <= set(rels(feature))
    collection, _ = get(client, f"/collections/{spec.id}", who)
    for crs in collection["crs"]:
        _, response = get(client, f"/collections/{spec.id}/items/{fid}?crs={quote(crs)}", who)
        assert response.headers["Content-Crs"] == f"<{crs}>"
    box = "98.55,3.45,98.80,3.80"
    plain, _ = get(client, f"/collections/{spec.id}/items?limit=200&properties=&bbox={box}", who)
    projected = "3.45,98.55,3.80,98.80"  # the same box in EPSG:4326 axis order
    flipped, _ = get(client, f"/collections/{spec.id}/items?limit=200&properties=&bbox={projected}"
                             "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", who)
    assert [f["id"] for f in flipped["features"]] == [f["id"] for f in plain["features"]]
    assert plain.get("numberMatched") == flipped.get("numberMatched")


# ---------------------------------------------------------------- queryables and filters

def first_value(client, spec: LayerSpec, who: dict, names: list[str]) -> tuple[str, object] | None:  # noqa: ANN001
    page, _ = get(client, f"/collections/{spec.id}/items?limit=50", who)
    for feature in page["features"]:
        for name in names:
            value = feature["properties"].get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and "'" not in str(value):
                return name, value
    return None


@pytest.mark.parametrize(("spec", "who"), CASES, ids=IDS)
def test_queryables_equality_and_cql2_filters_agree(client, spec: LayerSpec, who: dict) -> None:  # noqa: ANN001
    """Part 3 /ats/queryables/get-queryables-uris, /get-queryables-response (a JSON Schema),
    /ats/queryables-query-parameters/parameters (a queryable as a query parameter), /ats/filter/filter-param,
    /ats/features-filter/response (the filter selects the same features); CQL2 /ats/basic-cql2/
    comparison (=) in cql2-text and cql2-json."""
    queryables, response = get(client, f"/collections/{spec.id}/queryables", who)
    assert response.mimetype == "application/schema+json" and queryables["type"] == "object"
    names = [n for n, p in queryables["properties"].items() if p.get("type") in ("string", "integer")]
    found = first_value(client, spec, who, names)
    if found is None:
        pytest.skip(f"{spec.id}: no string or integer queryable with a value in the first page")
    name, value = found
    by_parameter, _ = get(client, f"/collections/{spec.id}/items?limit=10000&properties={name}"
                                  f"&{name}={quote(str(value))}", who)
    literal = f"'{value}'" if isinstance(value, str) else str(value)
    by_text, _ = get(client, f"/collections/{spec.id}/items?limit=10000&properties={name}"
                             f"&filter={quote(f'{name} = {literal}')}", who)
    cql_json = orjson.dumps({"op": "=", "args": [{"property": name}, value]}).decode()
    by_json, _ = get(client, f"/collections/{spec.id}/items?limit=10000&properties={name}&filter-lang=cql2-json"
                             f"&filter={quote(cql_json)}", who)
    ids = [f["id"] for f in by_parameter["features"]]
    assert ids and [f["id"] for f in by_text["features"]] == ids == [f["id"] for f in by_json["features"]]
    assert all(f["properties"][name] == value for f in by_parameter["features"])


# ---------------------------------------------------------------- writes (Part 4)

@pytest.fixture(scope="module")
def writer(server_url, template_database_url) -> Iterator:  # noqa: ANN001
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database
    from tests.helpers.database import clone_database, settings_for
    from webgis.app import create_app

    url = clone_database(server_url, template_database_url)
    yield create_app(settings_for(url, api_token="test-token")).test_client()
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


def new_key(spec: LayerSpec, properties: dict) -> dict | None:
    """The properties with a fresh value for the layer's key (declared unique); None when the key
    takes only a few declared values (then the test deletes the original and creates it again)."""
    key = next((p for p in spec.properties if p.name == spec.key), None)
    if key is None:
        return properties
    if key.allowed is not None:
        return None
    fresh: object = 9_000_000 + len(spec.id) if key.type == "integer" else f"ETS{spec.id[:8]}"[: key.max_length or 40]
    return {**properties, spec.key: fresh}


# A layer whose rows follow a workflow is created and deleted only through its service (the generic API
# answers 409 naming it: tests/security/test_row_rules.py); a derived layer is written by nobody.
GENERIC_WRITABLE = [s for s in LAYERS if s.access.write and s.workflow is None and s.derived_from is None]


@pytest.mark.parametrize("spec", GENERIC_WRITABLE, ids=lambda s: s.id)
def test_create_replace_update_delete_on_every_writable_layer(writer, spec: LayerSpec) -> None:  # noqa: ANN001
    """Part 4 /ats/create-replace-delete/insert (201, Location, the feature then readable), /replace (204,
    a new ETag), /ats/update/update (merge patch, 204), /ats/create-replace-delete/delete (204, then 404):
    a copy of the layer's first feature with a fresh key, through the generic API as admin."""
    page, _ = get(writer, f"/collections/{spec.id}/items?limit=1", ADMIN)
    if not page["features"]:
        pytest.skip(f"{spec.id} is empty in the seed")
    original = page["features"][0]
    properties = {k: v for k, v in original["properties"].items() if k != "source" and v is not None}
    fresh = new_key(spec, properties)
    if fresh is None:  # the key cannot take a new value: the original makes way
        gone = writer.delete(f"/collections/{spec.id}/items/{original['id']}", headers={**ADMIN, "If-Match": "*"})
        assert gone.status_code == 204
    body = {"type": "Feature", "geometry": original["geometry"], "properties": fresh or properties}
    created = writer.post(f"/collections/{spec.id}/items", data=orjson.dumps(body),
                          content_type="application/geo+json", headers=ADMIN)
    assert created.status_code == 201, created.get_data(as_text=True)
    location = created.headers["Location"].replace("http://localhost", "")
    feature, response = get(writer, location, ADMIN)
    assert feature["geometry"]["type"] == original["geometry"]["type"]
    replaced = writer.put(location, data=orjson.dumps(body), content_type="application/geo+json",
                          headers={**ADMIN, "If-Match": response.headers["ETag"]})
    assert replaced.status_code == 204, replaced.get_data(as_text=True)
    assert replaced.headers["ETag"] != response.headers["ETag"]
    patched = writer.patch(location, data=orjson.dumps({"properties": {}}), content_type="application/merge-patch+json",
                           headers={**ADMIN, "If-Match": replaced.headers["ETag"]})
    assert patched.status_code == 204, patched.get_data(as_text=True)
    assert patched.headers["ETag"] == replaced.headers["ETag"]  # an empty merge patch changes nothing
    deleted = writer.delete(location, headers={**ADMIN, "If-Match": patched.headers["ETag"]})
    assert deleted.status_code == 204
    get(writer, location, ADMIN, 404)
