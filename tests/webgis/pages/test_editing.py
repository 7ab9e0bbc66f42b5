"""Staff editing on the homepage map, in a real Chromium (issue 18 item 6): draw a point and a polygon,
the declaration's validation in the form (nothing saved until it passes; the server's refusal shown
next to its field), move a vertex, a conflicting edit from another session, history and restore,
delete with confirmation; citizens and the public get no tools and their writes are refused; staff
of another agency reach no row outside theirs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from layers import get_feature
from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import Session, new_session
from webgis.accounts import manage

pytestmark = pytest.mark.browser

SPOT = (3.5880, 98.6760)  # lat, lon: central Medan (kelurahan Kesawan)
VIEW = f"/peta#map=17/{SPOT[0]}/{SPOT[1]}"


def _user(engine: Engine, roles: list[str], agencies: list[str] | None = None) -> str:
    username = f"ed{roles[0]}{uuid.uuid4().hex[:6]}"
    manage.create_user(engine, "test", None, username, PASSWORD, roles=roles, agencies=agencies or [])
    return username


def _login(session: Session, username: str) -> None:
    """Through the homepage's staff link, which brings the user back to the map."""
    page = session.open("/peta")
    if page.locator("#staff-login").is_hidden():  # a phone: the link is in the layer sheet
        page.click("#panel-toggle")
    page.click("#staff-login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    assert page.url.startswith(session.base + "/peta")
    session.errors.clear()  # the login page asks for a /favicon.ico it lacks


@pytest.fixture
def logged_in(browser: Any, live_server: str) -> Iterator[Any]:
    sessions: list[Session] = []

    def open_as(username: str | None) -> Session:
        s = new_session(browser, live_server)
        sessions.append(s)
        if username:
            _login(s, username)
        return s

    yield open_as
    for s in sessions:
        s.page.context.close()


def _page_xy(session: Session, lat: float, lon: float) -> tuple[float, float]:
    return tuple(session.evaluate("""([lat, lon]) => {
        const p = Medan.state.map.latLngToContainerPoint([lat, lon]);
        const r = document.getElementById('map').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", [lat, lon]))


def _click_map(session: Session, lat: float, lon: float) -> None:
    session.page.mouse.click(*_page_xy(session, lat, lon))


def _open_editor(session: Session, layer_id: str) -> None:
    page = session.page
    page.wait_for_selector("body[data-editor=ready]")
    if page.locator("#editor").is_hidden():
        page.click("#edit-toggle")
    page.select_option("#edit-layer", layer_id)


def _save(session: Session) -> None:
    session.page.click("#feature-form button[type=submit]")


def _saved_form(session: Session, layer_id: str, version: int) -> int:
    selector = f'#feature-form[data-layer="{layer_id}"][data-version="{version}"]'
    session.page.wait_for_selector(selector)
    return int(session.page.get_attribute(selector, "data-fid"))


def _count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _draw_school(session: Session, engine: Engine, taken_npsn: str) -> tuple[int, str]:
    """Draw a school, trip the form's and the server's validation, then save it."""
    page = session.page
    _open_editor(session, "schools")
    page.click("#draw-button")
    _click_map(session, *SPOT)
    page.wait_for_selector('#feature-form[data-layer="schools"]')
    npsn = f"T{uuid.uuid4().hex[:8]}"
    page.fill("#edit-field-npsn", npsn)
    page.fill("#edit-field-nama", "SD Uji Sunting")
    page.fill("#edit-field-daya_tampung", "-5")
    _save(session)
    # The form's own check (the declaration's required and minimum), in Bahasa Indonesia: nothing sent.
    assert page.locator("#edit-error-jenjang").inner_text() == "Wajib diisi."
    assert page.locator("#edit-error-daya_tampung").inner_text() == "Paling kecil 0."
    assert page.locator("#form-message").inner_text() == "Periksa isian yang ditandai; belum ada yang disimpan."
    assert page.locator("#edit-field-jenjang option").all_text_contents()[1:] == ["SD", "SMP", "SMA", "SMK", "SLB"]
    page.select_option("#edit-field-jenjang", label="SD")
    page.select_option("#edit-field-status", label="Negeri")
    page.fill("#edit-field-daya_tampung", "120")
    # The key must be unique: only the server knows, and its refusal is shown at the field.
    page.fill("#edit-field-npsn", taken_npsn)
    _save(session)
    page.wait_for_selector("#edit-error-npsn:not([hidden])")
    assert page.locator("#edit-error-npsn").inner_text().startswith("Nilai ini sudah dipakai fitur lain. — ")
    assert "already exists" in page.locator("#edit-error-npsn").inner_text()  # and the server's exact words
    assert "Server menolak" in page.locator("#form-message").inner_text()
    assert _count(engine, "SELECT count(*) FROM layers.schools WHERE nama = 'SD Uji Sunting'") == 0
    page.fill("#edit-field-npsn", npsn)
    _save(session)
    fid = _saved_form(session, "schools", 1)
    return fid, npsn


def _draw_zone(session: Session) -> int:
    page = session.page
    _open_editor(session, "disaster_risk_zones")
    page.click("#draw-button")
    lat, lon = SPOT
    corners = [(lat + 0.0004, lon + 0.0004), (lat + 0.0004, lon + 0.0012), (lat - 0.0003, lon + 0.0012)]
    for corner in [*corners, corners[0]]:
        _click_map(session, *corner)
    page.wait_for_selector('#feature-form[data-layer="disaster_risk_zones"]')
    page.fill("#edit-field-kode_kel", f"99{uuid.uuid4().int % 10**8:08d}")
    page.fill("#edit-field-nama_kel", "Zona uji")
    page.select_option("#edit-field-bahaya", label="banjir")
    page.select_option("#edit-field-kelas", label="sedang")
    page.fill("#edit-field-skor", "1.5")
    _save(session)
    assert page.locator("#edit-error-skor").inner_text() == "Paling besar 1."
    page.fill("#edit-field-skor", "0.4")
    _save(session)
    return _saved_form(session, "disaster_risk_zones", 1)


def _move_first_vertex(session: Session, fid: int, engine: Engine) -> None:
    page = session.page
    before = get_feature(engine, "disaster_risk_zones", fid)["geometry"]["coordinates"][0][0][0]
    x, y = _page_xy(session, before[1], before[0])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 30, y - 40, steps=8)
    page.mouse.up()
    _save(session)
    _saved_form(session, "disaster_risk_zones", 2)
    after = get_feature(engine, "disaster_risk_zones", fid)["geometry"]["coordinates"][0][0]
    assert before not in after  # the corner moved
    assert min(abs(c[0] - before[0]) + abs(c[1] - before[1]) for c in after) > 0.0001


CONFLICTING_EDIT = """async ([fid, name]) => {
    const forms = await (await fetch('/peta/edit.json')).json();
    const url = '/collections/disaster_risk_zones/items/' + fid;
    const item = await fetch(url + '?f=json', {headers: {Accept: 'application/geo+json'}});
    const answer = await fetch(url, {method: 'PATCH', headers: {'Content-Type': 'application/merge-patch+json',
        'If-Match': item.headers.get('ETag'), 'X-CSRFToken': forms.csrf_token},
        body: JSON.stringify({type: 'Feature', properties: {nama_kel: name}})});
    return answer.status; }"""


def _conflict(session: Session, other: Session, fid: int, engine: Engine) -> None:
    page = session.page
    assert other.evaluate(CONFLICTING_EDIT, [fid, "Nama dari rekan"]) == 204
    page.fill("#edit-field-nama_kel", "Nama dari saya")
    _save(session)
    conflict = page.locator("#conflict")
    conflict.wait_for()
    assert conflict.locator('tr[data-property="nama_kel"] td.theirs').inner_text() == "Nama dari rekan"
    assert conflict.locator('tr[data-property="nama_kel"] td.yours').inner_text() == "Nama dari saya"
    assert get_feature(engine, "disaster_risk_zones", fid)["properties"]["nama_kel"] == "Nama dari rekan"
    page.click("#conflict-overwrite")
    _saved_form(session, "disaster_risk_zones", 4)
    assert get_feature(engine, "disaster_risk_zones", fid)["properties"]["nama_kel"] == "Nama dari saya"
    # Another conflict, and this time the user takes theirs.
    assert other.evaluate(CONFLICTING_EDIT, [fid, "Nama kedua rekan"]) == 204
    page.fill("#edit-field-skor", "0.9")
    _save(session)
    page.locator("#conflict").wait_for()
    page.click("#conflict-reload")
    _saved_form(session, "disaster_risk_zones", 5)
    assert page.input_value("#edit-field-nama_kel") == "Nama kedua rekan"
    assert page.input_value("#edit-field-skor") == "0.4"


def _history_and_restore(session: Session, fid: int, username: str, engine: Engine) -> None:
    page = session.page
    page.click("#edit-history")
    entries = page.locator("#history-list .history-entry")
    entries.first.wait_for()
    assert entries.evaluate_all("es => es.map(e => e.dataset.version)") == ["5", "4", "3", "2", "1"]
    assert f"user:{username}" in entries.nth(4).inner_text() and "dibuat" in entries.nth(4).inner_text()
    assert "Nama dari saya → Nama kedua rekan" in entries.nth(0).inner_text()
    assert "bentuk/lokasi diubah" in entries.nth(3).inner_text()
    first_geometry = _count(engine, "SELECT ST_AsText(geom) FROM core.feature_history h "
                                    "JOIN LATERAL (SELECT ST_GeomFromGeoJSON(h.new->>'geom') AS geom) g ON true "
                                    "WHERE h.layer = 'disaster_risk_zones' AND h.fid = :fid ORDER BY h.id LIMIT 1", fid=fid)
    entries.nth(4).locator(".history-restore").click()
    page.click("#confirm-yes")
    _saved_form(session, "disaster_risk_zones", 6)
    restored = get_feature(engine, "disaster_risk_zones", fid)
    assert restored["properties"]["nama_kel"] == "Zona uji" and restored["properties"]["skor"] == 0.4
    now = _count(engine, "SELECT ST_AsText(geom) FROM layers.disaster_risk_zones WHERE fid = :fid", fid=fid)
    assert now == first_geometry  # the vertex is back where it was drawn
    page.locator('#history-list .history-entry[data-version="6"]').wait_for()


def _delete_school(session: Session, fid: int, engine: Engine) -> None:
    """Open the school from its popup on the map, then delete it, confirming."""
    page = session.page
    _open_editor(session, "schools")  # another layer: the zone's form closes
    page.wait_for_function("() => Medan.state.active.schools && Medan.state.active.schools.pointsDrawn > 0")
    _click_map(session, *SPOT)
    page.click(".leaflet-popup .popup-edit")
    page.wait_for_selector(f'#feature-form[data-layer="schools"][data-fid="{fid}"]')
    page.click("#edit-delete")
    assert page.locator("#confirm-text").inner_text().startswith("Hapus fitur ini?")
    page.click("#confirm-no")  # not yet: nothing happens
    assert _count(engine, "SELECT count(*) FROM layers.schools WHERE fid = :fid", fid=fid) == 1
    page.click("#edit-delete")
    page.click("#confirm-yes")
    page.wait_for_selector("#edit-deleted")
    assert _count(engine, "SELECT count(*) FROM layers.schools WHERE fid = :fid", fid=fid) == 0
    # Undo: the deletion's history entry brings the row back, under its fid, recorded as a restore.
    page.click("#edit-undo")
    page.wait_for_selector(f'#feature-form[data-layer="schools"][data-fid="{fid}"]')
    assert get_feature(engine, "schools", fid)["properties"]["nama"] == "SD Uji Sunting"
    page.click("#edit-delete")
    page.click("#confirm-yes")
    page.wait_for_selector("#edit-deleted")
    assert _count(engine, "SELECT count(*) FROM layers.schools WHERE fid = :fid", fid=fid) == 0


def test_staff_draw_validate_reshape_resolve_a_conflict_and_restore(logged_in: Any, engine: Engine) -> None:
    # A staff member of an agency who also keeps the planners' risk zones (polygons).
    username = _user(engine, ["staff", "planner"], ["DPKPPR"])
    taken = _count(engine, "SELECT npsn FROM layers.schools ORDER BY fid LIMIT 1")
    s = logged_in(username)
    s.open(VIEW)
    school, npsn = _draw_school(s, engine, taken)
    row = get_feature(engine, "schools", school)
    assert (row["properties"]["npsn"], row["properties"]["jenjang"], row["properties"]["daya_tampung"]) == (npsn, "SD", 120)
    assert abs(row["geometry"]["coordinates"][0] - SPOT[1]) < 2e-5 and abs(row["geometry"]["coordinates"][1] - SPOT[0]) < 2e-5
    s.page.click("#feature-form button[data-i18n=cancel]")
    zone = _draw_zone(s)
    assert get_feature(engine, "disaster_risk_zones", zone)["geometry"]["type"] == "MultiPolygon"
    _move_first_vertex(s, zone, engine)
    other = logged_in(username)  # the same account in another browser: another session
    other.open(VIEW)
    _conflict(s, other, zone, engine)
    _history_and_restore(s, zone, username, engine)
    s.screenshot("editor-history")
    # English through the language switch, without a reload.
    s.page.click("[data-lang=en]")
    assert s.page.locator("#edit-history").inner_text() == "History"
    assert s.page.locator('label[for="edit-field-kelas"]').inner_text() == "Risk class *"
    s.page.click("[data-lang=id]")
    _delete_school(s, school, engine)
    # Chromium logs the refusals the test provoked (the duplicate key's 400, the two conflicts' 412); nothing else.
    unexpected = [e for e in s.errors if not re.search(r"status of (400 \(BAD REQUEST|412 \(PRECONDITION)", e)]
    assert unexpected == [] and s.foreign_requests() == [], (s.errors, s.foreign_requests())


SCHOOL = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [SPOT[1], SPOT[0]]},
          "properties": {"npsn": "X1", "nama": "Palsu", "jenjang": "SD", "status": "Negeri"}}
WRITE_ATTEMPT = """async ([feature, token]) => {
    const headers = {'Content-Type': 'application/geo+json'};
    if (token) { headers['X-CSRFToken'] = token; }
    const answer = await fetch('/collections/schools/items', {method: 'POST', headers, body: JSON.stringify(feature)});
    return answer.status; }"""
CSRF_OF_ACCOUNT_PAGE = """async () => {
    const html = await (await fetch('/account')).text();
    return /name="csrf_token" value="([^"]+)"/.exec(html)[1]; }"""


def test_the_public_and_citizens_get_no_editing_tools_and_their_writes_are_refused(
        logged_in: Any, engine: Engine) -> None:
    before = _count(engine, "SELECT count(*) FROM layers.schools")
    anonymous = logged_in(None)
    anonymous.open(VIEW + "&layers=schools")
    anonymous.page.wait_for_timeout(300)
    assert anonymous.page.locator("#edit-toggle").count() == 0
    assert not any("/peta/edit" in url for url in anonymous.requests)  # the editor is not even downloaded
    assert anonymous.evaluate(WRITE_ATTEMPT, [SCHOOL, None]) == 401
    citizen = logged_in(_user(engine, ["citizen"]))
    citizen.open(VIEW + "&layers=schools")
    citizen.page.wait_for_timeout(300)
    assert citizen.page.locator("#edit-toggle").count() == 0
    assert not any("/peta/edit" in url for url in citizen.requests)
    token = citizen.evaluate(CSRF_OF_ACCOUNT_PAGE)
    assert citizen.evaluate(WRITE_ATTEMPT, [SCHOOL, token]) == 403
    assert _count(engine, "SELECT count(*) FROM layers.schools") == before


OUTSIDE_EDIT = """async ([fid, patch]) => {
    const forms = await (await fetch('/peta/edit.json')).json();
    const answer = await fetch('/collections/complaints/items/' + fid, {method: 'PATCH',
        headers: {'Content-Type': 'application/merge-patch+json', 'X-CSRFToken': forms.csrf_token},
        body: JSON.stringify({type: 'Feature', properties: patch})});
    return answer.status; }"""


def test_staff_of_another_agency_cannot_edit_rows_outside_their_agency(logged_in: Any, engine: Engine) -> None:
    with engine.connect() as conn:
        theirs = conn.execute(text("SELECT fid, agency, description FROM layers.complaints WHERE agency <> 'DISHUB' "
                                   "ORDER BY fid LIMIT 1")).mappings().one()
        own = conn.execute(text("SELECT fid FROM layers.complaints WHERE agency = 'DISHUB' ORDER BY fid LIMIT 1")
                           ).scalar_one()
    s = logged_in(_user(engine, ["staff"], ["DISHUB"]))
    s.open(VIEW)
    s.page.wait_for_selector("body[data-editor=ready]")
    form = s.evaluate("Medan.editor.forms.complaints")
    agency = next(f for f in form["fields"] if f["name"] == "agency")
    assert agency["allowed"] == ["DISHUB"]  # the form offers only their own agency
    assert s.evaluate(OUTSIDE_EDIT, [theirs["fid"], {"description": "diubah dari luar"}]) == 404
    assert s.evaluate(OUTSIDE_EDIT, [own, {"agency": theirs["agency"]}]) == 403  # nor move their own out
    with engine.connect() as conn:
        row = conn.execute(text("SELECT description FROM layers.complaints WHERE fid = :f"), {"f": theirs["fid"]}).scalar_one()
        assert row == theirs["description"]
        assert conn.execute(text("SELECT agency FROM layers.complaints WHERE fid = :f"), {"f": own}).scalar_one() == "DISHUB"
    # On the map they are offered to edit their agency's reports only.
    s.open(f"/peta#map=16/3.59/98.68&layers=complaints&feature=complaints/{theirs['fid']}")
    s.page.wait_for_timeout(500)
    assert s.page.locator(".leaflet-popup .popup-edit").count() == 0


def test_a_staff_member_adds_a_point_on_a_phone(browser: Any, live_server: str, engine: Engine) -> None:
    """A phone-sized touch screen: the editor is a bottom sheet under the map, taps draw and save."""
    username = _user(engine, ["staff"], ["DPKPPR"])
    s = new_session(browser, live_server, viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    try:
        _login(s, username)
        page = s.open(VIEW)
        page.wait_for_selector("body[data-editor=ready]")
        page.tap("#edit-toggle")
        page.select_option("#edit-layer", "health_facilities")
        sheet = page.locator("#editor").bounding_box()
        assert sheet["x"] == 0 and sheet["width"] == 390 and sheet["y"] + sheet["height"] == 800  # a bottom sheet
        page.tap("#draw-button")
        lat, lon = SPOT[0] + 0.0008, SPOT[1] - 0.0008  # above the sheet, in the map's upper part
        page.touchscreen.tap(*_page_xy(s, lat, lon))
        page.wait_for_selector('#feature-form[data-layer="health_facilities"]')
        code = f"T{uuid.uuid4().hex[:8]}"
        page.fill("#edit-field-kode_faskes", code)
        page.fill("#edit-field-nama", "Puskesmas Uji")
        page.select_option("#edit-field-jenis", label="Puskesmas")
        page.tap("#feature-form button[type=submit]")
        fid = _saved_form(s, "health_facilities", 1)
        # The point is in the part of the map the sheet leaves visible.
        marker = page.locator(".leaflet-marker-icon").first.bounding_box()
        assert page.locator(".topbar").bounding_box()["height"] < 120  # the editor's button is not in the bar
        assert marker["y"] + marker["height"] < page.locator("#editor").bounding_box()["y"]
        row = get_feature(engine, "health_facilities", fid)
        assert row["properties"]["kode_faskes"] == code
        assert abs(row["geometry"]["coordinates"][0] - lon) < 5e-5 and abs(row["geometry"]["coordinates"][1] - lat) < 5e-5
        # Every control of the form is large enough to tap (44 px, WCAG 2.5.5).
        heights = page.locator("#feature-form button").evaluate_all("bs => bs.map(b => b.getBoundingClientRect().height)")
        assert min(heights) >= 44, heights
        s.screenshot("editor-phone")
        assert s.errors == [] and s.foreign_requests() == []
    finally:
        s.page.context.close()


def test_staff_draw_a_route_line_and_move_its_middle_vertex(logged_in: Any, engine: Engine) -> None:
    s = logged_in(_user(engine, ["staff"], ["DISHUB"]))
    page = s.open(VIEW)
    _open_editor(s, "transit_routes")
    assert page.inner_text("#draw-button") == "Gambar garis"
    page.click("#draw-button")
    lat, lon = SPOT
    points = [(lat, lon - 0.0010), (lat + 0.0004, lon), (lat, lon + 0.0010)]
    for point in [*points, points[-1]]:  # a tap on the last point again ends the line
        _click_map(s, *point)
    page.wait_for_selector('#feature-form[data-layer="transit_routes"]')
    page.fill("#edit-field-kode_trayek", f"T{uuid.uuid4().hex[:6]}")
    page.fill("#edit-field-nama", "Trayek uji")
    # A page left open past its CSRF token's life: the save fetches a fresh token and goes through.
    s.evaluate("Medan.editor.csrf = 'kedaluwarsa'")
    _save(s)
    fid = _saved_form(s, "transit_routes", 1)
    line = get_feature(engine, "transit_routes", fid)["geometry"]
    assert line["type"] == "MultiLineString" and len(line["coordinates"][0]) == 3
    middle = line["coordinates"][0][1]
    x, y = _page_xy(s, middle[1], middle[0])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 50, steps=8)
    page.mouse.up()
    _save(s)
    _saved_form(s, "transit_routes", 2)
    moved = get_feature(engine, "transit_routes", fid)["geometry"]["coordinates"][0]
    assert len(moved) == 3 and moved[0] == line["coordinates"][0][0] and moved[1][1] < middle[1] - 0.0002
    stale = [e for e in s.errors if "400 (BAD REQUEST)" not in e]  # the stale token's one refusal
    assert stale == [] and len(s.errors) == 1 and s.foreign_requests() == [], s.errors
