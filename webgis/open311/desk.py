"""The staff desk as pages at /open311/staff/: an agency's queue (map and list), a report's page, its forms.

Thin: the queue and its filters are services/complaints/desk.py, the steps
services/complaints/workflow.py (which decides whose report it is and hands each step to the
service engine; the choices offered are the declaration's, services/complaints/declaration.yaml); this
module parses forms, records the audit event and renders. Pages are for
logged-in browsers (anonymous visitors go to /login and back, a user without
the staff role gets 403); the forms carry the session's CSRF token
(webgis/security.py). A refused step (a bad note, a status the workflow does
not allow) shows the report's page again with the reason, at its 4xx status.
The JSON of the same desk is staff.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from layers.errors import StatusError
from services.complaints import desk, workflow
from services.complaints.categories import load_categories
from services.complaints.open311 import w3c
from services.complaints.records import now_utc
from services.errors import ServiceError
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.accounts.store import list_users
from webgis.accounts.views import login_page
from webgis.citizen.strings import STATUS
from webgis.errors import Refusal, answer_errors_with

blueprint = Blueprint("desk", __name__, url_prefix="/staff")
AGE_CHOICES = (0, 1, 3, 7, 14, 30)
# What each step's form says on success, shown once on the report's page after the redirect.
DONE = {"status": "Status diubah. / Status changed.", "comment": "Catatan disimpan. / Note saved.",
        "assign": "Petugas ditetapkan. / Assignee set."}


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def desk_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """A desk page or form: login first (redirect), then the staff role (403)."""

    @login_page
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not principal_from_request().has_any(workflow.STAFF_ROLES):
            raise deny("the staff desk is for staff of the agencies (SKPD)")
        return view(*args, **kwargs)

    return wrapper


@blueprint.after_request
def _no_store(response: Response) -> Response:
    # Reporters' contacts and internal notes: never from a shared cache or the back button of a shared PC.
    response.headers["Cache-Control"] = "no-store"
    return response


def _labels() -> dict[str, Any]:
    # The citizen pages' words for the states they know, the declaration's titles for any other.
    return {"status_labels": {**workflow.state_titles(), **STATUS}, "categories": load_categories(), "w3c": w3c}


@blueprint.get("/")
@desk_page
def queue() -> Any:
    chosen = desk.parse_filter(request.args)
    principal = principal_from_request()
    rows = desk.agency_queue(_engine(), principal, chosen)
    return render_template(
        "open311/queue.html", user=current_user(), rows=rows, chosen=chosen, statuses=workflow.statuses(),
        kelurahan=desk.kelurahan_choices(_engine()), ages=AGE_CHOICES,
        agencies=desk.visible_agencies(principal, None), is_admin=principal.is_admin,
        agency_choices=desk.known_agencies() if principal.is_admin else desk.visible_agencies(principal, None),
        overdue_count=sum(1 for r in rows if r["overdue"]), max_rows=desk.MAX_QUEUE, **_labels())


def _report(service_request_id: str) -> dict[str, Any]:
    return workflow.report_for_staff(_engine(), principal_from_request(), service_request_id)


def _report_page(service_request_id: str, *, error: str | None = None, status: int = 200) -> Any:
    row = _report(service_request_id)
    row["due"] = desk.due_datetime(row)
    row["overdue"] = desk.is_overdue(row, now_utc())
    history = workflow.timeline(_engine(), service_request_id, staff=True)
    photo = url_for("open311.staff.media_file", service_request_id=service_request_id) if row["media"] else None
    message = DONE.get(request.args.get("done", "")) if error is None else None
    return render_template(
        "open311/report.html", user=current_user(), row=row, history=history, photo=photo,
        colleagues=_colleagues(row["agency"]),
        next_statuses=workflow.next_statuses(row, principal_from_request()),
        error=error, message=message, **_labels()), status


def _colleagues(agency: str) -> list[str]:
    """Who may be assigned, as suggestions: the agency's active staff (any other name may still be typed)."""
    return [u.display_name or u.username for u in list_users(_engine())
            if u.active and "staff" in u.roles and agency in u.agencies]


@blueprint.get("/reports/<service_request_id>")
@desk_page
def report(service_request_id: str) -> Any:
    return _report_page(service_request_id)


def _done(service_request_id: str, step: str) -> Response:
    # 303: the browser GETs the page, so a reload does not post the form again.
    return redirect(url_for("open311.desk.report", service_request_id=service_request_id, done=step), code=303)


@blueprint.post("/reports/<service_request_id>/status")
@desk_page
def set_status(service_request_id: str) -> Response:
    new = request.form.get("status", "")
    public = request.form.get("visibility", "public") == "public"
    previous = workflow.change_status(_engine(), service_request_id, new, principal_from_request(),
                                      note=request.form.get("note"), public=public)
    audit_event("complaint.status", service_request_id=service_request_id, previous=previous, status=new)
    return _done(service_request_id, "status")


@blueprint.post("/reports/<service_request_id>/comment")
@desk_page
def add_comment(service_request_id: str) -> Response:
    public = request.form.get("visibility") == "public"
    workflow.comment(_engine(), service_request_id, request.form.get("note", ""), principal_from_request(),
                     public=public)
    audit_event("complaint.comment", service_request_id=service_request_id, public=public)
    return _done(service_request_id, "comment")


@blueprint.post("/reports/<service_request_id>/assign")
@desk_page
def set_assignee(service_request_id: str) -> Response:
    assignee = request.form.get("assignee", "")
    workflow.assign(_engine(), service_request_id, assignee, principal_from_request())
    audit_event("complaint.assign", service_request_id=service_request_id, assignee=assignee.strip())
    return _done(service_request_id, "assign")


def _form_with_the_reason(refusal: Refusal) -> Response | None:
    """A refused step on a report's page: the page again with the reason (refusals of access stay as they are)."""
    report_id = (request.view_args or {}).get("service_request_id")
    if request.method != "POST" or report_id is None or not isinstance(refusal.error, ServiceError) \
            or refusal.status not in (400, 409):
        return None
    try:  # the page checks again whose report it is: someone else's gets the plain refusal
        body, status = _report_page(report_id, error=refusal.description, status=refusal.status)
    except StatusError:
        return None
    return current_app.make_response((body, status))


answer_errors_with(blueprint, _form_with_the_reason)
