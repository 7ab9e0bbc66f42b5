"""Open311's staff API and the desk move reports through the service engine, as the declaration allows."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from services.complaints.records import find_complaint
from services.engine.model import Transition
from services.engine.registry import ServiceRegistry, get_services
from tests.helpers.accounts import PASSWORD, csrf_token, login
from tests.helpers.complaints import post_report
from webgis.accounts import manage


def _filed(web: FlaskClient) -> str:
    response = post_report(web)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def _audit(app: Flask, rid: str) -> list[tuple[str, str | None]]:
    with app.extensions["engine"].connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT kind, to_state FROM engine.case_events WHERE service = 'complaints' AND case_ref = :r ORDER BY id"),
            {"r": rid})]


def _desk(app: Flask) -> FlaskClient:
    name = f"e{uuid.uuid4().hex[:10]}"
    manage.create_user(app.extensions["engine"], "test", None, name, PASSWORD, roles=("staff",), agencies=("DPKPPR",))
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def test_an_illegal_step_through_open311_answers_409_and_changes_nothing(complaints_app: Flask, web: FlaskClient,
                                                                         staff_token) -> None:  # noqa: ANN001
    rid = _filed(web)
    dpkppr = {"Authorization": f"Bearer {staff_token('staff', agencies=('DPKPPR',))}"}
    before = find_complaint(complaints_app.extensions["engine"], rid)
    refused = web.post(f"/open311/staff/requests/{rid}/status", json={"status": "resolved", "note": "x"},
                       headers=dpkppr)
    assert refused.status_code == 409
    description = refused.get_json()["description"]
    assert "cannot become resolved" in description and "acknowledged, rejected" in description
    assert find_complaint(complaints_app.extensions["engine"], rid) == before
    assert _audit(complaints_app, rid) == [("submitted", "open")]
    done = web.post(f"/open311/staff/requests/{rid}/status", json={"status": "acknowledged"}, headers=dpkppr)
    assert done.status_code == 200
    assert _audit(complaints_app, rid) == [("submitted", "open"), ("transition", "acknowledged")]


def _choices(page: str) -> list[str]:
    select = re.search(r'<select name="status">(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]+)"', select)


def test_the_desk_offers_what_the_declaration_allows(complaints_app: Flask, web: FlaskClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rid = _filed(web)
    desk = _desk(complaints_app)
    page = f"/open311/staff/reports/{rid}"
    assert _choices(desk.get(page).get_data(as_text=True)) == ["acknowledged", "rejected"]
    spec = get_services().get("complaints")
    changed = spec.model_copy(update={"transitions": [
        *(t for t in spec.transitions if (t.source, t.to) != ("open", "rejected")),
        Transition.model_validate({"from": "open", "to": "in_progress", "roles": ["staff"],
                                   "label": {"id": "Langsung kerjakan", "en": "Start work at once"}})]})
    registry = ServiceRegistry([changed if s.id == "complaints" else s for s in get_services()])
    for module in ("services.engine.cases", "services.complaints.workflow"):
        monkeypatch.setattr(f"{module}.get_services", lambda: registry)
    shown = desk.get(page).get_data(as_text=True)
    assert _choices(shown) == ["acknowledged", "in_progress"]
    refused = desk.post(page + "/status", data={"status": "rejected", "csrf_token": csrf_token(desk, page)})
    assert refused.status_code == 409 and "cannot become rejected" in refused.get_data(as_text=True)
    moved = desk.post(page + "/status", data={"status": "in_progress", "csrf_token": csrf_token(desk, page)})
    assert moved.status_code == 303
    assert find_complaint(complaints_app.extensions["engine"], rid)["status"] == "in_progress"


def test_the_engines_pages_know_complaints(complaints_app: Flask, web: FlaskClient) -> None:
    rid = _filed(web)
    apply = web.get("/layanan/complaints")
    assert apply.status_code == 302 and apply.headers["Location"].startswith("/lapor")  # filed at its own page
    queue = _desk(complaints_app).get("/meja/complaints")
    assert queue.status_code == 200 and rid in queue.get_data(as_text=True)
