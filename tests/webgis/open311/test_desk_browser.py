"""The staff desk in real Chromium, as a staff member of one agency: log in, land on the queue, map and list,
overdue highlighted, filter, open a report (photo, history), change status, note, assign; another agency's
report and internal note stay out of sight."""

from __future__ import annotations

import io
import uuid

import pytest
from flask import Flask

from services.complaints import workflow
from services.complaints.records import find_complaint
from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.complaints import backdate_report, image_bytes, post_report
from webgis.accounts import manage
from webgis.accounts.store import get_user
from webgis.assets import assets_present

pytestmark = pytest.mark.browser


def _filed(web, **fields) -> str:  # noqa: ANN001
    response = post_report(web, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def _backdate(engine, rid: str, days: int) -> None:  # noqa: ANN001
    backdate_report(engine, rid, days)


@pytest.fixture
def desk_scene(complaints_app: Flask):  # noqa: ANN201
    engine = complaints_app.extensions["engine"]
    web = complaints_app.test_client()
    late = _filed(web, media=(io.BytesIO(image_bytes()), "foto.jpg"))  # street light: DPKPPR
    _backdate(engine, late, 12)  # its target is 7 days
    fresh = _filed(web)
    signal = _filed(web, service_code="LAMPU_LALU_LINTAS")  # DISHUB (KONDISI mati fits it too)
    suffix = uuid.uuid4().hex[:6]
    mine, theirs = f"siti{suffix}", f"budi{suffix}"
    manage.create_user(engine, "test", None, mine, PASSWORD, roles=["staff"], agencies=["DPKPPR"])
    manage.create_user(engine, "test", None, theirs, PASSWORD, roles=["staff"], agencies=["DISHUB"])
    dishub = get_user(engine, username=theirs).principal()
    workflow.comment(engine, signal, "Rahasia DISHUB: kabel dicuri lagi", dishub, public=False)
    with serving(complaints_app) as base:
        yield base, mine, late, fresh, signal, engine


def test_a_staff_member_works_the_queue_of_their_agency_only(desk_scene) -> None:  # noqa: ANN001
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    base, username, late, fresh, signal, engine = desk_scene
    with launched_chromium() as chromium:
        s = new_session(chromium, base)
        page = s.page
        page.goto(base + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        assert page.url == base + "/open311/staff/"  # staff land on their queue
        s.errors.clear()  # the login page (not this suite's) asks for a /favicon.ico it lacks
        rows = page.locator("#queue tbody tr[data-id]")
        ids = rows.evaluate_all("rows => rows.map(r => r.dataset.id)")
        assert late in ids and fresh in ids and signal not in ids
        assert int(page.get_attribute("body", "data-markers")) == len(ids)
        assert page.locator("path[data-report]").count() == len(ids)
        # Overdue: highlighted in the list and ringed on the map, counted in the summary.
        assert "overdue" in page.locator(f'#queue tr[data-id="{late}"]').get_attribute("class")
        assert "overdue" not in (page.locator(f'#queue tr[data-id="{fresh}"]').get_attribute("class") or "")
        ring = page.locator(f'path[data-report="{late}"]')
        assert ring.get_attribute("data-overdue") == "true" and ring.get_attribute("stroke") == "#b30000"
        assert int(page.locator('[data-count="overdue"]').inner_text()) >= 1
        s.screenshot("desk-queue")
        # Filter: overdue only keeps the late report, drops the fresh one.
        page.check("input[name=overdue]")
        page.click("form.filters button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        filtered = page.locator("#queue tbody tr[data-id]").evaluate_all("rows => rows.map(r => r.dataset.id)")
        assert late in filtered and fresh not in filtered and "overdue=1" in page.url
        # A marker's popup leads to its report (reports filed at one spot overlap: any of them will do).
        page.locator(f'path[data-report="{late}"]').click(force=True)
        link = page.locator(".leaflet-popup-content a")
        assert link.get_attribute("href").startswith("/open311/staff/reports/MDN-")
        assert page.locator("#queue tr.selected").count() == 1  # and its row is picked out in the list
        page.locator(f'#queue tr[data-id="{late}"] a').click()
        page.wait_for_selector("body.desk-report[data-ready=true]")
        assert page.locator("#due").get_attribute("class") == "overdue-text"
        assert page.evaluate("() => document.getElementById('photo').naturalWidth") == 64
        # Status with a public note, an internal note, an assignee: each a form with the CSRF token.
        page.select_option("#status-form select[name=status]", "acknowledged")
        page.fill("#status-form textarea[name=note]", "Tim akan datang besok.")
        page.click("#status-form button[type=submit]")
        page.wait_for_selector(".message")
        assert page.locator("#status").get_attribute("data-status") == "acknowledged"
        page.fill("#comment-form textarea[name=note]", "Tiang miring, bawa tangga besar.")
        page.click("#comment-form button[type=submit]")
        page.wait_for_selector(".message")
        page.fill("#assign-form input[name=assignee]", "Regu LPJU 4")
        page.click("#assign-form button[type=submit]")
        page.wait_for_selector(".message")
        assert page.locator("#assignee").inner_text() == "Regu LPJU 4"
        history = page.locator("#history").inner_text()
        s.screenshot("desk-report")
        assert "Tim akan datang besok." in history and "Tiang miring" in history and f"user:{username}" in history
        row = find_complaint(engine, late)
        assert (row["status"], row["internal_notes"], row["assigned_to"]) == (
            "acknowledged", "Tiang miring, bawa tangga besar.", "Regu LPJU 4")
        assert s.errors == [] and s.foreign_requests() == [], (s.errors, s.foreign_requests())
        # Another agency's report: refused, and its internal note is nowhere.
        response = page.goto(f"{base}/open311/staff/reports/{signal}")
        assert response.status == 403
        assert "Rahasia DISHUB" not in page.content()
        response = page.goto(f"{base}/open311/staff/queue?f=json")
        assert signal not in page.content() and "Rahasia" not in page.content()
