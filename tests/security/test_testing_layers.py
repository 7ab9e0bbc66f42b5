"""Data for tests and benchmarks (`purpose: testing`) is never shown to the public or to citizens.

sample_points (benchmark points) used to be listed on the map's panel, in
/katalog, /collections and the dataset tiles. The rule lives in
layers/access.py, so every path follows it; admins (the benchmarks' token)
and the Python API without a principal still reach the data.
"""

from __future__ import annotations

import pydantic
import pytest
from flask import Flask

from layers import read_layer
from layers.access import ANONYMOUS, can_read, with_roles
from layers.errors import LayerError
from layers.model import LayerSpec
from layers.registry import get_registry
from webgis.accounts import manage

TESTING = [spec for spec in get_registry() if spec.purpose == "testing"]
ADMIN = {"Authorization": "Bearer test-token"}
TILE = "12/3170/2007"  # a z12 tile over central Medan


def test_benchmark_points_are_declared_as_testing_data() -> None:
    assert "sample_points" in {spec.id for spec in TESTING}


def test_testing_data_cannot_be_declared_public() -> None:
    declaration = get_registry().get("sample_points").model_dump()
    declaration["access"]["read"] = "public"
    with pytest.raises(pydantic.ValidationError, match="not shown to the public"):
        LayerSpec.model_validate(declaration)


@pytest.mark.parametrize("roles", [(), ("citizen",), ("staff",), ("planner",), ("operator",)])
def test_only_admins_and_writers_may_read_testing_data(roles: tuple[str, ...]) -> None:
    principal = with_roles("x", *roles) if roles else ANONYMOUS
    for spec in TESTING:
        assert not can_read(spec, principal), (spec.id, roles)
        assert can_read(spec, with_roles("a", "admin"))


def _paths() -> dict[str, str]:
    return {
        "map panel": "/peta/layers.json",
        "catalogue": "/katalog",
        "collections": "/collections?f=json",
        "dataset tileset": "/tiles/WebMercatorQuad",
        "api": "/api?f=json",
    }


@pytest.mark.parametrize("spec", TESTING, ids=lambda s: s.id)
def test_no_public_path_lists_or_serves_testing_data(client, spec: LayerSpec) -> None:  # noqa: ANN001
    for where, path in _paths().items():
        body = client.get(path).get_data(as_text=True)
        assert f'"{spec.id}"' not in body and f"/{spec.id}" not in body and spec.title.id not in body, where
        admin_body = client.get(path, headers=ADMIN).get_data(as_text=True)
        if where != "catalogue":  # /katalog is the citizens' page: the same list for everyone
            assert spec.id in admin_body, f"admin misses {spec.id} in {where}"
    for path in (f"/collections/{spec.id}", f"/collections/{spec.id}/items?limit=1",
                 f"/collections/{spec.id}/items/1", f"/collections/{spec.id}/tiles/WebMercatorQuad/{TILE}",
                 f"/tiles/WebMercatorQuad/{TILE}?collections={spec.id}", f"/katalog/{spec.id}.geojson"):
        assert client.get(path).status_code in (401, 404), path
    assert client.get(f"/collections/{spec.id}/items?limit=1", headers=ADMIN).status_code == 200
    assert client.get(f"/collections/{spec.id}/tiles/WebMercatorQuad/{TILE}", headers=ADMIN).status_code in (200, 204)
    # The admin's tile is in the shared cache now; the fast lane still does not give it to the public.
    assert client.get(f"/collections/{spec.id}/tiles/WebMercatorQuad/{TILE}").status_code == 404


def test_a_citizen_account_does_not_see_testing_data(accounts_app: Flask, make_user) -> None:  # noqa: ANN001
    user = make_user("citizen")
    token = manage.create_token(accounts_app.extensions["engine"], "test", None, user, "citizen").secret
    client = accounts_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listed = {entry["id"] for entry in client.get("/peta/layers.json", headers=headers).json["layers"]}
    collections = {c["id"] for c in client.get("/collections?f=json", headers=headers).json["collections"]}
    for spec in TESTING:
        assert spec.id not in listed | collections
        assert client.get(f"/collections/{spec.id}/items?limit=1", headers=headers).status_code in (403, 404)


def test_the_python_api_still_reads_testing_data(engine) -> None:  # noqa: ANN001
    for spec in TESTING:
        assert len(read_layer(engine, spec.id, limit=5)) == 5
        assert len(read_layer(engine, spec.id, limit=5, principal=with_roles("bench", "admin"))) == 5
        with pytest.raises(LayerError):
            read_layer(engine, spec.id, limit=5, principal=with_roles("ani", "citizen"))
