"""Injection, XSS and path traversal against the platform's routes: 4xx (never 5xx), nothing changed.

SQL in every query parameter of the feature API, in path segments and in
CQL2 literals; property names that are expressions or unknown (the GeoServer
CVE-2024-36401 class: a property name evaluated as code); JSON with duplicate
keys, 10,000-deep nesting and oversized bodies; markup in a feature property
shown as text; traversal out of the static, download and tile routes.
The app runs on a database of this module's own, so the writes it allows
(XSS fixtures) disturb no other test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import orjson
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database, ensure_database
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA
from tests.helpers.accounts import build_app
from webgis.ogcapi.params import ITEMS_PARAMETERS

ADMIN = {"Authorization": "Bearer test-token"}  # the config token (admin) of build_app
SQL = [
    "1' OR '1'='1", "1 OR 1=1", "'; DROP TABLE layers.schools; --", "1; SELECT pg_sleep(5)--",
    "x' UNION SELECT usename, passwd FROM pg_shadow--", "%' OR nama LIKE '%", "_%_", "\\", "1/*comment*/",
    "$$; DELETE FROM layers.schools; $$", "\x00", "ÿ'--",
]
PROPERTY_EXPRESSIONS = [
    "exec(java.lang.Runtime.getRuntime(),'id')", "nama || (SELECT passwd FROM pg_shadow)", "pg_sleep(5)",
    '"nama;--"', "nama;--", "geom", "fid", "version", "unknown_property", "1=1", "nama)", "ST_AsText(geom)",
]


@pytest.fixture(scope="module")
def app(server_url: str, template_database_url: str) -> Iterator[Flask]:
    name = f"medan_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name, template=make_url(template_database_url).database)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield build_app(url)
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, name)


def fingerprint(app: Flask) -> tuple:
    """Row counts and last change of every layer table and of the accounts: equal means nothing changed."""
    parts = []
    with app.extensions["engine"].connect() as conn:
        for spec in get_registry():
            parts.append(conn.execute(text(
                f'SELECT count(*), max(version), max(updated_at) FROM "{LAYER_SCHEMA}"."{spec.table}"')).one())
        parts.append(conn.execute(text("SELECT count(*) FROM auth.users")).one())
    return tuple(tuple(p) for p in parts)


def _ok(response, what: str) -> None:  # noqa: ANN001
    assert 400 <= response.status_code < 500 or response.status_code in (200, 204), (what, response.status_code)
    assert response.status_code < 500, what


def test_sql_in_every_query_parameter_path_segment_and_cql_literal(app: Flask) -> None:
    before = fingerprint(app)
    client = app.test_client()
    spec = get_registry().get("schools")
    params = [*ITEMS_PARAMETERS, "datetime", *(p.name for p in spec.properties if p.queryable)]
    for payload in SQL:
        for name in params:
            response = client.get(f"/collections/{spec.id}/items", query_string={name: payload})
            _ok(response, f"{name}={payload!r}")
        for url in (f"/collections/{payload}", f"/collections/{payload}/items", f"/collections/schools/items/{payload}",
                    f"/katalog/{payload}.geojson", f"/collections/{payload}/queryables"):
            _ok(client.get(url.replace("?", "%3F").replace("#", "%23")), url)
        for cql in (f"nama = '{payload.replace(chr(39), chr(39) * 2)}'", f"nama LIKE '{payload.replace(chr(39), '')}'",
                    f"nama = '{payload}'", f"npsn IN ('{payload}')"):
            response = client.get("/collections/schools/items", query_string={"filter": cql})
            _ok(response, cql)
        for route in ("/peta/search.json?q=", "/peta/here.json?lat=3.59&lon=", "/open311/v2/requests.json?service_code="):
            _ok(client.get(route + payload.replace("#", "%23")), route + payload)
    # A quoted literal is a value, never SQL: "1' OR '1'='1" matches nothing, it does not match everything.
    response = client.get("/collections/schools/items", query_string={"filter": "npsn = '1'' OR ''1''=''1'"})
    assert response.status_code == 200 and orjson.loads(response.get_data())["numberReturned"] == 0
    assert fingerprint(app) == before


def test_property_names_that_are_expressions_or_unknown_are_refused(app: Flask) -> None:
    """The CVE-2024-36401 class: a property name in a filter, sort or selection is never evaluated."""
    client = app.test_client()
    for name in PROPERTY_EXPRESSIONS:
        for query in ({"filter": f"{name} = 'x'"}, {"filter": f"\"{name}\" = 'x'"}, {"sortby": name},
                      {"properties": name}, {name: "x"}):
            response = client.get("/collections/schools/items", query_string=query)
            assert 400 <= response.status_code < 500, (query, response.status_code)
        response = client.get("/collections/cctv/items", query_string={"filter": f"modbus_host = '{name}'"})
        assert response.status_code == 400, "a private property is not queryable for the public"


def test_json_bodies_duplicate_keys_deep_nesting_and_oversized_are_4xx(app: Flask) -> None:
    before = fingerprint(app)
    client = app.test_client()
    deep = b"[" * 10_000 + b"]" * 10_000
    deep_object = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    duplicate = b'{"type":"Feature","type":"FeatureCollection","geometry":null,"properties":{}}'
    targets = [("POST", "/collections/schools/items"), ("PATCH", "/collections/schools/items/1"),
               ("PUT", "/collections/schools/items/1"), ("POST", "/auth/users"), ("POST", "/auth/tokens"),
               ("POST", "/auth/users/admin/roles"), ("POST", "/open311/v2/requests.json")]
    for method, url in targets:
        for body in (deep, deep_object, duplicate, b'{"type": "Feature", "properties": {"nama": 1, "nama": 2}'):
            response = client.open(url, method=method, data=body, headers={**ADMIN, "If-Match": '"v1"'},
                                   content_type="application/json")
            assert 400 <= response.status_code < 500, (method, url, body[:30], response.status_code)
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for method, url in targets[:1] + targets[3:4]:
        response = client.open(url, method=method, data=big, headers=ADMIN, content_type="application/json")
        assert response.status_code == 413, (url, response.status_code)
    assert fingerprint(app) == before


XSS = ["<script>alert('xss')</script>", '<img src=x onerror="alert(1)">', "\"><svg onload=alert(1)>"]


def test_markup_in_a_feature_property_is_shown_as_text(app: Flask) -> None:
    client = app.test_client()
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.6722, 3.5952]},
               "properties": {"npsn": "X1", "nama": f"Sekolah {XSS[0]} {XSS[1]}", "jenjang": "SD",
                              "status": "Negeri", "alamat": XSS[2]}}
    response = client.post("/collections/schools/items", json=feature, headers=ADMIN)
    assert response.status_code == 201, response.get_data(as_text=True)
    location = response.headers["Location"]
    fid = location.rsplit("/", 1)[1]
    pages = [f"/collections/schools/items/{fid}?f=html", "/collections/schools/items?f=html&npsn=X1",
             "/katalog", "/collections/schools?f=html", f"/collections/schools/items/{fid}?f=html&crs=EPSG:4326"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.get_data(as_text=True)
        for payload in XSS:
            assert payload not in body, f"{page} holds raw markup {payload!r}"
        assert "<script>alert" not in body and "onerror=\"alert" not in body and "<svg onload" not in body
    shown = client.get(f"/collections/schools/items/{fid}?f=html").get_data(as_text=True)
    assert "&lt;script&gt;" in shown, "the value is shown, escaped"
    # JSON answers carry the value as data, typed as JSON and never sniffed as HTML.
    for url in (f"/collections/schools/items/{fid}", "/peta/search.json?q=Sekolah+script+alert"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype in ("application/json", "application/geo+json")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    results = client.get("/peta/search.json", query_string={"q": "Sekolah script"}).get_json()["results"]
    assert any(XSS[0] in r["name"] for r in results), "the name comes back exactly, as data"


TRAVERSALS = ["../", "..%2f", "%2e%2e/", "%2e%2e%2f", "..%5c", "....//", "%252e%252e%252f", "..;/", "/etc/passwd",
              "%c0%ae%c0%ae/"]


def test_path_traversal_out_of_static_download_and_tile_routes(app: Flask) -> None:
    client = app.test_client()
    secrets = ("root:x:0:0", "def create_app", "[database]", "postgresql://", "BEGIN PRIVATE KEY")
    urls = []
    for t in TRAVERSALS:
        deep = t * 6
        urls += [f"/static/{deep}etc/passwd", f"/static/{deep}webgis/app.py", f"/static/pages/{deep}app.py",
                 f"/accounts/static/{deep}webgis/app.py", f"/katalog/{deep}etc/passwd.geojson",
                 f"/katalog/{t}schools.geojson", f"/collections/{deep}etc/tiles/WebMercatorQuad/0/0/0",
                 f"/collections/schools/tiles/{deep}etc%2fpasswd/0/0/0", f"/tiles/{deep}etc/passwd/0/0/0",
                 f"/tileMatrixSets/{deep}etc%2fpasswd", f"/open311/staff/requests/{deep}etc%2fpasswd/media"]
    for url in urls:
        response = client.get(url, headers=ADMIN)
        assert response.status_code in (400, 403, 404, 405, 308), (url, response.status_code)
        body = response.get_data()
        assert not any(s.encode() in body for s in secrets), url
