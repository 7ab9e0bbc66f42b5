"""The homepage in a real Chromium: drawing, popups, search, "what is here",
language, permalinks, a phone-sized screen and hostile input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from layers import count_features, delete_feature, insert_features
from layers.registry import get_registry
from tests.helpers.browser import Session, new_session

KESAWAN = (3.5900, 98.6785)  # lat, lon: inside kelurahan Kesawan, kecamatan Medan Barat


def latlng_to_page(session: Session, lat: float, lon: float) -> tuple[float, float]:
    return tuple(session.evaluate(
        """([lat, lon]) => {
            const p = Medan.state.map.latLngToContainerPoint([lat, lon]);
            const r = document.getElementById('map').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lat, lon]))


def wait_drawn(session: Session, layer_id: str, times: int = 1) -> None:
    session.page.wait_for_function(
        "([id, n]) => performance.getEntriesByName('medan:drawn:' + id + ':' + n).length > 0", arg=[layer_id, times])


def test_page_loads_without_errors_or_requests_leaving_the_machine(session: Session) -> None:
    page = session.open()
    assert page.locator("#map .leaflet-pane").count() > 0
    assert page.evaluate("performance.getEntriesByName('medan:interactive').length") == 1
    # The offline basemap's canvases are drawn (boundaries from the tile endpoint).
    assert page.locator(".leaflet-medan-basemap-pane canvas").count() > 0
    session.screenshot("home")
    assert session.errors == []
    assert session.foreign_requests() == []
    assert any("/tiles/WebMercatorQuad/" in url for url in session.requests)


# Tile coordinates are quantised to 1/16 px; 1e-4 degrees (11 m) is more than a pixel at zoom 13.
EDGE_DEG = 1e-4


# Schools (radius 5: arcs) and the synthetic sample points (radius 2: squares), both canvas-drawn;
# the sample points are data for testing, which only an admin's map lists.
@pytest.mark.parametrize(("layer_id", "at_least"), [("schools", 50), ("sample_points", 20)])
def test_toggling_a_layer_draws_all_its_features_and_its_legend(
        session: Session, engine: Engine, layer_id: str, at_least: int) -> None:
    if get_registry().get(layer_id).purpose == "testing":
        session.page.set_extra_http_headers({"Authorization": "Bearer test-token"})
    page = session.open("/peta#map=13/3.5900/98.6785")
    spec = get_registry().get(layer_id)
    page.check(f"#layer-toggle-{layer_id}")
    wait_drawn(session, layer_id)
    # Drawn by the canvas point renderer: every feature in view, once, where it is.
    drawn = page.evaluate("(id) => Medan.state.active[id].drawnPoints()", layer_id)
    south, west, north, east = page.evaluate(
        "(() => { const b = Medan.state.map.getBounds(); return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()")
    with engine.connect() as conn:
        rows = conn.execute(text(
            f"SELECT fid, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM layers.{layer_id} "
            "WHERE ST_Intersects(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"),
            {"w": west - EDGE_DEG, "s": south - EDGE_DEG, "e": east + EDGE_DEG, "n": north + EDGE_DEG}).all()
    where = {r.fid: (r.lat, r.lon) for r in rows}
    inside = {fid for fid, (lat, lon) in where.items()
              if south + EDGE_DEG < lat < north - EDGE_DEG and west + EDGE_DEG < lon < east - EDGE_DEG}
    drawn_in_view = {int(fid): (lat, lon) for fid, lat, lon in drawn if south < lat < north and west < lon < east}
    assert len(inside) > at_least  # central Medan at zoom 13
    assert inside <= set(drawn_in_view) <= set(where)
    assert len(drawn_in_view) == len([1 for fid, lat, lon in drawn if south < lat < north and west < lon < east])
    assert all(abs(lat - where[fid][0]) < EDGE_DEG and abs(lon - where[fid][1]) < EDGE_DEG
               for fid, (lat, lon) in drawn_in_view.items())
    assert count_features(engine, layer_id) > len(inside)  # only what is in view was fetched and drawn
    # Something opaque is painted at each of the first drawn features.
    for _fid, (lat, lon) in list(drawn_in_view.items())[:5]:
        assert page.evaluate(CANVAS_PIXEL, [layer_id, lat, lon, 0])[3] > 200
    legend = page.locator(f'.layer-item[data-layer="{layer_id}"] .legend li')
    assert legend.all_text_contents() == [c.label.id for c in spec.style.classes]
    assert f"layers={layer_id}" in page.evaluate("location.hash")
    session.screenshot(f"layer-{layer_id}")
    page.uncheck(f"#layer-toggle-{layer_id}")
    assert page.evaluate("(id) => Medan.isActive(id)", layer_id) is False
    assert session.errors == []


