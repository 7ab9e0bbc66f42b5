"""Citizen pages of declared services: /layanan (the list), /layanan/<service> (the form, phone first),
/layanan/<service>/<case_ref> (the tracking page), and the applicant's own steps (withdraw).

Thin: the form posts an Application to services.engine.cases.submit, the function behind the
JSON API; a refused application shows the form again with the reasons and the entries (nothing
stored). Applying and tracking need a logged-in account (the case layer's row rule gives it its
own cases); the form's page itself is public, with a log-in link.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for

from layers.registry import get_registry
from services.engine import cases, queue, steps
from services.engine.registry import get_services
from services.engine.said import CaseNotFound, EngineError, Said
from webgis.accounts.principal import audit_event, current_user, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import lang, link_lang, map_credits, page
from webgis.errors import Refusal, answer_errors_with
from webgis.layanan.common import application_from_form, audit_refusal, engine, in_wib, localised
from webgis.layanan.strings import ui
from webgis.security import rate_limit

blueprint = Blueprint("layanan", __name__, url_prefix="/layanan")
blueprint.add_app_template_filter(in_wib, "in_wib")


@blueprint.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # an applicant's data, never from a shared cache
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status=status, u=ui(lang()), user=current_user(), **context)


@blueprint.get("")
def index() -> Response:
    principal = principal_from_request()
    mine: list[dict[str, Any]] = []
    if current_user() is not None:
        by_layer: dict[str, list[str]] = {}
        for spec in get_services():
            by_layer.setdefault(spec.case_layer, []).append(spec.id)
        for ids in by_layer.values():
            mine += queue.list_cases(engine(), ids, principal, limit=50)
    # Services staff open (city projects) have no citizen form; their cases are still listed for staff.
    citizen_services = [s for s in get_services() if s.filed_by == "citizen"]
    return _page("layanan/index.html", services=citizen_services, mine=mine)


def _form_page(service_id: str, *, values: dict[str, Any] | None = None, problems: list[str] | None = None,
               geometry: str = "", status: int = 200) -> Response:
    spec = cases.service_spec(service_id)
    if spec.filed_by != "citizen":  # no citizen form: the agency's staff open these cases (webgis/proyek)
        raise CaseNotFound(Said(f"{spec.title.id} tidak diajukan warga", f"{spec.title.en} is not applied for"))
    case_layer = get_registry().get(spec.case_layer)
    fields = [{"field": f, "prop": case_layer.prop(f.name)} for f in spec.form.fields]
    return _page("layanan/apply.html", status=status, spec=spec, fields=fields, values=values or {},
                 problems=problems or [], geometry=geometry, client_key=secrets.token_urlsafe(16),
                 credits=map_credits("kelurahan", "zoning"))


@blueprint.get("/<service_id>")
def form(service_id: str) -> Response:
    spec = cases.service_spec(service_id)
    if spec.intake_page is not None:  # filed through the service's own page (complaints: /lapor)
        return redirect(spec.intake_page + (f"?lang={lang()}" if lang() != "id" else ""))
    return _form_page(service_id)


@blueprint.post("/<service_id>")
@rate_limit("SERVICE_APPLY_RATE_LIMIT", "20 per minute")
@login_page
def submit(service_id: str) -> Response:
    spec = cases.service_spec(service_id)
    application = application_from_form([f.name for f in spec.form.fields], [a.name for a in spec.form.attachments])
    receipt = cases.submit(engine(), service_id, application, principal_from_request())
    if not receipt.replayed:
        audit_event("case.submitted", service=service_id, case_ref=receipt.case_ref)
    return redirect(url_for("layanan.track", service_id=service_id, case_ref=receipt.case_ref, lang=link_lang(),
                            baru=1), code=303)


@blueprint.get("/<service_id>/<case_ref>")
@login_page
def track(service_id: str, case_ref: str) -> Response:
    spec = cases.service_spec(service_id)
    case = queue.case_for(engine(), service_id, case_ref, principal_from_request())
    return _page("layanan/track.html", spec=spec, case=case, fresh=request.args.get("baru") == "1",
                 credits=map_credits("kelurahan"))


@blueprint.post("/<service_id>/<case_ref>/langkah")
@login_page
def applicant_step(service_id: str, case_ref: str) -> Response:
    """The applicant's own steps the declaration allows (withdrawing an application)."""
    to = request.form.get("to", "")
    previous = steps.transition(engine(), service_id, case_ref, to, principal_from_request(),
                                note=request.form.get("note"))
    audit_event("case.transition", service=service_id, case_ref=case_ref, previous=previous, status=to)
    return redirect(url_for("layanan.track", service_id=service_id, case_ref=case_ref, lang=link_lang()), code=303)


def _form_with_the_reasons(refusal: Refusal) -> Response | None:
    """A refused application: the form again with the reasons and the citizen's entries."""
    audit_refusal(refusal)
    service_id = (request.view_args or {}).get("service_id")
    if request.method != "POST" or request.endpoint != "layanan.submit" or not isinstance(refusal.error, EngineError) \
            or refusal.status != 400:
        return None
    description, problems = localised(refusal, lang())
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "client_key", "geometry")}
    return _form_page(service_id, values=values, problems=[description, *problems],
                      geometry=request.form.get("geometry", ""), status=refusal.status)


answer_errors_with(blueprint, _form_with_the_reasons)
