"""The staff desk of declared services, /meja/...: per service and agency, a map and list of cases
(overdue highlighted), a case's page with its history, and the forms to assign, comment, move it
on and record a field visit (a point on the map and a photo).

Thin, modelled on the complaints desk (webgis/open311/desk.py): the queue, the steps and who
may take them are services/engine (queue.py, steps.py); this module parses forms, records the
audit event and renders. Pages are for logged-in browsers with the staff role; a refused step
shows the case's page again with the reason at its 4xx status.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from layers.errors import StatusError
from services.engine import cases, queue, steps
from services.engine.said import EngineError
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.accounts.views import login_page
from webgis.errors import Refusal, answer_errors_with
from webgis.layanan.common import audit_refusal, engine, in_wib, localised, read_files

blueprint = Blueprint("layanan_desk", __name__, url_prefix="/meja")
blueprint.add_app_template_filter(in_wib, "in_wib")
DONE = {"transition": "Status diubah. / Status changed.", "comment": "Catatan disimpan. / Note saved.",
        "assign": "Petugas ditetapkan. / Assignee set.", "visit": "Kunjungan dicatat. / Visit recorded."}


def desk_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Login first (redirect), then the staff role (403)."""

    @login_page
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not principal_from_request().has_any(cases.STAFF_ROLES):
            raise deny("the services desk is for staff of the agencies (SKPD)")
        return view(*args, **kwargs)

    return wrapper


@blueprint.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # applicants' data on shared office PCs
    return response


@blueprint.get("/")
@desk_page
def services() -> Response:
    mine = queue.services_of(principal_from_request())
    if len(mine) == 1:
        return redirect(url_for("layanan_desk.queue_page", service_id=mine[0].id))
    return render_template("layanan/desk_services.html", user=current_user(), services=mine)


@blueprint.get("/<service_id>")
@desk_page
def queue_page(service_id: str) -> str:
    spec = cases.service_spec(service_id)
    overdue_only = request.args.get("overdue") == "1"
    rows = queue.list_cases(engine(), [service_id], principal_from_request(), overdue_only=overdue_only,
                            statuses=[s for s in request.args.getlist("status") if s])
    return render_template("layanan/desk_queue.html", user=current_user(), spec=spec, rows=rows,
                           overdue_only=overdue_only, overdue_count=sum(1 for r in rows if r["overdue"]),
                           services=queue.services_of(principal_from_request()))


def _case_page(service_id: str, case_ref: str, *, error: str | None = None, status: int = 200) -> tuple[str, int]:
    spec = cases.service_spec(service_id)
    case = queue.case_for(engine(), service_id, case_ref, principal_from_request())
    message = DONE.get(request.args.get("done", "")) if error is None else None
    return render_template("layanan/desk_case.html", user=current_user(), spec=spec, case=case, error=error,
                           message=message, services=queue.services_of(principal_from_request())), status


@blueprint.get("/<service_id>/<case_ref>")
@desk_page
def case_page(service_id: str, case_ref: str) -> tuple[str, int]:
    return _case_page(service_id, case_ref)


def _done(service_id: str, case_ref: str, step: str) -> Response:
    return redirect(url_for("layanan_desk.case_page", service_id=service_id, case_ref=case_ref, done=step), code=303)


@blueprint.post("/<service_id>/<case_ref>/transisi")
@desk_page
def transition(service_id: str, case_ref: str) -> Response:
    to = request.form.get("to", "")
    previous = steps.transition(engine(), service_id, case_ref, to, principal_from_request(),
                                note=request.form.get("note"))
    audit_event("case.transition", service=service_id, case_ref=case_ref, previous=previous, status=to)
    return _done(service_id, case_ref, "transition")


@blueprint.post("/<service_id>/<case_ref>/tugaskan")
@desk_page
def assign(service_id: str, case_ref: str) -> Response:
    assignee = request.form.get("assignee", "")
    steps.assign(engine(), service_id, case_ref, assignee, principal_from_request())
    audit_event("case.assign", service=service_id, case_ref=case_ref, assignee=assignee.strip())
    return _done(service_id, case_ref, "assign")


@blueprint.post("/<service_id>/<case_ref>/catatan")
@desk_page
def comment(service_id: str, case_ref: str) -> Response:
    public = request.form.get("visibility") == "public"
    steps.comment(engine(), service_id, case_ref, request.form.get("note", ""), principal_from_request(), public=public)
    audit_event("case.comment", service=service_id, case_ref=case_ref, public=public)
    return _done(service_id, case_ref, "comment")


@blueprint.post("/<service_id>/<case_ref>/kunjungan")
@desk_page
def visit(service_id: str, case_ref: str) -> Response:
    event = steps.record_visit(engine(), service_id, case_ref, principal_from_request(), lon=request.form.get("lon"),
                               lat=request.form.get("lat"), note=request.form.get("note"),
                               photo=read_files(["photo"]).get("photo"))
    audit_event("case.visit", service=service_id, case_ref=case_ref, visit=event)
    return _done(service_id, case_ref, "visit")


@blueprint.get("/<service_id>/<case_ref>/berkas/<name>")
@desk_page
def attachment(service_id: str, case_ref: str, name: str) -> Response:
    path, mime = queue.staff_file(engine(), service_id, case_ref, principal_from_request(), attachment=name)
    return send_file(path, mimetype=mime, max_age=0)


@blueprint.get("/<service_id>/<case_ref>/foto/<int:event_id>")
@desk_page
def visit_photo(service_id: str, case_ref: str, event_id: int) -> Response:
    path, mime = queue.staff_file(engine(), service_id, case_ref, principal_from_request(), event_id=event_id)
    return send_file(path, mimetype=mime, max_age=0)


def _page_with_the_reason(refusal: Refusal) -> Response | None:
    audit_refusal(refusal)
    args = request.view_args or {}
    if request.method != "POST" or "case_ref" not in args or not isinstance(refusal.error, EngineError) \
            or refusal.status not in (400, 409):
        return None
    description, problems = localised(refusal, "id")
    try:  # the page checks again whose case it is: someone else's gets the plain refusal
        body, status = _case_page(args["service_id"], args["case_ref"],
                                  error="; ".join([description, *problems]), status=refusal.status)
    except StatusError:
        return None
    return current_app.make_response((body, status))


answer_errors_with(blueprint, _page_with_the_reason)
