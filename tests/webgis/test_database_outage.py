"""While PostgreSQL is unreachable the app answers 503 with Retry-After, never 500 (issue 16, item 5),
and serves again by itself once the server is back.

The outage is a proxy between the app and the cluster that the test cuts: every
open connection dies and new ones are refused, as in a restart or a failover.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.helpers.accounts import build_app
from tests.helpers.proxy import CuttableProxy

PATHS = ["/collections/schools/items?limit=2", "/collections/schools/items/1",
         "/open311/v2/requests.json", "/open311/v2/requests.xml", "/katalog", "/tiles/WebMercatorQuad/13/6340/4054",
         "/peta/search.json?q=sekolah"]


@pytest.fixture
def proxy(database_url: str) -> Iterator[CuttableProxy]:
    url = make_url(database_url)
    proxied = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied.start()
    yield proxied
    proxied.cut()


def test_an_unreachable_database_is_a_503_with_retry_after_and_the_app_recovers(
        database_url: str, proxy: CuttableProxy) -> None:
    url = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    client = build_app(url).test_client()
    before = {path: client.get(path).status_code for path in PATHS}
    assert set(before.values()) <= {200, 204, 404}, before
    proxy.cut()
    for path in PATHS:
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code, response.get_data(as_text=True)[:300])
        assert int(response.headers["Retry-After"]) > 0
    assert "database" in client.get(PATHS[0]).get_json()["description"]
    assert "<error>" in client.get("/open311/v2/requests.xml").get_data(as_text=True)  # the face's own shape
    proxy.start()
    deadline = time.monotonic() + 5
    while client.get(PATHS[0]).status_code != 200:
        assert time.monotonic() < deadline, "the app did not recover within 5 s of the database coming back"
        time.sleep(0.1)
    assert client.get(PATHS[0]).status_code == 200
