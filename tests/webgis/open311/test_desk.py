"""The staff desk's pages through the test client: who sees what, filters, overdue, the forms with CSRF and audit.

The same desk in Chromium is test_desk_browser.py.
"""

from __future__ import annotations

import io
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.complaints.records import find_complaint
from tests.helpers.accounts import PASSWORD, audit_events, csrf_token, login
from tests.helpers.complaints import backdate_report, image_bytes, post_report
from webgis.accounts import manage

DESK = "/open311/staff/"


@pytest.fixture
def staff_user(complaints_app: Flask):  # noqa: ANN201
    def make(*agencies: str, roles: tuple[str, ...] = ("staff",)) -> str:
        name = f"d{uuid.uuid4().hex[:10]}"
        manage.create_user(complaints_app.extensions["engine"], "test", None, name, PASSWORD, roles=roles,
                           agencies=agencies)
        return name

    return make


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _filed(web: FlaskClient, **fields: str) -> str:
    response = post_report(web, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def _backdate(app: Flask, rid: str, days: int) -> None:
    """Make a report `days` old (the workflow never moves requested_datetime; only a test does)."""
    backdate_report(app.extensions["engine"], rid, days)


def test_visitors_log_in_first_and_only_staff_get_the_desk(complaints_app: Flask, staff_user) -> None:  # noqa: ANN001
    anonymous = complaints_app.test_client().get(DESK)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=/open311/staff/")
    citizen = _client(complaints_app, staff_user(roles=("citizen",)))
    assert citizen.get(DESK).status_code == 403
    assert _client(complaints_app, staff_user("DPKPPR")).get(DESK).status_code == 200


def test_an_agency_sees_its_queue_only_and_filters_it(complaints_app: Flask, web: FlaskClient, staff_user) -> None:  # noqa: ANN001
    lamp = _filed(web)  # LAMPU_JALAN in Medan Barat: DPKPPR
    waste = _filed(web, service_code="SAMPAH", **{"attribute[KONDISI]": None, "attribute[HARI_TIDAK_DIANGKUT]": "4"})
    _backdate(complaints_app, lamp, 10)  # LAMPU_JALAN's target is 7 days: overdue
    desk = _client(complaints_app, staff_user("DPKPPR"))
    page = desk.get(DESK).get_data(as_text=True)
    assert f'data-id="{lamp}"' in page and f'data-id="{waste}"' not in page
    row = re.search(rf'<tr data-id="{lamp}"[^>]*>', page).group(0)
    assert 'data-overdue="true"' in row and 'class="overdue"' in row
    assert "lewat tenggat / overdue" in page
    # Filters: status, kelurahan, age, overdue only; each narrows the list the server renders.
    assert f'data-id="{lamp}"' not in desk.get(DESK + "?status=resolved").get_data(as_text=True)
    assert f'data-id="{lamp}"' in desk.get(DESK + "?status=open&status=acknowledged").get_data(as_text=True)
    assert f'data-id="{lamp}"' in desk.get(DESK + "?kelurahan=12.71.05.1002").get_data(as_text=True)
    assert f'data-id="{lamp}"' not in desk.get(DESK + "?kelurahan=12.71.01.1001").get_data(as_text=True)
    assert f'data-id="{lamp}"' in desk.get(DESK + "?older_than_days=7").get_data(as_text=True)
    assert f'data-id="{lamp}"' not in desk.get(DESK + "?older_than_days=14").get_data(as_text=True)
    fresh = _filed(web)
    overdue_only = desk.get(DESK + "?overdue=1").get_data(as_text=True)
    assert f'data-id="{lamp}"' in overdue_only and f'data-id="{fresh}"' not in overdue_only
    # Bad filters: a 400 naming the problem.
    for query, words in (("status=pending", "status: unknown pending"), ("older_than_days=-3", "older_than_days"),
                         ("overdue=maybe", "overdue")):
        response = desk.get(DESK + "?" + query)
        assert response.status_code == 400 and words in response.get_data(as_text=True), query
    # The JSON queue takes the same filters and says which reports are overdue.
    # An admin picks an agency from those the categories name.
    admin = _client(complaints_app, staff_user(roles=("admin",)))
    assert re.search(r"<option\s*>DISHUB</option>", admin.get(DESK).get_data(as_text=True))
    only_dlh = admin.get(DESK + "?agency=DLH").get_data(as_text=True)
    assert f'data-id="{waste}"' in only_dlh and f'data-id="{lamp}"' not in only_dlh
    listed = desk.get("/open311/staff/queue?overdue=1").get_json()["requests"]
    assert lamp in [r["service_request_id"] for r in listed] and all(r["overdue"] for r in listed)


def test_another_agency_cannot_open_a_report_nor_read_its_internal_note(complaints_app: Flask, web: FlaskClient,
                                                                        staff_user) -> None:  # noqa: ANN001
    rid = _filed(web)
    owner = _client(complaints_app, staff_user("DPKPPR"))
    page = f"{DESK}reports/{rid}"
    form = {"note": "Kunci panel di Pak RT no. 7", "visibility": "internal", "csrf_token": csrf_token(owner, page)}
    assert owner.post(page + "/comment", data=form).status_code == 303
    assert "Kunci panel di Pak RT no. 7" in owner.get(page).get_data(as_text=True)
    other = _client(complaints_app, staff_user("DISHUB"))
    refused = other.get(page)
    assert refused.status_code == 403 and "Pak RT" not in refused.get_data(as_text=True)
    assert rid not in other.get(DESK).get_data(as_text=True)
    token = csrf_token(other, DESK)
    posted = other.post(page + "/status", data={"status": "acknowledged", "csrf_token": token})
    assert posted.status_code == 403 and "Pak RT" not in posted.get_data(as_text=True)
    assert find_complaint(complaints_app.extensions["engine"], rid)["status"] == "open"


def test_the_forms_change_the_report_with_csrf_and_audit(complaints_app: Flask, web: FlaskClient,
                                                         staff_user) -> None:  # noqa: ANN001
    engine = complaints_app.extensions["engine"]
    rid = _filed(web)
    username = staff_user("DPKPPR")
    desk = _client(complaints_app, username)
    page = f"{DESK}reports/{rid}"
    # Without the session's CSRF token nothing changes.
    assert desk.post(page + "/status", data={"status": "acknowledged"}).status_code == 400
    assert find_complaint(engine, rid)["status"] == "open"
    token = csrf_token(desk, page)
    done = desk.post(page + "/status", data={"status": "acknowledged", "note": "Diterima, dijadwalkan.",
                                             "visibility": "public", "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/reports/{rid}?done=status")
    assert desk.post(page + "/assign", data={"assignee": "Tim LPJU 2", "csrf_token": token}).status_code == 303
    row = find_complaint(engine, rid)
    assert (row["status"], row["status_notes"], row["assigned_to"]) == ("acknowledged", "Diterima, dijadwalkan.",
                                                                       "Tim LPJU 2")
    shown = desk.get(page + "?done=assign").get_data(as_text=True)
    assert "Petugas ditetapkan" in shown and f"user:{username}" in shown  # the history names who did it
    events = {e["event"] for e in audit_events(complaints_app, actor=f"user:{username}")}
    assert {"complaint.status", "complaint.assign"} <= events
    # A step the workflow does not allow: the page again with the reason, at 409, nothing changed.
    refused = desk.post(page + "/status", data={"status": "closed", "csrf_token": token})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "cannot become closed" in text and 'id="status-form"' in text
    assert find_complaint(engine, rid)["status"] == "acknowledged"
    empty = desk.post(page + "/comment", data={"note": "  ", "csrf_token": token})
    assert empty.status_code == 400 and "note: empty" in empty.get_data(as_text=True)


def test_a_report_page_shows_its_photo_when_it_has_one(complaints_app: Flask, web: FlaskClient, staff_user) -> None:  # noqa: ANN001
    with_photo = _filed(web, media=(io.BytesIO(image_bytes()), "foto.jpg"))
    without = _filed(web)
    desk = _client(complaints_app, staff_user("DPKPPR"))
    page = desk.get(f"{DESK}reports/{with_photo}").get_data(as_text=True)
    src = re.search(r'<img id="photo" src="([^"]+)"', page).group(1)
    photo = desk.get(src)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert 'id="no-photo"' in desk.get(f"{DESK}reports/{without}").get_data(as_text=True)


@pytest.mark.parametrize(("roles", "agencies", "lands"), [
    (("operator",), (), "/operator/"),
    (("staff",), ("DPKPPR",), "/open311/staff/"),
    (("admin",), (), "/admin/users"),
    (("citizen",), (), "/peta"),
    (("planner",), (), "/katalog"),
    (("staff", "operator"), ("DISHUB",), "/operator/"),
])
def test_logging_in_lands_each_role_on_its_own_desk(complaints_app: Flask, staff_user, roles, agencies,  # noqa: ANN001
                                                    lands) -> None:
    username = staff_user(*agencies, roles=roles)
    client = complaints_app.test_client()
    response = login(client, username)
    assert response.status_code == 302 and response.headers["Location"] == lands
    assert client.get(lands).status_code == 200
    # A safe `next` still wins; an unsafe one falls back to the desk, never to another site.
    client = complaints_app.test_client()
    assert login(client, username, next_url="/account").headers["Location"] == "/account"
    client = complaints_app.test_client()
    assert login(client, username, next_url="//evil.example/x").headers["Location"] == lands
