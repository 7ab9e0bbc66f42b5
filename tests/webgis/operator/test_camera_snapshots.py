"""CCTV: each camera's snapshot and stream address, the snapshot fetched by the app from the device network only."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text

from devices.alarms import list_alarms
from devices.registry import read_fleet
from devices.simcamera import colour_bars_png
from devices.simulator import FleetEntry
from devices.snapshots import SnapshotRefused, camera_media, fetch_snapshot
from layers import read_layer, update_feature
from layers.db import engine_for
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.modbus import CameraThread
from tests.helpers.operator import PASSWORD, build_app, poll_until, readdress, user_client
from webgis.accounts import manage
from webgis.assets import assets_present

TOKEN = {"Authorization": "Bearer test-token"}


@pytest.fixture
def camera_scene(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """A camera on the simulator whose tamper alarm is on, its snapshot served by the simulator's camera server."""
    modbus_port, http_port = ports(2)
    engine = engine_for(isolated_database_url)
    camera = readdress(engine, modbus_port, ("cctv_ipcam_v1",))["cctv_ipcam_v1"]
    fid = int(read_layer(engine, camera.layer, where={"kode": camera.code}, columns=[]).index[0])
    update_feature(engine, camera.layer, fid, {"type": "Feature", "properties": {
        "snapshot_url": f"http://127.0.0.1:{http_port}/snapshot/{camera.code}.png",
        "stream_url": f"rtsp://127.0.0.1:8554/{camera.code}"}}, actor="test:setup", partial=True)
    sim = simulator([FleetEntry(modbus_port, 1, "cctv_ipcam_v1")])
    sim.force(modbus_port, 1, "tamper_alarm", 1)
    poll_until(engine, [camera], lambda _s: any(a["rule"] == "tamper" for a in list_alarms(engine)))
    with CameraThread(http_port) as cameras:
        yield engine, camera, fid, cameras, build_app(isolated_database_url)


def test_the_snapshot_comes_through_the_app_for_operators_only(camera_scene) -> None:  # noqa: ANN001
    engine, camera, fid, cameras, app = camera_scene
    url = f"/operator/api/devices/{camera.layer}/{camera.code}/snapshot"
    operator, _ = user_client(app, "operator")
    got = operator.get(url)
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert got.get_data() == colour_bars_png() and cameras.requests == 1
    assert app.test_client().get(url).status_code == 401
    citizen, _ = user_client(app, "citizen")
    assert citizen.get(url).status_code == 403 and cameras.requests == 1
    # The tamper alarm references the camera's snapshot.
    alarms = operator.get(f"/operator/api/devices/{camera.layer}/{camera.code}").get_json()["alarms"]
    assert [a["snapshot"] for a in alarms if a["rule"] == "tamper"] == [url]
    # The addresses are private to operators: the public collection does not show them.
    public = app.test_client().get(f"/collections/{camera.layer}/items/{fid}").get_data(as_text=True)
    assert "snapshot_url" not in public and "8554" not in public


REFUSED = ["http://93.184.216.34/snapshot.png", "http://camera.example.com/snap.png",
           "http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "ftp://10.0.0.5/snap.png",
           "http://[::ffff:8.8.8.8]/snap.png"]


def test_a_snapshot_address_outside_the_device_networks_is_refused(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    camera = next(r for r in read_fleet(engine) if r.model == "cctv_ipcam_v1")
    fid = int(read_layer(engine, camera.layer, where={"kode": camera.code}, columns=[]).index[0])
    app = build_app(isolated_database_url)
    client, path = app.test_client(), f"/collections/{camera.layer}/items/{fid}"
    operator, _ = user_client(app, "operator")
    seeded = camera_media(engine, camera.layer, camera.code)["snapshot_url"]
    for address in REFUSED:
        etag = client.get(path, headers=TOKEN).headers["ETag"]
        answer = client.patch(path, data=orjson.dumps({"properties": {"snapshot_url": address}}),
                              content_type="application/merge-patch+json", headers={**TOKEN, "If-Match": etag})
        assert answer.status_code == 400, (address, answer.get_data(as_text=True))
        assert "allowed networks" in answer.get_data(as_text=True)
        assert camera_media(engine, camera.layer, camera.code)["snapshot_url"] == seeded  # nothing changed
        # A row written around the API is refused at fetch time too: nothing is fetched.
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE layers.{camera.layer} SET snapshot_url = :u WHERE kode = :k"),
                         {"u": address, "k": camera.code})
        with pytest.raises(SnapshotRefused):
            fetch_snapshot(engine, camera.layer, camera.code)
        refused = operator.get(f"/operator/api/devices/{camera.layer}/{camera.code}/snapshot")
        assert refused.status_code == 409 and "allowed networks" in refused.get_data(as_text=True), address
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE layers.{camera.layer} SET snapshot_url = :u WHERE kode = :k"),
                         {"u": seeded, "k": camera.code})


@pytest.mark.browser
def test_the_device_page_shows_the_camera_snapshot_and_the_alarm_links_it(camera_scene) -> None:  # noqa: ANN001
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine, camera, _fid, cameras, app = camera_scene
    manage.create_user(engine, "test", None, "budi_operator", PASSWORD, roles=["operator"])
    with serving(app) as base, launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + f"/operator/devices/{camera.layer}/{camera.code}")
        assert "/login" in page.url
        page.fill("input[name=username]", "budi_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.reload()  # the login page asks for a /favicon.ico this suite's app lacks
        page.wait_for_selector("body[data-ready=true]")
        s.errors.clear()
        page.wait_for_function("() => { const i = document.getElementById('snapshot'); "
                               "return i && i.complete && i.naturalWidth === 320; }")
        assert page.locator("#stream-url").inner_text() == f"rtsp://127.0.0.1:8554/{camera.code}"
        link = page.locator("#alarms li a.alarm-snapshot").first
        assert link.get_attribute("href").endswith(f"/{camera.code}/snapshot")
        before = cameras.requests
        page.click("#snapshot-refresh")
        page.wait_for_function("() => { const i = document.getElementById('snapshot'); "
                               "return i.src.includes('?t=') && i.complete && i.naturalWidth === 320; }")
        assert cameras.requests == before + 1
        assert s.errors == [] and s.foreign_requests() == [], s.errors
