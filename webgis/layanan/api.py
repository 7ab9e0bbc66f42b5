"""The JSON API of declared services, /api/layanan/...: thin views over services/engine.

    GET  /api/layanan                                      the declared services
    GET  /api/layanan/<service>                            its declaration (form, states, transitions)
    POST /api/layanan/<service>/periksa                    site checks of a plot, before applying (anyone)
    POST /api/layanan/<service>/permohonan                 apply (a logged-in account; JSON or multipart)
    GET  /api/layanan/<service>/permohonan                 the cases the caller reaches (own / agency's)
    GET  /api/layanan/<service>/permohonan/<ref>           one case
    POST /api/layanan/<service>/permohonan/<ref>/transisi  {to, note}: a step the declaration allows the caller
    POST .../tugaskan {assignee}, .../catatan {note, public}, .../kunjungan (multipart: lon, lat, note, photo)

201 for a new case (200 when the client key had filed it already), 400 bad input, 401 not
logged in, 403 a role the step is not for, 404 a case the caller does not reach, 409 a step
not allowed from the case's state. Messages in Bahasa Indonesia; English with ?lang=en or
Accept-Language: en.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from layers.access import Principal
from services.engine import cases, queue, steps
from services.engine.cases import STAFF_ROLES
from services.engine.registry import get_services
from services.engine.said import Forbidden, FormRejected, NotSignedIn, Said
from webgis.accounts.principal import audit_event, principal_from_request
from webgis.errors import Refusal, answer_errors_with
from webgis.layanan.common import (
    answer_language,
    application_from_form,
    audit_refusal,
    engine,
    localised,
    read_files,
)
from webgis.security import rate_limit

blueprint = Blueprint("layanan_api", __name__, url_prefix="/api/layanan")


def _caller(*, staff: bool = False) -> Principal:
    """The principal, refused before the body is read: 401 for nobody, 403 for a non-staff caller
    of a staff step (the steps check again, with the case's agency)."""
    principal = principal_from_request()
    if principal.is_anonymous:
        raise NotSignedIn(Said("masuk (login) dulu", "log in first"))
    if staff and not principal.has_any(STAFF_ROLES):
        raise Forbidden(Said("hanya petugas SKPD yang menangani yang boleh melakukan ini",
                             "only staff of the handling agency may do this"))
    return principal


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise FormRejected(Said("isi permintaan harus objek JSON", "the request body must be a JSON object"))
    return body


def _declaration(service_id: str) -> dict[str, Any]:
    spec = cases.service_spec(service_id)
    # Not the engine's plumbing: the functions it calls by name, and where its columns are in the case
    # layer (that names private columns).
    return spec.model_dump(by_alias=True, exclude={"checks", "due_rule", "routing", "columns"})


@blueprint.get("")
def services() -> Response:
    return jsonify({"services": [{"id": s.id, "title": s.title.model_dump(), "agency": s.agency}
                                 for s in get_services()]})


@blueprint.get("/<service_id>")
def declaration(service_id: str) -> Response:
    return jsonify(_declaration(service_id))


@blueprint.post("/<service_id>/periksa")
# Spatial queries on every tap of a drawing: generous for a person, a ceiling for a script.
@rate_limit("SITE_CHECK_RATE_LIMIT", "120 per minute", per_address=("SITE_CHECK_RATE_LIMIT_PER_ADDRESS", "600 per minute"))
def site_check(service_id: str) -> Response:
    """The findings the applicant sees while drawing: nothing is stored."""
    body = _json_body()
    fields = body.get("fields") if isinstance(body.get("fields"), dict) else {}
    return jsonify(cases.check_site(engine(), service_id, body.get("geometry"), fields))


def _application() -> cases.Application:
    spec = cases.service_spec(request.view_args["service_id"])  # type: ignore[index]
    if request.mimetype == "multipart/form-data":
        return application_from_form([f.name for f in spec.form.fields], [a.name for a in spec.form.attachments])
    body = _json_body()
    files = read_files([a.name for a in spec.form.attachments])  # JSON carries no files; multipart does
    return cases.Application(fields=body.get("fields") or {}, geometry=body.get("geometry"), lon=body.get("lon"),
                             lat=body.get("lat"), parcel=body.get("parcel"), files=files,
                             client_key=body.get("client_key") or request.headers.get("Idempotency-Key"))


@blueprint.post("/<service_id>/permohonan")
@rate_limit("SERVICE_APPLY_RATE_LIMIT", "20 per minute")
def apply(service_id: str) -> tuple[Response, int]:
    principal = _caller()
    receipt = cases.submit(engine(), service_id, _application(), principal)
    if not receipt.replayed:
        audit_event("case.submitted", service=service_id, case_ref=receipt.case_ref)
    return jsonify(receipt.__dict__), (200 if receipt.replayed else 201)


@blueprint.get("/<service_id>/permohonan")
def case_list(service_id: str) -> Response:
    principal = _caller()
    overdue = request.args.get("overdue") in ("1", "true")
    return jsonify({"cases": queue.list_cases(engine(), [service_id], principal, overdue_only=overdue)})


@blueprint.get("/<service_id>/permohonan/<case_ref>")
def case(service_id: str, case_ref: str) -> Response:
    return jsonify(queue.case_for(engine(), service_id, case_ref, _caller()))


@blueprint.post("/<service_id>/permohonan/<case_ref>/transisi")
def transition(service_id: str, case_ref: str) -> Response:
    _caller()
    body = _json_body()
    to = str(body.get("to") or "")
    previous = steps.transition(engine(), service_id, case_ref, to, principal_from_request(), note=body.get("note"))
    audit_event("case.transition", service=service_id, case_ref=case_ref, previous=previous, status=to)
    return jsonify(queue.case_for(engine(), service_id, case_ref, principal_from_request()))


@blueprint.post("/<service_id>/permohonan/<case_ref>/tugaskan")
def assign(service_id: str, case_ref: str) -> Response:
    _caller(staff=True)
    assignee = str(_json_body().get("assignee") or "")
    steps.assign(engine(), service_id, case_ref, assignee, principal_from_request())
    audit_event("case.assign", service=service_id, case_ref=case_ref, assignee=assignee.strip())
    return jsonify(queue.case_for(engine(), service_id, case_ref, principal_from_request()))


@blueprint.post("/<service_id>/permohonan/<case_ref>/catatan")
def comment(service_id: str, case_ref: str) -> Response:
    _caller(staff=True)
    body = _json_body()
    public = body.get("public") is True
    steps.comment(engine(), service_id, case_ref, str(body.get("note") or ""), principal_from_request(), public=public)
    audit_event("case.comment", service=service_id, case_ref=case_ref, public=public)
    return jsonify(queue.case_for(engine(), service_id, case_ref, principal_from_request()))


@blueprint.post("/<service_id>/permohonan/<case_ref>/kunjungan")
def visit(service_id: str, case_ref: str) -> tuple[Response, int]:
    _caller(staff=True)
    photo = read_files(["photo"]).get("photo")
    event = steps.record_visit(engine(), service_id, case_ref, principal_from_request(), lon=request.form.get("lon"),
                               lat=request.form.get("lat"), note=request.form.get("note"), photo=photo)
    audit_event("case.visit", service=service_id, case_ref=case_ref, visit=event)
    return jsonify(queue.case_for(engine(), service_id, case_ref, principal_from_request())), 201


def _json_in_language(refusal: Refusal) -> Response:
    """Always JSON here (a browser's Accept does not turn the API into pages), in the caller's language."""
    audit_refusal(refusal)
    description, problems = localised(refusal, answer_language(request))
    payload: dict[str, Any] = {"code": refusal.code, "description": description}
    if problems:
        payload["problems"] = problems
    response = jsonify(payload)
    response.status_code = refusal.status
    return response


answer_errors_with(blueprint, _json_in_language)
