"""Expensive queries are rate-limited per client; cheap ones to the same routes are not counted."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.database import settings_for
from webgis.app import create_app

LIMIT = 3


@pytest.fixture
def limited_app(isolated_database_url: str) -> Flask:
    app = create_app(settings_for(isolated_database_url, expensive_query_rate_limit=f"{LIMIT} per minute"))
    app.config["TESTING"] = True
    return app


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
