"""The agencies' workflow at /open311/staff/: queue, detail, assign, comment, status, photo.

JSON in, JSON out; errors in the app's usual JSON form (webgis/errors.py). The pages
of the same desk are desk.py; both read the queue through services/complaints/desk.py
and record every write in the audit log as well as in the reports' history.
Staff log in (session, then CSRF applies to writes) or send a Bearer token;
the service decides per report whether the principal's agencies cover it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from layers.access import Principal
from services.complaints import desk, open311, workflow
from services.complaints.records import NotFound as ReportNotFound
from services.complaints.records import now_utc
from services.engine import media
from webgis.accounts.principal import audit_event, deny, principal_from_request
from webgis.errors import BadRequest

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


@blueprint.before_request
def _staff_only() -> None:
    if not principal_from_request().has_any(workflow.STAFF_ROLES):
        raise deny("the complaints workflow is for staff of the agencies (SKPD)")


def _staff() -> Principal:
    return principal_from_request()


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        body = request.form.to_dict()
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def _flag(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


def _full(row: dict[str, Any]) -> dict[str, Any]:
    """A report for staff: the Open311 record plus the internal fields and tags."""
    record = open311.request_record(row, staff=True)
    record.update({
        "internal_status": row["status"], "kode_kel": row["kode_kel"], "nama_kel": row["nama_kel"],
        "nama_kec": row["nama_kec"], "risk_class": row["risk_class"], "nearest_device": row["nearest_device"],
        "device_distance_m": row["device_distance_m"], "device_alarm": row["device_alarm"],
        "supporters": row["supporters"], "assigned_to": row["assigned_to"], "internal_notes": row["internal_notes"],
        "attributes": json.loads(row["attributes"]) if row["attributes"] else {},
        "contact": {"name": row["contact_name"], "email": row["contact_email"], "phone": row["contact_phone"]},
        "has_photo": bool(row["media"]),
        "overdue": desk.is_overdue(row, now_utc()),
    })
    return record


@blueprint.get("/queue")
def queue() -> Response:
    """The principal's agencies' reports (admin: all, or ?agency=), filtered by status, kelurahan, age, overdue."""
    chosen = desk.parse_filter(request.args)
    rows = desk.agency_queue(_engine(), _staff(), chosen)
    return jsonify({"count": len(rows), "agencies": desk.visible_agencies(_staff(), chosen.agency),
                    "requests": [_full(r) for r in rows]})


def _row(service_request_id: str) -> dict[str, Any]:
    return workflow.report_for_staff(_engine(), _staff(), service_request_id)


@blueprint.get("/requests/<service_request_id>")
def detail(service_request_id: str) -> Response:
    row = _row(service_request_id)
    events = workflow.timeline(_engine(), service_request_id, staff=True)
    return jsonify({**_full(row), "history": [{**e, "at": open311.w3c(e["at"])} for e in events]})


@blueprint.post("/requests/<service_request_id>/status")
def change_status(service_request_id: str) -> Response:
    body = _body()
    previous = workflow.change_status(_engine(), service_request_id, str(body.get("status", "")), _staff(),
                                      note=body.get("note"), public=_flag(body.get("public")))
    audit_event("complaint.status", service_request_id=service_request_id, previous=previous, status=body["status"])
    return jsonify({"service_request_id": service_request_id, "from": previous, "status": body["status"]})


@blueprint.post("/requests/<service_request_id>/comment")
def comment(service_request_id: str) -> Response:
    body = _body()
    public = _flag(body.get("public"), default=False)
    workflow.comment(_engine(), service_request_id, str(body.get("note", "")), _staff(), public=public)
    audit_event("complaint.comment", service_request_id=service_request_id, public=public)
    return jsonify({"service_request_id": service_request_id, "ok": True})


@blueprint.post("/requests/<service_request_id>/assign")
def assign(service_request_id: str) -> Response:
    assignee = str(_body().get("assignee", ""))
    workflow.assign(_engine(), service_request_id, assignee, _staff())
    audit_event("complaint.assign", service_request_id=service_request_id, assignee=assignee.strip())
    return jsonify({"service_request_id": service_request_id, "ok": True})


@blueprint.get("/requests/<service_request_id>/media")
def media_file(service_request_id: str) -> Response:
    row = _row(service_request_id)
    if not row["media"]:
        raise ReportNotFound("this report has no photo")
    path, mime = media.photo_path(row["media"])
    response = send_file(path, mimetype=mime, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
