"""The operator map's legend, filters by device type and status, search by code, and titles in Bahasa
Indonesia, in real Chromium; an operator lands on /operator/ after logging in.

The scene (a light online, an ATCS controller in alarm, a camera offline) is test_operator_browser.py's.
"""

from __future__ import annotations

import re

import pytest

from layers.registry import get_registry
from tests.helpers.browser import launched_chromium, new_session
from tests.helpers.operator import PASSWORD
from tests.webgis.operator.test_operator_browser import scene  # noqa: F401  (the shared fixture)
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
# An English word of a point name (green_north, queue_east ...) or a point name itself.
ENGLISH = re.compile(r"\b(north|east|south|west)\b|\b[a-z]+_[a-z_]+\b")


def _markers(page) -> dict[str, str]:  # noqa: ANN001
    return page.locator("path.device-marker").evaluate_all(
        "paths => Object.fromEntries(paths.map(p => [p.dataset.device, p.dataset.status]))")


def test_legend_filters_search_and_titles(scene) -> None:  # noqa: ANN001, F811
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    base, records, engine = scene
    light, atcs, camera = (records[m] for m in ("lpju_solar_v1", "atcs_controller_v1", "cctv_ipcam_v1"))
    with launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + "/login")
        page.fill("input[name=username]", "ani_operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        assert page.url == base + "/operator/"  # an operator lands on the device map
        s.errors.clear()  # the login page (not this suite's) asks for a /favicon.ico it lacks
        everything = _markers(page)
        assert everything[light.device_id] == "online" and everything[atcs.device_id] == "alarm"
        assert page.locator("#shown").inner_text() == str(len(everything))
        # The legend names every device type by its declaration's title, with a box that filters it.
        for layer in {r.layer for r in records.values()}:
            label = page.locator(f'#type-filter label[data-type="{layer}"]')
            assert get_registry().get(layer).title.id in label.inner_text()
        page.uncheck(f'#type-filter input[value="{light.layer}"]')
        left = _markers(page)
        assert light.device_id not in left and atcs.device_id in left
        assert all(not d.startswith(light.layer + "/") for d in left)
        page.check(f'#type-filter input[value="{light.layer}"]')
        page.uncheck('#status-filter input[value="offline"]')
        left = _markers(page)
        assert camera.device_id not in left and "offline" not in left.values()
        assert page.locator("#shown").inner_text() == str(len(left))
        # Search by code, in any case: a hidden device is shown again and its popup opened.
        page.uncheck('#status-filter input[value="alarm"]')
        assert atcs.device_id not in _markers(page)
        page.fill("#find-code", atcs.code.lower())
        page.click("#find button[type=submit]")
        page.wait_for_selector(f'body[data-selected="{atcs.device_id}"]')
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert atcs.name in popup.inner_text() and get_registry().get(atcs.layer).title.id in popup.inner_text()
        assert page.locator('#status-filter input[value="alarm"]').is_checked()
        s.screenshot("operator-map-tools")
        page.fill("#find-code", "TIDAK-ADA-999")
        page.click("#find button[type=submit]")
        assert "Tidak ada perangkat" in page.locator("#find-result").inner_text()
        # The alarm text names the point by its title.
        alarms = page.locator("#alarms").inner_text()
        assert "Pengendali gagal uji mandiri: Gangguan pengendali" in alarms and "kritis" in alarms
        # The device page: values and the command form by title, never a bare point name.
        page.goto(f"{base}/operator/devices/{atcs.layer}/{atcs.code}")
        page.wait_for_selector("body[data-ready=true]")
        row = page.locator('#values tr[data-point="green_north"] td').first.inner_text()
        assert row.startswith("Waktu hijau lengan utara")
        options = page.locator("#command-point option").all_inner_texts()
        assert "Waktu hijau lengan utara (s)" in options and not any(ENGLISH.search(o) for o in options)
        page.select_option("#command-point", "green_north")
        page.fill("#command-value", "30")
        page.click("#command-form button[type=submit]")
        question = page.locator("#command-question")
        question.wait_for()
        assert question.inner_text().startswith("Tulis / Write Waktu hijau lengan utara = 30 s")
        page.click("#command-no")
        page.select_option("#command-point", "signal_plan")
        page.fill("#command-value", "9")  # within the field's bounds, outside the map's allowed plans
        page.click("#command-form button[type=submit]")
        page.wait_for_selector("#command-result.error")
        assert "Rencana sinyal (signal_plan): 9.0 not in allowed" in page.locator("#command-result").inner_text()
        unexpected = [e for e in s.errors if "status of 400" not in e]  # the refused command's own answer
        assert unexpected == [] and s.foreign_requests() == [], (s.errors, s.foreign_requests())
