"""Private properties never reach the public, on any GET route; those who may write a layer see them.

The walk covers every GET rule of the app's URL map, with path arguments
filled per layer by route_table.FILLERS (a rule whose argument has no filler
fails), as JSON and as HTML, tiles as raw MVT bytes, downloads in every
format. It looks for the private property names and for the seeded private
values (a device's Modbus host, its host:port pair, a complainant's contact).
"""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from sqlalchemy import text

from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA
from services.engine.registry import get_services
from tests.helpers.accounts import PASSWORD
from tests.helpers.routes import get_rules, missing_fillers, samples, urls
from webgis.accounts import manage

PRIVATE_LAYERS = [spec for spec in get_registry() if spec.access.private]
# Private property names too common to look for as text ('token' is in every form's csrf_token);
# their values are looked for instead.
GENERIC_NAMES = {"token",
                 # The services' application forms ask for these by name (their inputs), on public pages.
                 "nama_pemohon", "nik_pemohon", "email_pemohon", "telp_pemohon",
                 # The services' forms ask for their fields by name (their inputs, on public pages); the
                 # PPDB form (/ppdb/daftar) asks for the child's name, NIK and birth date, and a home
                 # address is private in PPDB registrations but a public field name of the permit forms.
                 *(f.name for service in get_services() for f in service.form.fields),
                 "address", "nama_anak", "nik_anak", "tanggal_lahir"}


def _private_values(app: Flask) -> tuple[set[str], set[str]]:
    """(distinctive text values, host:port pairs) of every private property in the seeded layers."""
    values: set[str] = set()
    pairs: set[str] = set()
    with app.extensions["engine"].connect() as conn:
        for spec in PRIVATE_LAYERS:
            columns = ", ".join(f'"{n}"::text' for n in spec.access.private)
            rows = conn.execute(text(f'SELECT {columns} FROM "{LAYER_SCHEMA}"."{spec.table}" LIMIT 500')).all()
            for row in rows:
                record = dict(zip(spec.access.private, row, strict=True))
                for name, value in record.items():
                    # A value of a declared list (a relation such as 'diri_sendiri') is the form's public
                    # vocabulary, shown as its options; the person's own values are looked for.
                    # Bare numbers and dates are in every layer; a date of birth is looked for with its person.
                    if (value and len(value) >= 5 and not re.fullmatch(r"[0-9.]+|[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
                            and value not in (spec.prop(name).allowed or ())):
                        values.add(value)
                if record.get("modbus_host") and record.get("modbus_port"):
                    values.add(record["modbus_host"])
                    pairs.add(f'{record["modbus_host"]}:{record["modbus_port"]}')
    return values, pairs


@pytest.fixture(scope="module")
def seeded_private(accounts_app: Flask) -> tuple[set[str], set[str]]:
    values, pairs = _private_values(accounts_app)
    assert "127.0.0.1" in values, "the seed has devices with a Modbus host; without them this walk proves nothing"
    return values, pairs


def _leaks(body: bytes, values: set[str], pairs: set[str]) -> list[str]:
    found = []
    for spec in PRIVATE_LAYERS:
        found += [n for n in spec.access.private if n not in GENERIC_NAMES and n.encode() in body]
    found += [v for v in values if v.encode() in body]
    found += [p for p in pairs if p.encode() in body]
    return sorted(set(found))


def test_every_get_rule_has_fillers_for_its_arguments(accounts_app: Flask) -> None:
    assert missing_fillers(accounts_app) == [], "add the argument to route_table.FILLERS"


def test_no_anonymous_get_response_holds_a_private_field(accounts_app: Flask, seeded_private) -> None:  # noqa: ANN001
    values, pairs = seeded_private
    client = accounts_app.test_client()
    layer_samples = samples(accounts_app.extensions["engine"])
    leaks: dict[str, list[str]] = {}
    visited = 0
    statuses: dict[int, int] = {}
    for rule in get_rules(accounts_app):
        # The OGC API answers JSON and HTML, with pages of any size; other routes have one form each.
        queries = ("", "?f=html", "?f=json&limit=200") if rule.endpoint.startswith("ogcapi.") else ("",)
        for url in urls(accounts_app, rule, layer_samples):
            for query in queries:
                response = client.get(url + query)
                body = response.get_data()
                visited += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                assert response.status_code < 500, f"{url}{query}: {response.status_code}"
                if found := _leaks(body, values, pairs):
                    leaks[url + query] = found
    # Search and "what is here?" at every private-bearing feature, by each private value.
    for value in sorted(values)[:20]:
        response = client.get("/peta/search.json", query_string={"q": value[:100]})
        if found := _leaks(response.get_data(), values, pairs):
            leaks[f"search {value}"] = found
    for sample in layer_samples:
        if sample.spec.access.private and sample.lon is not None:
            response = client.get("/peta/here.json", query_string={"lon": sample.lon, "lat": sample.lat})
            if found := _leaks(response.get_data(), values, pairs):
                leaks[f"here {sample.spec.id}"] = found
    assert leaks == {}
    assert statuses.get(200, 0) > 100, f"the walk reached too few pages to mean anything: {statuses}"
    tiles = [s for s in layer_samples if s.spec.access.private and s.fid is not None]
    assert tiles, "no private-bearing feature to look for in a tile"


def test_the_walk_finds_a_leak_when_there_is_one(accounts_app: Flask, seeded_private) -> None:  # noqa: ANN001
    """The detector itself: an operator's response does hold the values the walk looks for."""
    values, pairs = seeded_private
    token = _token(accounts_app, "operator")
    spec = next(s for s in PRIVATE_LAYERS if "modbus_host" in s.access.private and _count(accounts_app, s))
    body = accounts_app.test_client().get(f"/collections/{spec.id}/items?limit=50",
                                          headers={"Authorization": f"Bearer {token}"}).get_data()
    assert "modbus_host" in _leaks(body, values, pairs)
    assert "127.0.0.1" in _leaks(body, values, pairs)


def _count(app: Flask, spec) -> int:  # noqa: ANN001
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text(f'SELECT count(*) FROM "{LAYER_SCHEMA}"."{spec.table}"')).scalar_one()


