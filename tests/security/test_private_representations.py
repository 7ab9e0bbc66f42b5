"""Issue 16 item 6: an answer that depends on who asks is never cached for someone else.

RFC 9111 5.2.2.7: `private` keeps a response out of shared caches; RFC 9110 12.5.5:
`Vary` names the request headers the representation depends on; RFC 9110 8.8.3: an ETag
tells representations apart, so the operators' cctv feature (with Modbus addresses) and the
public one have different ETags.
"""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import text

from webgis.accounts import manage

WHO_ASKS = ("Authorization", "Cookie")


def _token(app: Flask, role: str) -> dict[str, str]:
    engine = app.extensions["engine"]
    user = manage.create_user(engine, "test", None, f"t{uuid.uuid4().hex[:12]}", "kata-sandi-yang-panjang",
                              roles=(role,))
    return {"Authorization": f"Bearer {manage.create_token(engine, 'test', None, user, 'test').secret}"}


def _varies(response) -> bool:  # noqa: ANN001
    return all(name in response.vary for name in WHO_ASKS)


@pytest.fixture
def cctv_fid(app: Flask) -> int:
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT min(fid) FROM layers.cctv")).scalar_one()


def test_the_private_representation_of_a_feature_has_its_own_etag_and_is_private(app: Flask, cctv_fid: int) -> None:
    client = app.test_client()
    url = f"/collections/cctv/items/{cctv_fid}"
    public = client.get(url)
    operator = client.get(url, headers=_token(app, "operator"))
    assert "modbus_host" not in public.get_json()["properties"]
    assert "modbus_host" in operator.get_json()["properties"]
    assert public.headers["ETag"] != operator.headers["ETag"]
    assert operator.cache_control.private and not operator.cache_control.public
    assert not public.cache_control.private
    assert _varies(public) and _varies(operator)


@pytest.mark.parametrize("url", ["/collections/cctv/items?limit=3", "/collections/cctv/queryables",
                                 "/collections", "/api", "/katalog", "/katalog/cctv.geojson",
                                 "/peta/here.json?lon=98.6722&lat=3.5952", "/peta/layers.json"])
def test_answers_that_depend_on_who_asks_vary_and_are_private_for_an_identified_principal(
        app: Flask, url: str) -> None:
    client = app.test_client()
    public = client.get(url)
    private = client.get(url, headers=_token(app, "operator"))
    assert public.status_code == private.status_code == 200, (url, public.status_code, private.status_code)
    assert _varies(public) and _varies(private), url
    assert not public.cache_control.private, url
    assert private.cache_control.private and not private.cache_control.public, url


def test_a_staff_open311_listing_is_private(app: Flask) -> None:
    client = app.test_client()
    public = client.get("/open311/v2/requests.json")
    staff = client.get("/open311/v2/requests.json", headers={"Authorization": "Bearer test-token"})
    assert public.status_code == staff.status_code == 200
    assert _varies(public) and not public.cache_control.private
    assert staff.cache_control.private


def test_a_write_accepts_the_private_etag_as_if_match(app: Flask) -> None:
    """An operator editing from the private representation sends its ETag back."""
    client = app.test_client()
    admin = {"Authorization": "Bearer test-token"}
    response = client.delete("/collections/cctv/items/999999999", headers={**admin, "If-Match": '"v1-private"'})
    assert response.status_code == 404  # parsed as version 1 (a 412 would mean the tag was not understood)


def test_answers_that_ask_nobody_keep_their_caching(app: Flask) -> None:
    """The conformance document is the same for everyone: no Vary on who asks, never private."""
    client = app.test_client()
    for headers in ({}, _token(app, "operator")):
        response = client.get("/conformance", headers=headers)
        assert "Authorization" not in response.vary and not response.cache_control.private
