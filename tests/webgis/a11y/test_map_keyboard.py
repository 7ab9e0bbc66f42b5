"""/peta with the keyboard alone and a screen reader: a canvas-drawn point is reached, its popup
opened, announced and closed; the map's states (panel and legends, features list, popup) have no
WCAG violation; legend swatches keep 3:1 against the panel (WCAG 1.4.11) on a phone and a desktop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from layers import read_layer
from tests.helpers.a11y import describe, run_axe
from tests.helpers.browser import Session, launched_chromium, new_session, serving
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
MERDEKA = "Lapangan Merdeka"
# Layers whose legends the panel shows in the states checked: classes of every kind of style.
LEGEND_LAYERS = "parks,schools,kelurahan,rivers,health_facilities,flood_zones"


@pytest.fixture(scope="module")
def base(app: Flask) -> Iterator[str]:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


def merdeka_view(app: Flask) -> str:
    parks = read_layer(app.extensions["engine"], "parks", where={"nama": MERDEKA})
    point = parks.geometry.iloc[0]
    return f"#map=17/{point.y:.5f}/{point.x:.5f}&layers=parks"


def tab_to(session: Session, selector: str, limit: int = 60) -> None:
    """Press Tab until the focus is on `selector` (the keyboard's only way there)."""
    for _ in range(limit):
        session.page.keyboard.press("Tab")
        if session.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} Tabs")


def open_features_list(session: Session) -> None:
    """The skip link, then the map's controls: the keyboard's short way past the header and the layer list."""
    tab_to(session, ".skip-link")
    session.page.keyboard.press("Enter")
    tab_to(session, "#in-view-toggle")
    session.page.keyboard.press("Enter")
    session.page.wait_for_selector(".in-view-feature[data-layer=parks]")


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_a_keyboard_reaches_a_canvas_point_opens_its_popup_and_hears_it(app: Flask, base: str, chromium: Any,
                                                                           device: dict) -> None:
    session = new_session(chromium, base, **device)
    session.open("/peta" + merdeka_view(app))
    assert session.evaluate("Medan.state.active.parks instanceof Medan.PointTiles")  # drawn on a canvas
    open_features_list(session)
    for _ in range(40):  # through the list, one Tab per feature, to the park
        session.page.keyboard.press("Tab")
        if session.evaluate("document.activeElement.textContent") == MERDEKA:
            break
    assert session.evaluate("document.activeElement.matches('.in-view-feature[data-layer=parks]')")
    session.page.keyboard.press("Enter")
    popup = session.page.locator(".leaflet-popup")
    popup.wait_for()
    assert session.evaluate("document.activeElement.classList.contains('popup-title')")
    assert popup.get_attribute("role") == "dialog" and MERDEKA in popup.inner_text()
    # The park's Wi-Fi now and its hours, from the function /wifi-taman uses.
    session.page.wait_for_selector(".popup-live a")
    live = session.page.locator(".popup-live").inner_text()
    assert "16:01–23:00 WIB" in live and live.split(" · ")[0] in {
        "Wi-Fi menyala sekarang", "Wi-Fi mati (di luar jam)", "Wi-Fi sedang gangguan", "Keadaan belum diketahui"}
    assert session.page.locator(".popup-live").get_attribute("aria-live") == "polite"
    assert MERDEKA in session.page.locator("#map-announcer").inner_text()
    session.page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    assert session.evaluate("document.activeElement.textContent") == MERDEKA
    assert session.errors == []
    session.page.context.close()


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_the_map_states_have_no_wcag_violation(app: Flask, base: str, chromium: Any, device: dict) -> None:
    session = new_session(chromium, base, **device)
    page = session.open("/peta" + merdeka_view(app).replace("layers=parks", f"layers={LEGEND_LAYERS}"))
    failures: list[str] = []
    if page.get_attribute("#panel-toggle", "aria-expanded") != "true" and not page.is_visible("#panel.open"):
        page.click("#panel-toggle")
    failures += describe("/peta panel open with legends", run_axe(page, base))
    page.click("#panel-toggle") if page.get_attribute("#panel-toggle", "aria-expanded") == "true" else None
    open_features_list(session)
    failures += describe("/peta features list open", run_axe(page, base))
    page.locator(".in-view-feature[data-layer=parks]").first.press("Enter")
    page.wait_for_selector(".popup-live a")
    # Leaflet fades a popup in; measured mid-fade its links blend into the background (4.25:1 seen).
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    failures += describe("/peta popup open", run_axe(page, base))
    assert failures == [], "\n".join(failures)
    session.page.context.close()


CONTRAST = """() => {
  const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => { v = v / 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m); return (x + 0.05) / (y + 0.05); };
  const back = getComputedStyle(document.getElementById('panel')).backgroundColor;
  return [...document.querySelectorAll('#panel .legend li')].map(li => {
    const s = getComputedStyle(li.querySelector('.swatch'));
    const edges = [s.backgroundColor, s.borderTopColor, s.outlineColor].filter(c => !/rgba\\(.*, 0\\)$/.test(c));
    if (s.borderTopWidth === '0px') { edges.splice(edges.indexOf(s.borderTopColor), 1); }
    if (s.outlineStyle === 'none') { edges.splice(edges.indexOf(s.outlineColor), 1); }
    return [li.closest('.layer-item').dataset.layer, li.textContent, Math.max(...edges.map(c => ratio(c, back)))];
  });
}"""


def test_every_legend_swatch_stands_out_from_the_panel(app: Flask, base: str, chromium: Any) -> None:
    """WCAG 1.4.11: a symbol needed to read the map keeps 3:1 against what surrounds it (its fill,
    its stroke or its outline); the legend's text is checked by axe above (4.5:1)."""
    session = new_session(chromium, base, **DESKTOP)
    layers = session.open("/peta").evaluate("Medan.state.config.layers.filter(l => l.source !== 'raster').map(l => l.id)")
    session.open("/peta" + merdeka_view(app).replace("layers=parks", "layers=" + ",".join(layers)))
    swatches = session.evaluate(CONTRAST)
    assert len(swatches) >= len(layers)
    weak = [f"{layer}: {label} {ratio:.2f}:1" for layer, label, ratio in swatches if ratio < 3]
    assert weak == [], "\n".join(weak)
    session.page.context.close()


def test_a_keyboard_reaches_each_kelurahan_of_the_complaints_map(base: str, chromium: Any) -> None:
    """/lapor/peta's kelurahan, most reports first, as a table whose names show the area on the map
    with its tooltip: a short, ordered way to what the colours say (the polygons are Tab stops in
    Leaflet's map order, one per kelurahan, with no name of their own until their tooltip opens)."""
    session = new_session(chromium, base, **PHONE)
    page = session.page
    page.goto(base + "/lapor/peta")
    page.wait_for_selector("#map-table tbody tr")
    rows = page.locator("#map-table tbody tr")
    counts = [int(c) for c in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and 0 < sum(counts) <= int(page.get_attribute("#map-total", "data-total"))
    first = rows.first.locator("button").inner_text()
    # Leaflet 1.9 also makes each polygon with a tooltip a Tab stop (some 150 here) before the table.
    tab_to(session, "#map-table tbody tr:first-child button", limit=400)
    tooltip = page.locator(".leaflet-tooltip", has_text=f"Kel. {first} (")
    assert not tooltip.is_visible()
    page.keyboard.press("Enter")
    tooltip.wait_for(state="visible")
    failures = describe("/lapor/peta tooltip open from the table", run_axe(page, base))
    assert failures == [], "\n".join(failures)
    assert session.errors == []
    page.context.close()
