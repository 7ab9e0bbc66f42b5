"""Tiles with roles (issue 5): who gets which layer and which properties, and a cache that never crosses roles.

Principals are real API tokens of real users (webgis.accounts.manage) in a
database of this module's own; tiles are decoded with mapbox-vector-tile.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from layers.registry import get_registry
from tests.helpers.tiles import decode, features_by_fid, point_of, tile_of
from webgis.accounts import manage

PASSWORD = "kata-sandi-yang-panjang"
PRIVATE_LAYER = "complaints"  # read and write: staff (their agencies' rows), admin; citizens read their own
DEVICE_LAYER = "cctv"  # public, with private Modbus properties that operators (its writers) see
Z = 14


@pytest.fixture(scope="module")
def roles_app(server_url: str, template_database_url: str) -> Iterator:
    """An app on a database of this module's own (users, tokens and cached tiles stay here)."""
    from sqlalchemy.engine import make_url

    from geodata.cluster import drop_database
    from layers.db import engine_for
    from tests.helpers.database import clone_database, settings_for
    from webgis.app import create_app

    url = clone_database(server_url, template_database_url)
    settings = settings_for(url, api_token="test-token")
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture(scope="module")
def bearer(roles_app) -> dict[str, dict[str, str]]:  # noqa: ANN001
    """Authorization headers of a token per role."""
    engine = roles_app.extensions["engine"]
    with engine.connect() as conn:  # staff of every agency: these tests are about roles, test_row_rules about rows
        agencies = conn.execute(text("SELECT DISTINCT agency FROM layers.complaints")).scalars().all()
    headers = {}
    for role in ("citizen", "staff", "operator"):
        user = manage.create_user(engine, "test", None, f"t{role}{uuid.uuid4().hex[:6]}", PASSWORD, roles=[role],
                                  agencies=agencies if role == "staff" else ())
        secret = manage.create_token(engine, "test", None, user, "tiles", roles=[role]).secret
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers


def _tile_url(engine, layer: str, where: str = "true") -> tuple[str, int, tuple[int, int, int]]:  # noqa: ANN001
    """A tile holding a feature of the layer (where: test-only SQL, fixed text); MVT drops null properties."""
    fid, lon, lat = point_of(engine, layer, where, {})
    tile = tile_of(lon, lat, Z)
    return f"/collections/{layer}/tiles/WebMercatorQuad/{tile[0]}/{tile[1]}/{tile[2]}", fid, tile


def test_a_private_layer_tile_is_refused_anonymously_and_served_to_staff(roles_app, bearer) -> None:  # noqa: ANN001
    engine, client = roles_app.extensions["engine"], roles_app.test_client()
    with engine.begin() as conn:  # the seed complaints carry no contact; give one a phone number
        conn.execute(text("UPDATE layers.complaints SET contact_phone = '081234567890' "
                          "WHERE fid = (SELECT min(fid) FROM layers.complaints)"))
    url, fid, (z, x, y) = _tile_url(engine, PRIVATE_LAYER, "contact_phone IS NOT NULL")
    staff = client.get(url, headers=bearer["staff"])
    assert staff.status_code == 200
    assert staff.headers["X-Tile-Cache"] == "miss"
    assert client.get(url, headers=bearer["staff"]).headers["X-Tile-Cache"] == "hit"  # now cached
    feature = features_by_fid(decode(staff.data)[PRIVATE_LAYER])[fid]
    # staff may write complaints, so they see the complainant's contact (layers/access.py)
    assert feature["properties"]["contact_phone"] == "081234567890"
    assert staff.headers["Cache-Control"].startswith("private")
    assert "Authorization" in staff.headers["Vary"] and "Cookie" in staff.headers["Vary"]
    # a citizen reads only its own reports (none here): the cached tile is not what it gets
    mine = client.get(url, headers=bearer["citizen"])
    assert mine.status_code == 204 or (mine.status_code == 200 and PRIVATE_LAYER not in decode(mine.data))
    # the cached tile is never served to anyone who may not read the layer
    for headers in ({}, bearer["operator"]):
        for refused in (url, f"/collections/{PRIVATE_LAYER}/tiles", f"/collections/{PRIVATE_LAYER}/tiles/WebMercatorQuad",
                        f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=schools,{PRIVATE_LAYER}"):
            response = client.get(refused, headers=headers)
            assert response.status_code == 404, (refused, headers)
        default = client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}", headers=headers)
        assert PRIVATE_LAYER not in (decode(default.data) if default.status_code == 200 else {})


