"""Non-public layers are listed to those who may read them, and their names never reach anyone else.

The homepage's layer list (/peta/layers.json), the collections document and
the OpenAPI document (/api) are built for the request's principal through
layers/access.py. complaints (staff, admin) and device_alarms (operator,
admin) are the non-public layers of the registry; the test loops over every
non-public declaration, so a new one is covered too.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from layers.access import can_read, with_roles
from layers.model import LayerSpec
from layers.registry import get_registry
from webgis.accounts import manage

HIDDEN = [spec for spec in get_registry() if not spec.access.is_public]
LISTINGS = ["/peta/layers.json", "/collections?f=json", "/collections?f=html", "/api?f=json", "/"]


def test_the_registry_has_non_public_layers_to_check() -> None:
    assert {"complaints", "device_alarms"} <= {spec.id for spec in HIDDEN}


def _names(body: str, spec: LayerSpec) -> bool:
    """The layer's id as an identifier: a JSON string, a path segment, a link text.

    Not the id as a word of prose (complaints_public's description speaks of
    "the complaints service"), nor its title, whose words other layers' texts
    use too ("Alarm perangkat" is also a complaint property's title).
    """
    as_identifier = rf"[\"/>]{re.escape(spec.id)}[\"/?<.]"
    return re.search(as_identifier, body) is not None


def _listed_ids(client, headers: dict[str, str]) -> dict[str, set[str]]:  # noqa: ANN001
    config = client.get("/peta/layers.json", headers=headers).json
    collections = client.get("/collections?f=json", headers=headers).json
    api = client.get("/api?f=json", headers=headers).json
    return {
        "layers.json": {entry["id"] for entry in config["layers"]},
        "collections": {c["id"] for c in collections["collections"]},
        "api": {path.split("/")[2] for path in api["paths"] if path.startswith("/collections/")},
    }


def test_the_anonymous_public_never_sees_a_private_layer_name(accounts_app: Flask) -> None:
    client = accounts_app.test_client()
    for url in LISTINGS:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        leaked = [spec.id for spec in HIDDEN if _names(body, spec)]
        assert leaked == [], f"{url} names {leaked}"
    public = {spec.id for spec in get_registry() if spec.access.is_public}
    for where, ids in _listed_ids(client, {}).items():
        assert ids <= public and ids, where


@pytest.mark.parametrize("role", ["staff", "operator", "planner", "citizen", "admin"])
def test_each_role_gets_exactly_the_layers_it_may_read(accounts_app: Flask, make_user, role: str) -> None:
    user = make_user(role)
    token = manage.create_token(accounts_app.extensions["engine"], "test", None, user, "listing").secret
    principal = with_roles("x", role)
    listed = _listed_ids(accounts_app.test_client(), {"Authorization": f"Bearer {token}"})
    for spec in HIDDEN:
        for where, ids in listed.items():
            assert (spec.id in ids) == can_read(spec, principal), (role, spec.id, where)
    # The detector the anonymous test relies on finds the names exactly where they are listed.
    for url in LISTINGS:
        body = accounts_app.test_client().get(url, headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
        for spec in HIDDEN:
            if url != "/":  # the landing page lists no collections for anyone
                assert _names(body, spec) == can_read(spec, principal), (role, spec.id, url)
    # The map's list and the collections agree on what this role may read.
    readable = {spec.id for spec in get_registry() if can_read(spec, principal)}
    assert listed["collections"] == readable
    assert listed["layers.json"] == readable
