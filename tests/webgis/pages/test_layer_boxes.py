"""Every layer box shows and hides exactly its layer; the basemap is one named box; the
attribution credits the sources of what is on screen (Chromium, pixels and map state).

Before: kecamatan, kelurahan, rivers and angkot routes were drawn by the basemap in
their own colours whether their boxes were ticked or not, and the attribution read
only "Leaflet".
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from layers.registry import get_registry
from tests.helpers.browser import Session, new_session

VIEW = "#map=13/3.5900/98.6785"  # central Medan: every basemap layer is in its zoom range
BACKGROUND = np.array([0xEE, 0xF1, 0xEE])  # .map's background (map.css)
# Hidden through the CSSOM (the page's CSP refuses an injected <style>).
HIDE_CONTROLS = """document.querySelectorAll('.leaflet-control-container, #panel, #info, #toast')
    .forEach(n => { n.style.visibility = 'hidden'; })"""
BASEMAP_LAYERS = [spec.id for spec in get_registry()
                  if spec.access.is_public and (spec.theme == "batas_wilayah" or "LineString" in spec.geometry)
                  and spec.zoom.min <= 13 <= spec.zoom.max  # drawn at VIEW's zoom
                  and not (spec.seed and spec.seed.kind == "import")]  # empty until a deployment imports it (OSM)


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


def layer_colours(layer_id: str) -> list[np.ndarray]:
    """The colours the layer's own style puts on the map's background: its stroke (opacity
    0.9, map.js pathStyle) and, where it is strong enough to see, its fill."""
    style = get_registry().get(layer_id).style
    strokes = [c.color for c in style.classes] if getattr(style, "classes", None) else [style.color]  # categorized
    colours = [0.9 * _rgb(colour) + 0.1 * BACKGROUND for colour in strokes]
    if style.fill_color and style.fill_opacity >= 0.3:
        colours.append(style.fill_opacity * _rgb(style.fill_color) + (1 - style.fill_opacity) * BACKGROUND)
    return colours


def map_pixels(session: Session) -> np.ndarray:
    """The map's pixels (left of where the panel floats), controls hidden."""
    box = session.page.locator("#map").bounding_box()
    png = session.page.screenshot(clip={"x": box["x"], "y": box["y"], "width": min(box["width"], 900),
                                        "height": box["height"]})
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float)


def pixels_like(pixels: np.ndarray, colours: list[np.ndarray], tolerance: float = 24) -> int:
    return int(sum((np.linalg.norm(pixels - c, axis=2) < tolerance).sum() for c in colours))


def settle(session: Session) -> None:
    """Until every tile of the view is drawn (VectorGrid paints after its 'load')."""
    session.page.wait_for_function(
        "() => [...document.querySelectorAll('.leaflet-tile-container')].every(c => !c.querySelector('.leaflet-tile-loading'))")
    session.page.wait_for_timeout(400)


def open_map(session: Session, hash_: str = VIEW) -> None:
    page = session.open("/peta" + hash_)
    page.evaluate(HIDE_CONTROLS)
    settle(session)


def test_the_basemap_is_one_named_box_that_switches_off(session: Session) -> None:
    open_map(session)
    page = session.page
    box = page.locator("#basemap-toggle")
    assert box.is_checked()
    assert page.locator("label[for=basemap-toggle]").text_content() == "Peta dasar"
    note = page.locator("#basemap-note").text_content()
    for layer_id in BASEMAP_LAYERS:  # named after what it draws
        assert get_registry().get(layer_id).title.id in note
    drawn = map_pixels(session)
    assert (np.linalg.norm(drawn - BACKGROUND, axis=2) > 12).sum() > 2000  # a grey backdrop is drawn
    page.evaluate("document.getElementById('basemap-toggle').click()")
    settle(session)
    assert page.evaluate("Medan.state.basemapLayers.every(l => !Medan.state.map.hasLayer(l))")
    assert (np.linalg.norm(map_pixels(session) - BACKGROUND, axis=2) > 12).sum() < 50  # an empty map
    assert "basemap=off" in page.evaluate("location.hash")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert not page.locator("#basemap-toggle").is_checked()  # the permalink keeps it off
    page.evaluate("document.getElementById('basemap-toggle').click()")
    assert page.evaluate("Medan.state.basemapLayers.every(l => Medan.state.map.hasLayer(l))")
    assert "basemap" not in page.evaluate("location.hash")
    assert session.errors == []