def test_the_multi_layer_tile_serves_a_private_layer_only_to_its_readers(roles_app, bearer) -> None:  # noqa: ANN001
    engine, client = roles_app.extensions["engine"], roles_app.test_client()
    _, fid, (z, x, y) = _tile_url(engine, PRIVATE_LAYER)
    url = f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=kelurahan,{PRIVATE_LAYER}"
    staff = client.get(url, headers=bearer["staff"])
    assert staff.status_code == 200
    tile = decode(staff.data)
    assert set(tile) == {"kelurahan", PRIVATE_LAYER} and fid in features_by_fid(tile[PRIVATE_LAYER])
    assert staff.headers["Cache-Control"].startswith("private")
    # the default set of a staff member holds the layer too; the public's does not
    mine = decode(client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}", headers=bearer["staff"]).data)
    assert PRIVATE_LAYER in mine
    public = client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert PRIVATE_LAYER not in decode(public.data)
    assert public.headers["Cache-Control"].startswith("public")
    staff_meta = client.get("/tiles/WebMercatorQuad", headers=bearer["staff"]).get_json()
    assert PRIVATE_LAYER in [v["id"] for v in staff_meta["vector_layers"]]


def test_private_properties_reach_only_the_layers_writers_and_the_cache_keeps_them_apart(roles_app, bearer) -> None:  # noqa: ANN001
    engine, client = roles_app.extensions["engine"], roles_app.test_client()
    private = set(get_registry().get(DEVICE_LAYER).access.private)
    url, fid, _ = _tile_url(engine, DEVICE_LAYER, "modbus_host IS NOT NULL AND modbus_port IS NOT NULL "
                                                  "AND modbus_unit IS NOT NULL")
    operator = client.get(url, headers=bearer["operator"])
    assert operator.status_code == 200
    assert private <= set(features_by_fid(decode(operator.data)[DEVICE_LAYER])[fid]["properties"])
    assert operator.headers["Cache-Control"].startswith("private")
    assert client.get(url, headers=bearer["operator"]).headers["X-Tile-Cache"] == "hit"
    for headers in ({}, bearer["citizen"], bearer["staff"]):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert response.headers["ETag"] != operator.headers["ETag"]
        feature = features_by_fid(decode(response.data)[DEVICE_LAYER])[fid]
        assert not private & set(feature["properties"]), headers
        assert "kode" in feature["properties"] or len(feature["properties"]) > 1
        assert response.headers["Cache-Control"].startswith("public")
    meta = client.get(f"/collections/{DEVICE_LAYER}/tiles/WebMercatorQuad").get_json()
    assert not private & set(meta["vector_layers"][0]["fields"])
    operator_meta = client.get(f"/collections/{DEVICE_LAYER}/tiles/WebMercatorQuad", headers=bearer["operator"])
    assert private <= set(operator_meta.get_json()["vector_layers"][0]["fields"])


