"""CORS in a real browser (issue 17 item 4): a page of another origin reads the public API,
and the browser itself refuses what the platform does not allow cross-origin: reading with
the visitor's cookies, sending a token, writing."""

from __future__ import annotations

import pytest

from tests.helpers.browser import launched_chromium, serving

FOREIGN_PAGE = b"<!doctype html><html><head><title>peta lain</title></head><body>peta lain</body></html>"

PROBE = """async (api) => {
  const attempt = async (url, init) => {
    try { const r = await fetch(url, init); return r.status; } catch (e) { return "blocked"; }
  };
  const read = await fetch(api + "/collections/schools/items?limit=1");
  const body = await read.json();
  return {
    status: read.status, features: body.features.length, crs: read.headers.get("Content-Crs"),
    tile: await attempt(api + "/collections/schools/tiles/WebMercatorQuad/14/12680/8027"),
    open311: await attempt(api + "/open311/v2/services.json"),
    withCookies: await attempt(api + "/collections", {credentials: "include"}),
    withToken: await attempt(api + "/collections", {headers: {Authorization: "Bearer test-token"}}),
    write: await attempt(api + "/collections/schools/items",
                         {method: "POST", headers: {"Content-Type": "application/geo+json"}, body: "{}"}),
  };
}"""


def _foreign_site(environ, start_response):  # noqa: ANN001, ANN202
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [FOREIGN_PAGE]


@pytest.mark.browser
def test_a_page_of_another_origin_reads_the_public_api_and_nothing_more(app) -> None:  # noqa: ANN001
    with serving(app) as api, serving(_foreign_site) as site, launched_chromium() as chromium:
        page = chromium.new_page()
        page.goto(site)
        result = page.evaluate(PROBE, api.replace("127.0.0.1", "localhost"))  # another origin than the page's
        page.close()
    assert result["status"] == 200 and result["features"] == 1
    assert result["crs"]  # an exposed header
    assert result["tile"] in (200, 204) and result["open311"] == 200
    assert result["withCookies"] == "blocked"  # Access-Control-Allow-Origin: * never shares a credentialed answer
    assert result["withToken"] == "blocked"  # the preflight does not allow Authorization
    assert result["write"] == "blocked"  # the preflight does not allow POST