@pytest.fixture
def lone_school(engine: Engine) -> dict[str, Any]:
    """A school with no other school within 40 m, so a click on it can only mean it."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT s.fid, s.nama, s.jenjang, ST_Y(s.geom) AS lat, ST_X(s.geom) AS lon FROM layers.schools s "
            "WHERE NOT EXISTS (SELECT 1 FROM layers.schools o WHERE o.fid <> s.fid "
            "AND ST_DWithin(o.geom::geography, s.geom::geography, 40)) "
            "AND ST_Intersects(s.geom, ST_MakeEnvelope(98.64, 3.56, 98.70, 3.62, 4326)) ORDER BY s.fid LIMIT 1"
        )).mappings().one()
    return dict(row)


CANVAS_PIXEL = """([id, lat, lon, dx]) => {
    const grid = Medan.state.active[id], map = Medan.state.map, z = grid._tileZoom;
    const p = map.project([lat, lon], z), tx = Math.floor(p.x / 256), ty = Math.floor(p.y / 256);
    const canvas = grid._tiles[tx + ':' + ty + ':' + z].el, ratio = window.devicePixelRatio || 1;
    // The pixel the point falls in: floor, since rounding a point 255.5+ px into its tile reads
    // pixel 256, outside the 256-px canvas (transparent), and fails for whichever feature lies there.
    const px = Math.floor((p.x - tx * 256 + dx) * ratio), py = Math.floor((p.y - ty * 256) * ratio);
    return Array.from(canvas.getContext('2d').getImageData(px, py, 1, 1).data);
}"""


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_clicking_a_school_opens_its_popup_with_its_name_and_item_link(session: Session, lone_school: dict) -> None:
    page = session.open(f"/peta#map=18/{lone_school['lat']:.6f}/{lone_school['lon']:.6f}&layers=schools")
    wait_drawn(session, "schools")
    # The canvas holds the school's class colour at its position, and nothing 20 px beside it.
    spec = get_registry().get("schools")
    colour = next(c.color for c in spec.style.classes if c.value == lone_school["jenjang"])
    at = page.evaluate(CANVAS_PIXEL, ["schools", lone_school["lat"], lone_school["lon"], 0])
    assert all(abs(a - b) <= 3 for a, b in zip(at[:3], hex_rgb(colour), strict=True)) and at[3] > 200, at
    assert page.evaluate(CANVAS_PIXEL, ["schools", lone_school["lat"], lone_school["lon"], 20])[3] == 0
    assert page.evaluate("Medan.state.active.schools.pointsDrawn") > 0
    x, y = latlng_to_page(session, lone_school["lat"], lone_school["lon"])
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup .popup")
    popup.wait_for()
    assert popup.locator(".popup-title").text_content() == lone_school["nama"]
    assert popup.locator("th").first.text_content() == get_registry().get("schools").properties[0].title.id
    link = popup.locator("a.popup-link").get_attribute("href")
    assert link == f"/collections/schools/items/{lone_school['fid']}?f=html"
    assert f"feature=schools/{lone_school['fid']}" in page.evaluate("location.hash")
    session.screenshot("popup-school")
    assert session.errors == []


def test_search_with_a_typo_flies_to_the_kelurahan(session: Session, engine: Engine) -> None:
    page = session.open()
    page.fill("#search-input", "kesawn")
    page.press("#search-input", "Enter")
    first = page.locator("#search-results button").first
    first.wait_for()
    assert first.locator(".result-name").text_content() == "Kesawan"
    session.screenshot("search-results")
    first.click()
    with engine.connect() as conn:
        xmin, ymin, xmax, ymax = conn.execute(text(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM layers.kelurahan "
            "WHERE nama_kel = 'Kesawan'")).one()
    page.wait_for_function(
        """([x0, y0, x1, y1]) => { const m = Medan.state.map, c = m.getCenter();
             return Number.isInteger(m.getZoom()) && m.getZoom() >= 14 && c.lng > x0 && c.lng < x1 && c.lat > y0 && c.lat < y1; }""",
        arg=[xmin, ymin, xmax, ymax])
    assert page.is_checked("#layer-toggle-kelurahan")
    session.screenshot("search-flown")
    assert session.errors == []


def test_clicking_the_map_tells_what_is_here(session: Session) -> None:
    page = session.open(f"/peta#map=15/{KESAWAN[0]}/{KESAWAN[1]}")
    page.mouse.click(*latlng_to_page(session, *KESAWAN))
    row = page.locator('#info .here-row[data-layer="kelurahan"] dd')
    row.wait_for()
    assert row.text_content() == "Kesawan"
    assert page.locator('#info .here-row[data-layer="kecamatan"] dd').text_content() == "Medan Barat"
    nearest = page.locator('#info .here-row[data-relation="nearest"] dd').all_text_contents()
    assert nearest and all(text.endswith(" m)") or text.endswith(" km)") for text in nearest)
    session.screenshot("what-is-here")
    assert session.errors == []


def test_locate_me_uses_the_browsers_position(browser: Any, live_server: str) -> None:
    s = new_session(browser, live_server, geolocation={"latitude": KESAWAN[0], "longitude": KESAWAN[1]},
                    permissions=["geolocation"])
    try:
        page = s.open()
        page.click("#locate-button")
        page.locator('#info .here-row[data-layer="kelurahan"] dd').wait_for()
        assert page.locator('#info .here-row[data-layer="kelurahan"] dd').text_content() == "Kesawan"
        assert s.errors == []
    finally:
        s.page.context.close()


def test_english_switch_changes_labels_and_is_remembered(session: Session) -> None:
    page = session.open()
    kelurahan = get_registry().get("kelurahan")
    assert page.text_content("#locate-button") == "Di mana saya?"
    page.click('[data-lang="en"]')
    assert page.text_content("#locate-button") == "Where am I?"
    assert page.text_content("#panel-title") == "Map layers"
    assert page.text_content('label[for="layer-toggle-kelurahan"]') == kelurahan.title.en
    assert page.get_attribute("html", "lang") == "en"
    session.screenshot("english")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.text_content('label[for="layer-toggle-kelurahan"]') == kelurahan.title.en
    assert page.get_attribute("#search-input", "placeholder").startswith("Search")
    assert session.errors == []


def test_permalink_restores_view_layers_and_feature(session: Session, lone_school: dict) -> None:
    fid = lone_school["fid"]
    page = session.open(f"/peta#map=16/3.58500/98.67000&layers=schools,kecamatan&feature=schools/{fid}")
    view = page.evaluate("[Medan.state.map.getZoom(), Medan.state.map.getCenter().lat, Medan.state.map.getCenter().lng]")
    assert view[0] == 16 and abs(view[1] - 3.585) < 1e-4 and abs(view[2] - 98.67) < 1e-4
    assert page.is_checked("#layer-toggle-schools") and page.is_checked("#layer-toggle-kecamatan")
    page.locator(".leaflet-popup .popup-title").wait_for()
    assert page.text_content(".leaflet-popup .popup-title") == lone_school["nama"]
    assert session.errors == []


NONSENSE_HASHES = [
    "#map=abc/999/-5&layers=nope,%3Cscript%3E&feature=x/y",
    "#map=99/3.59/98.67",
    "#map=13/-33.9/151.2&layers=schools",
    "#%E0%A4%A&map=",
    "#feature=schools/999999999",
]


def test_nonsense_permalinks_fall_back_to_the_default_view(session: Session) -> None:
    page = session.open("/peta" + NONSENSE_HASHES[0])
    for hash_ in NONSENSE_HASHES:
        page.evaluate("(h) => { Medan.state.map.setView(Medan.state.config.center, 12); location.hash = h; }", hash_)
        page.locator("#toast").wait_for()
        zoom, lat, lon = page.evaluate(
            "() => [Medan.state.map.getZoom(), Medan.state.map.getCenter().lat, Medan.state.map.getCenter().lng]")
        assert 10 <= zoom <= 19 and 3.4 < lat < 3.9 and 98.5 < lon < 98.8, hash_
        assert page.text_content("#toast") in (
            "Sebagian tautan tidak valid; peta bawaan ditampilkan.", "Data yang ditautkan tidak ditemukan."), hash_
        page.evaluate("() => { document.getElementById('toast').hidden = true; }")
    assert page.title() == "Peta Kota Medan"
    # The missing feature is a 404 from the API, which Chromium reports; nothing else may fail.
    assert [e for e in session.errors if "404" not in e] == []


def test_a_phone_sized_screen_shows_the_map_and_a_usable_panel(browser: Any, live_server: str) -> None:
    s = new_session(browser, live_server, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = s.open()
        box = page.locator("#map").bounding_box()
        assert box["width"] == 360 and box["height"] > 450
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out sideways
        assert not page.is_visible("#panel")
        s.screenshot("mobile-360-map")
        page.click("#panel-toggle")
        assert page.is_visible("#panel")
        page.locator('label[for="layer-toggle-health_facilities"]').tap()
        wait_drawn(s, "health_facilities")
        panel = page.locator("#panel").bounding_box()
        assert panel["width"] <= 360 and panel["y"] > 200  # a sheet at the bottom, the map stays visible
        s.screenshot("mobile-360-panel")
        assert s.errors == []
    finally:
        s.page.context.close()


def test_keyboard_reaches_search_layers_and_language(session: Session) -> None:
    page = session.open()
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.dataset.lang || ''"))
    assert {"search-input", "locate-button", "panel-toggle", "id", "en", "catalogue-link"} <= reached


@pytest.fixture
def hostile_school(engine: Engine) -> Iterator[dict[str, Any]]:
    name = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.6790, 3.5905]},
               "properties": {"npsn": "XSS00001", "nama": name, "jenjang": "SD", "status": "Swasta",
                              "alamat": "<b onmouseover=alert(1)>Jl. Uji</b>"}}
    (fid,) = insert_features(engine, "schools", [feature], actor="test:xss")
    yield {"fid": fid, "nama": name}
    delete_feature(engine, "schools", fid, actor="test:xss")


def test_hostile_properties_are_shown_as_text_never_run(session: Session, hostile_school: dict) -> None:
    page = session.open(f"/peta#map=18/3.59050/98.67900&layers=schools&feature=schools/{hostile_school['fid']}")
    page.locator(".leaflet-popup .popup-title").wait_for()
    assert page.text_content(".leaflet-popup .popup-title") == hostile_school["nama"]
    assert page.locator(".leaflet-popup img, .leaflet-popup script, .leaflet-popup b").count() == 0
    page.fill("#search-input", "window.__xss")
    page.press("#search-input", "Enter")
    page.locator("#search-results button").first.wait_for()
    session.screenshot("xss-as-text")
    assert page.evaluate("window.__xss") is None
    assert session.errors == []


def test_bad_search_input_and_clicks_outside_the_city_get_friendly_messages(session: Session) -> None:
    page = session.open()
    page.press("#search-input", "Enter")
    assert page.text_content("#search-message") == "Ketik nama tempat yang ingin dicari."
    page.evaluate("document.getElementById('search-input').value = 'x'.repeat(10000)")
    page.press("#search-input", "Enter")
    assert page.text_content("#search-message") == "Teks pencarian terlalu panjang (maks. 100 karakter)."
    page.fill("#search-input", "<script>alert(1)</script>")
    page.press("#search-input", "Enter")
    page.wait_for_function("() => document.getElementById('search-message').textContent.startsWith('Tidak ada')")
    assert "<script>alert(1)</script>" in page.text_content("#search-message")
    page.evaluate("Medan.state.map.setView([3.43, 98.54], 13, {animate: false})")  # the extent's corner
    page.mouse.click(*latlng_to_page(session, 3.40, 98.50))
    # Predicates are functions, not strings: the page's CSP forbids eval, which string predicates need.
    page.wait_for_function("() => (document.querySelector('#info-body .message') || {}).textContent === "
                           "'Titik ini di luar Kota Medan.'")
    session.screenshot("outside-city")
    assert page.title() == "Peta Kota Medan"  # still the map, no error page
    assert session.errors == []


def test_the_hazard_raster_is_an_overlay_with_its_legend_and_permalink(session: Session) -> None:
    page = session.open("/peta#map=13/3.6500/98.6700")
    page.check("#layer-toggle-flood_index")
    wait_drawn(session, "flood_index")
    tiles = [url for url in session.requests if "/rasters/flood_index/tiles/WebMercatorQuad/13/" in url]
    assert tiles, "no raster tile was requested at the map's zoom"
    drawn = page.locator(".leaflet-medan-polygons-pane img.leaflet-tile-loaded")
    assert drawn.count() >= len(set(tiles)) > 0
    legend = page.locator('li[data-layer="flood_index"] .legend li')
    assert legend.all_text_contents() == ["Rendah", "Sedang", "Tinggi"]
    assert "flood_index" in page.evaluate("location.hash")
    # Past the raster's last zoom (17) it is scaled up, not dropped.
    page.evaluate("Medan.state.map.setZoom(18, {animate: false})")
    assert page.evaluate("Medan.state.map.hasLayer(Medan.state.active.flood_index)")
    assert session.errors == []
    assert session.foreign_requests() == []


def test_the_panel_links_to_the_citizen_services_in_the_chosen_language(session: Session) -> None:
    page = session.open()
    assert page.get_attribute("#report-link", "href") == "/lapor"
    page.click('[data-lang="en"]')
    assert page.get_attribute("#report-link", "href").endswith("/lapor?lang=en")
    assert page.get_attribute("#ppdb-link", "href").endswith("/ppdb?lang=en")
    assert page.text_content("#report-link") == "Report a problem"
