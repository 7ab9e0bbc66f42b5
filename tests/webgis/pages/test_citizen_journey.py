"""A citizen's pages on a phone in Chromium: each opens with no script error and no failed request.

Found walking the journey: the OGC API feature pages a popup links to and the login
page asked for /favicon.ico (404, a console error on every visit).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.browser import new_session

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PAGES = ["/peta", "/katalog", "/lapor", "/lapor/peta", "/ppdb", "/login",
         "/collections/schools/items/1?f=html", "/collections/schools/items?f=html&limit=5"]


@pytest.mark.parametrize("path", PAGES)
def test_a_citizen_page_opens_on_a_phone_without_errors(browser: Any, live_server: str, path: str) -> None:
    session = new_session(browser, live_server, **PHONE)
    failed: list[str] = []
    session.page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        session.page.goto(live_server + path, wait_until="networkidle")
        assert failed == [] and session.errors == [], (failed, session.errors)
        width = session.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    finally:
        session.page.context.close()
