"""In Chromium: the print/share panel of /peta on a 360 px phone and on a desktop, and the embed
view framed by another site (only it may be framed; /peta refuses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
VIEW = "#map=14/3.58900/98.67900&layers=schools"


@pytest.fixture(scope="module")
def served(print_app: Flask) -> Iterator[tuple[str, Any]]:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(print_app) as base, launched_chromium() as chromium:
        yield base, chromium


def _open_panel(page: Any, base: str) -> None:
    page.goto(f"{base}/peta{VIEW}")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#share-toggle")
    page.wait_for_selector("#share:not([hidden])")
    assert page.get_attribute("#share-toggle", "aria-expanded") == "true"


def _download(page: Any) -> tuple[str, bytes]:
    with page.expect_download(timeout=60_000) as info:
        page.click("#print-button")
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_on_a_phone_the_panel_prints_a_pdf_and_gives_the_link_and_embed_code(served: tuple[str, Any]) -> None:
    base, chromium = served
    session = new_session(chromium, base, **PHONE)
    page = session.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _open_panel(page, base)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    box = page.locator("#share").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.locator("#share-toggle").is_visible()
    # The title's placeholder is the title the server gives an untitled print.
    assert page.get_attribute("#print-title", "placeholder") == "Peta Kota Medan: Sekolah"

    link = page.input_value("#share-url")
    assert link == page.evaluate("location.href") and link.startswith(f"{base}/peta#map=14/") and "layers=schools" in link
    code = page.input_value("#embed-code")
    assert code.startswith(f'<iframe src="{base}/peta/sematkan#map=14/') and "layers=schools" in code
    page.click("#share-copy")
    page.wait_for_selector("#share-status:has-text('Tersalin.')")
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.fill("#print-title", "Sekolah dekat Kesawan")
    name, data = _download(page)
    assert name == "peta-medan-a4-landscape.pdf" and data.startswith(b"%PDF")
    assert b"Sekolah dekat Kesawan" in data or len(data) > 10_000
    page.wait_for_selector("#print-status:has-text('Peta siap diunduh, dibuat dalam')")
    assert "detik" in page.text_content("#print-status")
    page.keyboard.press("Escape")
    assert page.locator("#share").is_hidden()
    assert session.foreign_requests() == [] and session.errors == []
    page.context.close()


def test_on_a_desktop_the_panel_prints_an_a3_png_and_says_why_a_print_is_refused(served: tuple[str, Any]) -> None:
    base, chromium = served
    session = new_session(chromium, base)
    page = session.page
    _open_panel(page, base)
    box = page.locator("#share").bounding_box()
    assert box["x"] > 640 and box["width"] <= 360  # a card at the top right, the map stays visible
    page.check("input[name=size][value=a3]")
    page.check("input[name=orientation][value=portrait]")
    page.check("input[name=format][value=png]")
    name, data = _download(page)
    assert name == "peta-medan-a3-portrait.png" and data.startswith(b"\x89PNG")

    page.evaluate("location.hash = '#map=10/3.59000/98.67000&layers=schools'")
    page.wait_for_function("Medan.state.map.getZoom() === 10")
    page.click("#print-button")
    page.wait_for_selector("#print-status:has-text('Peta tidak dapat dicetak')")
    assert "terlalu luas" in page.text_content("#print-status")
    assert session.foreign_requests() == []
    page.context.close()


def test_another_site_may_frame_the_embed_view_but_not_the_map_page(served: tuple[str, Any]) -> None:
    base, chromium = served
    session = new_session(chromium, base)
    page = session.page
    host = (f'<!doctype html><title>Situs lain</title><iframe name="embed" src="{base}/peta/sematkan{VIEW}" '
            f'width="600" height="400"></iframe><iframe name="full" src="{base}/peta{VIEW}"></iframe>')
    # Another site: a server of its own on another port (another origin). A real server, not an
    # intercepted page: Chromium refuses frames of a local address in a page of unknown address space.
    another = Flask("another_site")
    another.add_url_rule("/", "host", lambda: host)
    with serving(another) as another_site:
        page.goto(another_site + "/")
        _check_frames(page, base, session)
    page.context.close()


def _check_frames(page: Any, base: str, session: Any) -> None:
    embed = page.frame(name="embed")
    embed.wait_for_selector("body[data-ready=true]")
    assert embed.evaluate("Medan.isActive('schools') && Medan.state.map.getZoom()") == 14
    assert embed.locator(".topbar").is_hidden() and embed.locator("#panel").is_hidden()
    assert embed.locator("#share").count() == 0
    with page.expect_popup() as popup:
        embed.click("#embed-open")
    assert popup.value.url.startswith(f"{base}/peta#map=14/") and "layers=schools" in popup.value.url
    full = page.frame(name="full")
    assert full.evaluate("document.getElementById('map')") is None  # refused: Chromium's error page
    assert any("frame-ancestors" in error for error in session.errors)
