"""The control room in real Chromium: a device's communication section, and the wall map.

As in test_operator_browser.py, the data is made first (simulator + poller) and
Playwright starts only afterwards.
"""

from __future__ import annotations

import pytest

from devices.alarms import acknowledge, list_alarms
from devices.simulator import FleetEntry
from layers import read_layer, update_feature
from layers.db import engine_for
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.operator import PASSWORD, build_app, poll_until, readdress
from webgis.accounts import manage
from webgis.assets import assets_present

RANK = {"critical": 0, "warning": 1, "info": 2}


@pytest.fixture
def control_room(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """An ATCS controller with a critical and a warning alarm; a camera whose address refuses (offline, alarmed)."""
    port, dead = ports(2)
    engine = engine_for(isolated_database_url)
    records = readdress(engine, port, ("atcs_controller_v1", "cctv_ipcam_v1"))
    camera = records["cctv_ipcam_v1"]
    fid = int(read_layer(engine, camera.layer, where={"kode": camera.code}, columns=[]).index[0])
    update_feature(engine, camera.layer, fid, {"type": "Feature", "properties": {"modbus_port": dead}},
                   actor="test:setup", partial=True)
    records["cctv_ipcam_v1"] = camera.__class__(**{**camera.__dict__, "port": dead})
    sim = simulator([FleetEntry(port, 1, "atcs_controller_v1")])
    for approach in ("north", "east", "south", "west"):
        sim.force(port, 1, f"queue_{approach}", 5.0)
    sim.force(port, 1, "controller_fault", 1)
    sim.force(port, 1, "detector_fault", 1)

    def ready(_sink: object) -> bool:
        return {a["rule"] for a in list_alarms(engine)} >= {"controller_fault", "detector_fault", "offline"}

    poll_until(engine, list(records.values()), ready)  # quick rules: alarms within a second
    manage.create_user(engine, "test", None, "wati_operator", PASSWORD, roles=["operator"])
    with serving(build_app(isolated_database_url)) as base:
        yield base, records, engine


def test_device_communication_section_and_the_wall_map(control_room) -> None:  # noqa: ANN001
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    base, records, engine = control_room
    atcs, camera = records["atcs_controller_v1"], records["cctv_ipcam_v1"]
    with launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + f"/operator/devices/{camera.layer}/{camera.code}")
        page.fill("input[name=username]", "wati_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("#diagnostics[data-ready=true]")
        s.errors.clear()
        # The camera's link refused every request: counted, and it is offline right now.
        assert page.locator('#polling tr[data-key="interval_s"] td').inner_text() == "0.2 dtk"
        assert "bawaan poller" in page.locator('#polling tr[data-key="timeout_s"] td').inner_text()
        connection = int(page.locator('#comm tr[data-key="connection"] td').inner_text().replace(",", ""))
        assert connection >= 2 and page.locator('#comm tr[data-key="ok"] td').inner_text() == "0"
        assert page.locator("#offline-periods tr.ongoing").count() == 1
        assert "masih terputus" in page.locator("#offline-periods tr.ongoing").inner_text()
        bars = page.locator("svg.availability rect")
        assert bars.count() == 30
        today = bars.nth(29)
        assert today.get_attribute("class") == "low" and float(today.get_attribute("data-availability")) < 100
        assert page.locator("#availability-months tr").count() == 1
        # The wall: no top bar, the map and the list fill the screen, alarms by priority, then offline devices.
        page.goto(base + "/operator/wall")
        page.wait_for_selector("body[data-ready=true]")
        assert not page.locator("header.topbar").is_visible()
        box = page.locator("main.wall").bounding_box()
        assert box["height"] == 800 and box["width"] == 1280
        severities = page.locator("#wall-alarms li").evaluate_all("items => items.map(li => li.dataset.severity)")
        assert len(severities) >= 3 and severities == sorted(severities, key=RANK.get), severities
        assert page.locator(f'#wall-offline li[data-device="{camera.device_id}"]').count() == 1
        assert page.locator(f'path[data-device="{atcs.device_id}"]').get_attribute("data-status") == "alarm"
        # It refreshes itself: an acknowledgement made elsewhere shows without a click.
        critical = next(a for a in list_alarms(engine, device=atcs.device_id) if a["rule"] == "controller_fault")
        acknowledge(engine, critical["id"], "user:elsewhere")
        page.wait_for_selector(f'#wall-alarms li[data-alarm="{critical["id"]}"].acknowledged', timeout=12_000)
        assert int(page.get_attribute("body", "data-refreshes")) >= 2
        # Unacknowledged before acknowledged within one priority.
        first = page.locator("#wall-alarms li").first
        assert first.get_attribute("data-severity") == "critical" and "open" in first.get_attribute("class")
        assert s.errors == [] and s.foreign_requests() == [], s.errors
