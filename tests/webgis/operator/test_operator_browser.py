"""The operator map in real Chromium: devices coloured by status, an alarm clickable and acknowledged.

The data is made first (simulator + poller with asyncio.run); Playwright starts only
afterwards and stops at the end of the test, because a live sync Playwright keeps an
event loop in this thread that would break asyncio.run in later device tests.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from devices.alarms import list_alarms
from devices.rules import load_rules
from devices.simulator import FleetEntry
from layers import read_layer, update_feature
from layers.db import engine_for
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.operator import PASSWORD, build_app, poll_until, readdress
from webgis.accounts import manage
from webgis.assets import assets_present

COLOURS = {"online": "#1a9641", "offline": "#636363", "alarm": "#d7191c"}


@pytest.fixture
def scene(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """A light online, an ATCS controller in alarm, a camera offline (its address answers nothing)."""
    port, dead = ports(2)
    engine = engine_for(isolated_database_url)
    records = readdress(engine, port, ("lpju_solar_v1", "atcs_controller_v1", "cctv_ipcam_v1"))
    camera = records["cctv_ipcam_v1"]
    fid = int(read_layer(engine, camera.layer, where={"kode": camera.code}, columns=[]).index[0])
    update_feature(engine, camera.layer, fid, {"type": "Feature", "properties": {"modbus_port": dead}},
                   actor="test:setup", partial=True)
    records["cctv_ipcam_v1"] = camera = camera.__class__(**{**camera.__dict__, "port": dead})
    sim = simulator([FleetEntry(port, 1, "lpju_solar_v1"), FleetEntry(port, 2, "atcs_controller_v1")])
    sim.force(port, 1, "battery_soc", 70.0)
    for approach in ("north", "east", "south", "west"):
        sim.force(port, 2, f"queue_{approach}", 5.0)
    sim.force(port, 2, "controller_fault", 1)

    def ready(_sink: object) -> bool:
        with engine.connect() as conn:
            from sqlalchemy import text

            offline = conn.execute(text("SELECT count(*) FROM devices.device_state WHERE status = 'offline'")).scalar()
        return offline == 1 and any(a["rule"] == "controller_fault" for a in list_alarms(engine))

    # The shipped rules: the camera is offline, but not yet for the 5 minutes its alarm waits.
    poll_until(engine, list(records.values()), ready, rules=load_rules())
    manage.create_user(engine, "test", None, "ani_operator", PASSWORD, roles=["operator"])
    with serving(build_app(isolated_database_url)) as base:
        yield base, records, engine


def test_the_operator_map_colours_devices_and_an_alarm_flies_to_its_device(scene) -> None:  # noqa: ANN001
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    base, records, engine = scene
    light, atcs, camera = (records[m] for m in ("lpju_solar_v1", "atcs_controller_v1", "cctv_ipcam_v1"))
    with launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        page.goto(base + "/operator/")
        assert "/login" in page.url
        page.fill("input[name=username]", "ani_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        page.reload()  # the login page (not this suite's) asks for a /favicon.ico it lacks
        page.wait_for_selector("body[data-ready=true]")
        s.errors.clear()
        for record, status in ((light, "online"), (atcs, "alarm"), (camera, "offline")):
            marker = page.locator(f'path[data-device="{record.device_id}"]')
            assert marker.get_attribute("data-status") == status, record.device_id
            assert marker.get_attribute("fill") == COLOURS[status]
        assert page.locator('[data-count="alarm"]').inner_text() == "1"
        # The backdrop: every kelurahan outline from the platform's own layer, nothing from outside.
        page.wait_for_selector("body[data-boundaries]")
        with engine.connect() as conn:
            kelurahan = conn.execute(text("SELECT count(*) FROM layers.kelurahan")).scalar_one()
        assert int(page.get_attribute("body", "data-boundaries")) == kelurahan > 100
        assert page.locator(".leaflet-boundaries-pane path").count() == kelurahan
        item = page.locator("#alarms li", has_text=atcs.code)
        item.locator(".alarm-link").click()
        page.wait_for_selector(f'body[data-selected="{atcs.device_id}"]')
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert atcs.name in popup.inner_text()
        href = popup.locator("a").get_attribute("href")
        assert href.endswith(f"/operator/devices/{atcs.layer}/{atcs.code}")
        item.locator("button.ack").click()
        page.wait_for_function("() => !document.querySelector('#alarms button.ack')")
        assert list_alarms(engine, device=atcs.device_id)[0]["acknowledged_by"] == "user:ani_operator"
        # The device page: latest values with units, a chart, the command form.
        page.goto(base + href)
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator('#values tr[data-point="cycle_time"] td').nth(2).inner_text() == "s"
        page.wait_for_selector("svg.chart")
        assert s.errors == [] and missing == [] and s.foreign_requests() == [], (s.errors, missing)
