"""How the homepage's files travel: versioned static URLs cached for a year,
revalidation by ETag otherwise, gzip for text, and a second visit that asks
the server for no script or stylesheet."""

from __future__ import annotations

import gzip
import re
from typing import Any

from tests.helpers.browser import new_session
from webgis.pages.delivery import IMMUTABLE, MAP_SCRIPTS

ASSET_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def page_assets(client) -> list[str]:  # noqa: ANN001
    return ASSET_URL.findall(client.get("/peta").get_data(as_text=True))


def test_every_static_url_of_the_page_carries_its_content_hash(client) -> None:  # noqa: ANN001
    assets = page_assets(client)
    assert any(u.startswith("/static/vendor/leaflet/leaflet.css?v=") for u in assets)
    assert assets and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in assets), assets


def test_the_scripts_come_as_one_versioned_bundle(client) -> None:  # noqa: ANN001
    html = client.get("/peta").get_data(as_text=True)
    (url,) = re.findall(r'<script defer src="(/peta/map.js\?v=[0-9a-f]{12})"></script>', html)
    bundle = client.get(url)
    assert bundle.status_code == 200 and bundle.mimetype == "text/javascript"
    assert bundle.headers["Cache-Control"] == IMMUTABLE
    body = bundle.get_data(as_text=True)
    # Every file, in dependency order, without a source map comment pointing elsewhere.
    positions = [body.index(f"/* {name} */") for name in MAP_SCRIPTS]
    assert positions == sorted(positions)
    assert "Medan.PointTiles = L.GridLayer.extend" in body and "sourceMappingURL" not in body
    for name in ("pages/js/main.js", "vendor/pbf/pbf.js"):
        assert client.get(f"/static/{name}").get_data(as_text=True).strip()[-40:] in body
    assert client.get("/peta/map.js").headers["Cache-Control"] == "no-cache"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(zipped.get_data()) == bundle.get_data()
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}).status_code == 304


def test_a_versioned_static_file_is_immutable_and_an_unversioned_one_revalidates(client) -> None:  # noqa: ANN001
    url = next(u for u in page_assets(client) if "/pages/map.css" in u)
    versioned = client.get(url)
    assert versioned.status_code == 200 and versioned.headers["Cache-Control"] == IMMUTABLE
    plain = client.get(url.split("?")[0])
    assert plain.headers["Cache-Control"] == "no-cache" and plain.get_data() == versioned.get_data()
    stale = client.get(url.split("?")[0] + "?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    again = client.get(url.split("?")[0], headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_text_is_gzipped_when_the_client_accepts_it(client) -> None:  # noqa: ANN001
    url = next(u for u in page_assets(client) if "leaflet.css" in u)
    raw = client.get(url).get_data()
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    body = zipped.get_data()
    assert gzip.decompress(body) == raw and len(body) < len(raw) / 2
    # The compressed file has its own validator, and revalidating it is a 304.
    assert zipped.headers["ETag"] != client.get(url).headers["ETag"]
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}).status_code == 304
    config = client.get("/peta/layers.json", headers={"Accept-Encoding": "gzip"})
    assert config.headers["Content-Encoding"] == "gzip"
    assert b'"layers"' in gzip.decompress(config.get_data())
    # Without Accept-Encoding nothing changes (scripts, curl, the OGC clients' defaults).
    assert "Content-Encoding" not in client.get("/peta/layers.json").headers


TRANSFERS = """() => performance.getEntriesByType('resource')
    .filter(e => /(\\/static\\/.+\\.(js|css)|\\/peta\\/map\\.js)\\?v=/.test(e.name)).map(e => [e.name, e.transferSize])"""


def test_a_second_visit_fetches_no_script_or_stylesheet(browser: Any, live_server: str) -> None:
    s = new_session(browser, live_server)
    try:
        first = s.open().evaluate(TRANSFERS)
        assert len(first) >= 4 and all(size > 0 for _, size in first), first  # over the network
        s.page.goto(live_server + "/peta?again")
        s.page.wait_for_selector("body[data-ready=true]")
        second = s.page.evaluate(TRANSFERS)
        # transferSize 0: served from the browser's cache without even a revalidation.
        assert sorted(name for name, _ in second) == sorted(name for name, _ in first)
        assert all(size == 0 for _, size in second), second
        assert s.errors == []
    finally:
        s.page.context.close()
