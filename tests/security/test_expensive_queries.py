"""Expensive queries are rate-limited; cheap ones to the same routes are not counted.

Issue 17 ("Limits that fit Indonesian networks"): a request that names an account or
token is counted against it; only anonymous requests are counted per address, with a
limit of their own sized for carrier-grade NAT (many citizens behind one address).
"""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from tests.helpers.database import settings_for
from webgis.accounts import manage
from webgis.app import create_app

LIMIT = 3
FILTERED = "/collections/schools/items?filter=jenjang%3D%27SD%27"


@pytest.fixture
def limited_app(isolated_database_url: str) -> Flask:
    app = create_app(settings_for(isolated_database_url, expensive_query_rate_limit=f"{LIMIT} per minute",
                                  expensive_query_rate_limit_per_address=f"{LIMIT} per minute"))
    app.config["TESTING"] = True
    return app


def _token(app: Flask, role: str = "planner") -> dict[str, str]:
    engine = app.extensions["engine"]
    user = manage.create_user(engine, "test", None, f"t{uuid.uuid4().hex[:12]}", "kata-sandi-yang-panjang",
                              roles=(role,))
    return {"Authorization": f"Bearer {manage.create_token(engine, 'test', None, user, 'test').secret}"}


def _address(ip: str) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def test_filtered_and_large_item_queries_share_a_limit_that_cheap_ones_do_not_use(limited_app: Flask) -> None:
    client = limited_app.test_client()
    expensive = ["/collections/schools/items?filter=jenjang%3D%27SD%27",
                 "/collections/schools/items?limit=5000",
                 "/collections/kelurahan/items?filter-lang=cql2-text&filter=nama_kel%20LIKE%20%27M%25%27"]
    for url in expensive:
        assert client.get(url).status_code == 200, url
    for _ in range(2 * LIMIT):  # plain pages and single items are never counted
        assert client.get("/collections/schools/items?limit=1000").status_code == 200
    refused = client.get("/collections/schools/items?filter=jenjang%3D%27SMP%27")
    assert refused.status_code == 429
    assert "limit" in refused.get_data(as_text=True).lower()
    assert client.get("/collections/schools/items?limit=10").status_code == 200


def test_downloads_count_against_the_same_limit(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for _ in range(LIMIT):
        assert client.get("/katalog/kecamatan.geojson").status_code == 200
    assert client.get("/katalog/kecamatan.csv").status_code == 429
    assert client.get("/collections/kecamatan/items?filter=nama_kec%3D%27Medan%20Kota%27").status_code == 429


def test_a_malformed_limit_is_a_400_not_a_counted_request(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for _ in range(LIMIT + 1):
        assert client.get("/collections/schools/items?limit=abc").status_code == 400
    assert client.get("/collections/schools/items?limit=2000").status_code == 200


def test_a_token_is_counted_per_token_not_per_address(limited_app: Flask) -> None:
    """Two tokens behind one (carrier-grade NAT) address each get the whole budget, and an
    address whose anonymous budget is spent does not refuse a token holder."""
    client = limited_app.test_client()
    shared = _address("100.64.0.7")  # RFC 6598 shared address space: what CGNAT hands out
    for _ in range(LIMIT):
        assert client.get(FILTERED, **shared).status_code == 200
    assert client.get(FILTERED, **shared).status_code == 429
    first, second = _token(limited_app), _token(limited_app)
    for headers in (first, second):
        for _ in range(LIMIT):
            assert client.get(FILTERED, headers=headers, **shared).status_code == 200
    assert client.get(FILTERED, headers=first, **shared).status_code == 429
    assert client.get(FILTERED, headers=first, **_address("100.64.0.8")).status_code == 429  # the token's own count


def test_anonymous_requests_are_counted_per_address_with_their_own_limit(isolated_database_url: str) -> None:
    app = create_app(settings_for(isolated_database_url, expensive_query_rate_limit="1 per minute",
                                  expensive_query_rate_limit_per_address=f"{LIMIT} per minute"))
    client = app.test_client()
    for _ in range(LIMIT):
        assert client.get(FILTERED, **_address("100.64.1.1")).status_code == 200
    assert client.get(FILTERED, **_address("100.64.1.1")).status_code == 429
    assert client.get(FILTERED, **_address("100.64.1.2")).status_code == 200
    token = _token(app)
    assert client.get(FILTERED, headers=token, **_address("100.64.1.1")).status_code == 200
    assert client.get(FILTERED, headers=token, **_address("100.64.1.1")).status_code == 429


def test_the_defaults_let_a_crowd_behind_one_address_through() -> None:
    """The shipped per-address budget is the larger one: it serves many people, a token one."""
    from limits import parse

    from config.settings import WebSettings

    web = WebSettings()
    per_address, per_account = parse(web.expensive_query_rate_limit_per_address), parse(web.expensive_query_rate_limit)
    assert per_address.amount / per_address.get_expiry() >= 1200 / 60
    assert per_address.amount / per_address.get_expiry() > per_account.amount / per_account.get_expiry()