def _token(app: Flask, *roles: str) -> str:
    engine = app.extensions["engine"]
    user = manage.create_user(engine, "test", None, f"p{uuid.uuid4().hex[:10]}", PASSWORD, roles=roles)
    return manage.create_token(engine, "test", None, user, "private-fields", roles=list(roles)).secret


def _get(app: Flask, url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = app.test_client().get(url, headers=headers)
    return response.status_code, response.get_data()


@pytest.mark.parametrize("role, sees", [("operator", True), ("admin", True), ("planner", False), ("citizen", False)])
def test_device_private_fields_over_http_follow_the_access_rule(accounts_app: Flask, role: str, sees: bool) -> None:
    token = _token(accounts_app, role)
    specs = [s for s in PRIVATE_LAYERS if "modbus_host" in s.access.private and _count(accounts_app, s)]
    assert specs, "no seeded device layer"
    spec = specs[0]
    with accounts_app.extensions["engine"].connect() as conn:
        fid, lon, lat = conn.execute(text(
            f'SELECT fid, ST_X(geom), ST_Y(geom) FROM "{LAYER_SCHEMA}"."{spec.table}" ORDER BY fid LIMIT 1')).one()
    reads = [f"/collections/{spec.id}/items?limit=5", f"/collections/{spec.id}/items/{fid}",
             f"/collections/{spec.id}/items/{fid}?f=html", f"/collections/{spec.id}/items?f=html&limit=5",
             f"/collections/{spec.id}/queryables", f"/katalog/{spec.id}.csv", f"/katalog/{spec.id}.geojson"]
    for url in reads:
        status, body = _get(accounts_app, url, token)
        assert status == 200, url
        assert (b"modbus_host" in body) is sees, f"{role} {url}"
    # Filtering and sorting by a private property: allowed exactly when it may be seen.
    status, _ = _get(accounts_app, f"/collections/{spec.id}/items?sortby=modbus_port", token)
    assert status == (200 if sees else 400)
    status, _ = _get(accounts_app, f"/collections/{spec.id}/items?filter=modbus_port>0", token)
    assert status == (200 if sees else 400)
    if spec.here:
        status, body = _get(accounts_app, f"/peta/here.json?lon={lon}&lat={lat}", token)
        assert status == 200 and (b"modbus_host" in body) is sees


def test_a_layer_not_public_is_listed_only_for_its_readers(accounts_app: Flask) -> None:
    hidden = [s for s in get_registry() if not s.access.is_public]
    assert hidden, "every layer is public; nothing to check"
    spec = hidden[0]
    readers = [r for r in (*spec.access.write, *([] if spec.access.is_public else spec.access.read)) if r != "admin"]
    reader = _token(accounts_app, readers[0]) if readers else _token(accounts_app, "admin")
    outsider = _token(accounts_app, next(r for r in ("citizen", "planner", "operator") if r not in readers))
    for token, visible in ((reader, True), (outsider, False), (None, False)):
        status, body = _get(accounts_app, "/collections", token)
        assert status == 200 and (f'"id":"{spec.id}"'.encode() in body) is visible
        status, _ = _get(accounts_app, f"/collections/{spec.id}/items", token)
        assert status == (200 if visible else 404)
        status, _ = _get(accounts_app, f"/katalog/{spec.id}.geojson", token)
        assert status == (200 if visible else 404)


def test_notebooks_python_api_follows_the_same_rule(accounts_app: Flask) -> None:
    from layers import read_layer
    from layers.access import ANONYMOUS, with_roles
    from layers.errors import LayerError

    engine = accounts_app.extensions["engine"]
    spec = next(s for s in PRIVATE_LAYERS if "modbus_host" in s.access.private and _count(accounts_app, s))
    assert "modbus_host" in read_layer(engine, spec.id, limit=3, principal=with_roles("op", "operator")).columns
    assert "modbus_host" not in read_layer(engine, spec.id, limit=3, principal=ANONYMOUS).columns
    assert "modbus_host" not in read_layer(engine, spec.id, limit=3, principal=with_roles("p", "planner")).columns
    hidden = next(s for s in get_registry() if not s.access.is_public)
    outsider = next(r for r in ("citizen", "planner", "operator") if r not in (*hidden.access.read, *hidden.access.write))
    with pytest.raises(LayerError, match="may not read"):
        read_layer(engine, hidden.id, limit=1, principal=with_roles("c", outsider))