@pytest.mark.parametrize("layer_id", BASEMAP_LAYERS)
def test_a_layer_box_shows_and_hides_exactly_its_layer(session: Session, layer_id: str) -> None:
    open_map(session)
    page = session.page
    colours = layer_colours(layer_id)
    before = pixels_like(map_pixels(session), colours)
    page.evaluate(f"document.getElementById('layer-toggle-{layer_id}').click()")
    settle(session)
    ticked = pixels_like(map_pixels(session), colours)
    assert page.evaluate(f"Medan.state.map.hasLayer(Medan.state.active['{layer_id}'])")
    page.evaluate(f"document.getElementById('layer-toggle-{layer_id}').click()")
    settle(session)
    unticked = pixels_like(map_pixels(session), colours)
    assert not page.evaluate(f"Medan.isActive('{layer_id}')")
    assert before < 30 and unticked < 30, (before, unticked)  # not drawn while its box is unticked
    assert ticked > 150 + before, (before, ticked)  # five times the unticked bound (two short walks draw ~200)
    assert session.errors == []


def credits(session: Session) -> str:
    return session.page.locator(".leaflet-control-attribution").inner_text()


def test_the_attribution_credits_the_sources_of_what_is_on_screen(session: Session) -> None:
    session.open("/peta" + VIEW)
    page = session.page
    text = credits(session)
    assert "cahyadsn" in text and "Badan Informasi Geospasial" in text  # the basemap's boundaries and rivers
    assert "Data sintetis" in text  # its angkot routes are synthetic
    assert "Kemendikbud" not in text and "Kemenkes" not in text
    for layer_id, source in (("schools", "Kemendikbud"), ("health_facilities", "Kemenkes"),
                             ("disaster_risk_zones", "BNPB")):
        page.check(f"#layer-toggle-{layer_id}")
        assert source in credits(session), layer_id
        page.uncheck(f"#layer-toggle-{layer_id}")
        assert source not in credits(session), layer_id
    page.uncheck("#basemap-toggle")
    assert not re.search("cahyadsn|Geospasial|sintetis", credits(session))
    page.check("#layer-toggle-cctv")  # synthetic devices are credited as such
    assert "Data sintetis" in credits(session)
    assert session.errors == []


def test_a_layer_outside_its_zoom_range_is_not_credited(session: Session) -> None:
    session.open("/peta#map=10/3.5900/98.6785")
    spec = get_registry().get("schools")
    assert spec.zoom.min > 10
    session.page.uncheck("#basemap-toggle")
    session.page.check(f"#layer-toggle-{spec.id}")
    assert "Kemendikbud" not in credits(session)
    session.page.evaluate("Medan.state.map.setZoom(14, {animate: false})")
    session.page.wait_for_function("() => document.querySelector('.leaflet-control-attribution').innerText.includes('Kemendikbud')")


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_on_a_phone_the_credits_take_one_line_and_open_on_a_tap(browser, live_server: str) -> None:  # noqa: ANN001
    session = new_session(browser, live_server, **PHONE)
    try:
        page = session.open("/peta" + VIEW)
        credits_box = page.locator(".leaflet-control-attribution")
        assert credits_box.bounding_box()["height"] < 30  # one line, not a third of the screen
        assert "cahyadsn" in credits_box.text_content()
        credits_box.tap()
        assert credits_box.bounding_box()["height"] > 40
        assert page.get_attribute(".credits-toggle", "aria-expanded") == "true"
        credits_box.tap()
        assert credits_box.bounding_box()["height"] < 30
        # The keyboard's way: a real button beside the credits (the credits hold links, so they are no button).
        page.focus(".credits-toggle")
        page.keyboard.press("Enter")
        assert credits_box.bounding_box()["height"] > 40
        page.keyboard.press("Enter")
        assert page.get_attribute(".credits-toggle", "aria-expanded") == "false"
        # The layer sheet lies above the credits: its last rows can be ticked.
        page.click("#panel-toggle")
        panel = page.locator("#panel").bounding_box()
        x, y = panel["x"] + 40, panel["y"] + panel["height"] - 8
        assert page.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('#panel')", [x, y])
        assert session.errors == []
    finally:
        session.page.context.close()


def test_a_feature_page_map_credits_its_layer(session: Session) -> None:
    """The page a popup links to: its map credits the layer; and no request fails (it asked for /favicon.ico)."""
    session.page.goto(session.base + "/collections/schools/items/1?f=html")
    assert "Kemendikbud" in session.page.locator("#map .leaflet-control-attribution").inner_text()
    session.page.goto(session.base + "/collections/cctv/items?f=html&limit=5")
    assert "Data sintetis" in session.page.locator("#map .leaflet-control-attribution").inner_text()
    assert session.errors == []


def test_a_popup_says_when_a_location_is_doubtful(session: Session) -> None:
    """Schools outside the city polygon carry lokasi_diragukan (their data fix); the popup notes it."""
    session.open("/peta" + VIEW)
    texts = session.evaluate("""() => [true, false, undefined].map(flag =>
        Medan.popupContent(Medan.layerById('schools'), {nama: 'SD X', lokasi_diragukan: flag}, 1).textContent)""")
    assert "Lokasi diragukan" in texts[0]
    assert "Lokasi diragukan" not in texts[1] and "Lokasi diragukan" not in texts[2]