def test_properties_selects_the_properties_of_a_slim_tile(roles_app) -> None:  # noqa: ANN001
    engine, client = roles_app.extensions["engine"], roles_app.test_client()
    url, fid, (z, x, y) = _tile_url(engine, "schools", "nama IS NOT NULL")
    full = features_by_fid(decode(client.get(url).data)["schools"])[fid]
    assert {"nama", "npsn"} <= set(full["properties"])
    slim = client.get(f"{url}?properties=nama")
    assert slim.status_code == 200
    feature = features_by_fid(decode(slim.data)["schools"])[fid]
    assert set(feature["properties"]) == {"fid", "nama"} and feature["id"] == fid
    assert feature["properties"]["nama"] == full["properties"]["nama"]
    assert len(slim.data) < len(client.get(url).data)
    only_id = features_by_fid(decode(client.get(f"{url}?properties=").data)["schools"])[fid]
    assert set(only_id["properties"]) == {"fid"}
    # multi-layer: a name applies to the layers that have it
    multi = decode(client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=schools,kelurahan&properties=nama").data)
    for name, layer in multi.items():
        for f in layer["features"]:
            assert set(f["properties"]) <= {"fid", "nama"}, name


def test_a_property_of_a_requested_layer_not_drawn_at_this_zoom_is_not_an_error(roles_app) -> None:  # noqa: ANN001
    """A map asks one property list of all its layers at every zoom; below a layer's zoom range its
    properties are still known names (this was a 400 on the homepage's basemap at zoom 11)."""
    from layers.registry import get_registry

    client = roles_app.test_client()
    deep = next(s for s in get_registry() if s.access.is_public and s.zoom.min > 11 and s.public_properties()
                and not any(p.name == s.public_properties()[0].name for p in get_registry().get("kelurahan").properties))
    name = deep.public_properties()[0].name
    answer = client.get(f"/tiles/WebMercatorQuad/11/1585/1003?collections=kelurahan,{deep.id}&properties=nama_kel,{name}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert set(decode(answer.data)) <= {"kelurahan"}
    refused = client.get("/tiles/WebMercatorQuad/11/1585/1003?collections=kelurahan&properties=nama_kel," + name)
    assert refused.status_code == 400  # not requested at all: still unknown


@pytest.mark.parametrize("names", ["bogus", "nama,geom", "nama;DROP TABLE x", "contact_phone"])
def test_an_unknown_or_unreadable_property_is_400(roles_app, names: str) -> None:  # noqa: ANN001
    engine, client = roles_app.extensions["engine"], roles_app.test_client()
    url, _, (z, x, y) = _tile_url(engine, "schools")
    for target in (url, f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=schools"):
        separator = "&" if "?" in target else "?"
        response = client.get(f"{target}{separator}properties={names}")
        assert response.status_code == 400, target
        assert "properties" in response.get_json()["description"]


def test_a_private_property_name_is_refused_to_the_public_like_an_unknown_one(roles_app, bearer) -> None:  # noqa: ANN001
    engine, client = roles_app.extensions["engine"], roles_app.test_client()
    url, fid, _ = _tile_url(engine, DEVICE_LAYER, "modbus_host IS NOT NULL")
    anonymous = client.get(f"{url}?properties=modbus_host")
    assert anonymous.status_code == 400
    assert "modbus_host" not in anonymous.get_json()["description"].split("offer:")[1]
    operator = client.get(f"{url}?properties=modbus_host", headers=bearer["operator"])
    assert operator.status_code == 200
    feature = features_by_fid(decode(operator.data)[DEVICE_LAYER])[fid]
    assert set(feature["properties"]) == {"fid", "modbus_host"}


def test_the_api_document_describes_the_tile_parameters(client) -> None:  # noqa: ANN001
    document = client.get("/api?f=json").get_json()
    multi = document["paths"]["/tiles/WebMercatorQuad/{z}/{x}/{y}"]["get"]
    names = {document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"] for p in multi["parameters"]}
    assert names == {"z", "x", "y", "properties", "collections"}
    single = document["paths"]["/collections/schools/tiles/WebMercatorQuad/{z}/{x}/{y}"]["get"]
    assert "application/vnd.mapbox-vector-tile" in single["responses"]["200"]["content"]
    post = document["paths"]["/collections/schools/items"]["post"]
    assert "FeatureCollection" in post["requestBody"]["description"]
