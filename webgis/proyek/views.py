"""The projects face: the public transparency map and register (/proyek, /proyek/<kode>, /api/proyek) and
the staff page where an agency's staff update their projects from the map (/proyek/staf).

Thin: filters and forms are parsed here, everything else is services/projects (register.py for what the
public sees, lifecycle.py and importer.py for staff's writes, which check the agency row rule). A refused
write shows the staff page again with the reasons at its 4xx status, and is audited.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request, send_file, url_for

from layers.registry import get_registry
from services.engine import cases, queue
from services.engine.said import EngineError
from services.projects import importer, lifecycle, register, rules
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, lang, link_lang, map_credits, page
from webgis.layanan.common import in_wib
from webgis.proyek.strings import UI

blueprint = Blueprint("proyek", __name__)
MAX_FILE_BYTES = 5 * 1024 * 1024


def _layer_title(name: str) -> str:
    """A field's label from the `projects` layer's declaration, in the page's language."""
    return getattr(get_registry().get("projects").prop(name).title, lang())


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, in_wib=in_wib, rp=rules.rupiah, layer_title=_layer_title,
                pct=_percent, **context)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _filters() -> register.Filters:
    return register.Filters.parse({k: request.args.get(k, "") for k in ("tahun", "tahap", "skpd", "kec", "terlambat")})


@blueprint.get("/proyek")
def register_page() -> Response:
    filters = _filters()
    rows = register.projects(engine(), filters)
    return _page("proyek/register.html", rows=rows, filters=filters, summary=register.summary(engine(), filters.year),
                 stages=register.STAGES, years=range(2023, 2028),
                 api=url_for("proyek.register_api", **{k: v for k, v in request.args.items() if k != "lang"}),
                 credits=map_credits("kelurahan", "projects_public"))


@blueprint.get("/api/proyek")
def register_api() -> Response:
    """The public register as GeoJSON (RFC 7946): every project the filters admit, no personal data."""
    return jsonify(register.as_geojson(register.projects(engine(), _filters())))


@blueprint.get("/proyek/<kode>")
def project_page(kode: str) -> Response:
    if request.args.get("f") == "json":
        return jsonify(register.project(engine(), kode))
    return _page("proyek/project.html", **register.project(engine(), kode), credits=map_credits("projects_public"))


@blueprint.get("/proyek/<kode>/foto/<laporan>")
def report_photo(kode: str, laporan: str) -> Response:
    response = send_file(register.report_photo(engine(), kode, laporan), mimetype="image/jpeg", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- staff

def staff_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Login first (redirect), then the staff role (403, audited)."""

    @login_page
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not principal_from_request().has_any(cases.STAFF_ROLES):
            raise deny("project updates are for staff of the agencies (SKPD)")
        return view(*args, **kwargs)

    return wrapper


@blueprint.after_request
def _no_store_for_staff(response: Response) -> Response:
    if request.path.startswith("/proyek/staf"):
        response.headers["Cache-Control"] = "no-store"  # internal notes on shared office PCs
    return response


def _staff_view(kode: str | None, *, status: int = 200, problems: list[str] | None = None,
                message: str | None = None) -> Response:
    principal = principal_from_request()
    rows = queue.list_cases(engine(), [lifecycle.SERVICE], principal, limit=1000)
    chosen = lifecycle.project_for_staff(engine(), kode, principal) if kode else None
    spec = cases.service_spec(lifecycle.SERVICE)
    steps = spec.transitions_from(chosen["status"]) if chosen else []
    points = [{"kode": r["case_ref"], "nama": r["nama_proyek"], "tahap": r["status"], "lon": r["lon"],
               "lat": r["lat"]} for r in rows]
    return _page("proyek/staff.html", status=status, user=current_user(), rows=rows, chosen=chosen, steps=steps,
                 stage_fields=lifecycle.STAGE_FIELDS, points=json.dumps(points), problems=problems or [],
                 message=message, credits=map_credits("kelurahan", "projects"))


@blueprint.get("/proyek/staf")
@staff_page
def staff_home() -> Response:
    return _staff_view(request.args.get("kode") or None, message=request.args.get("pesan"))


def _refused(kode: str | None, error: EngineError) -> Response:
    """The staff page again with the engine's reasons in the page's language, at the refusal's status; audited."""
    description, problems = error.in_language(lang())
    audit_event("access.denied" if error.status in (401, 403) else "proyek.refused", reason=description,
                method=request.method)
    return _staff_view(kode if error.status != 404 else None, status=error.status, problems=[description, *problems])


def _done(kode: str | None, event: str, **details: Any) -> Response:
    audit_event(event, **details)
    return redirect(url_for("proyek.staff_home", kode=kode, pesan=UI["saved"][lang()], lang=link_lang()), 303)


@blueprint.post("/proyek/staf/<kode>/progres")
@staff_page
def staff_progress(kode: str) -> Response:
    form = request.form
    upload = request.files.get("foto")
    photo = upload.read(MAX_FILE_BYTES + 1) if upload is not None and upload.filename else None
    report = lifecycle.ProgressReport(physical=form.get("progres_fisik"), financial=form.get("progres_keuangan"),
                                      on=form.get("tanggal") or None, note=form.get("catatan"),
                                      correction=form.get("koreksi") == "1", photo=photo,
                                      lon=form.get("lon") or None, lat=form.get("lat") or None)
    try:
        laporan = lifecycle.report_progress(engine(), kode, report, principal_from_request())
    except EngineError as exc:
        return _refused(kode, exc)
    return _done(kode, "proyek.progress", case_ref=kode, laporan=laporan)


@blueprint.post("/proyek/staf/<kode>/tahap")
@staff_page
def staff_stage(kode: str) -> Response:
    form = request.form
    to = form.get("to", "")
    fields = {name: form[name] for name in lifecycle.STAGE_FIELDS.get(to, ()) if form.get(name, "").strip()}
    if form.get("geometri", "").strip():
        fields["geometri"] = form["geometri"]
    try:
        left = lifecycle.advance(engine(), kode, to, fields, principal_from_request(), note=form.get("catatan"))
    except EngineError as exc:
        return _refused(kode, exc)
    return _done(kode, "proyek.stage", case_ref=kode, from_state=left, to_state=to)


@blueprint.post("/proyek/staf/impor")
@staff_page
def staff_import() -> Response:
    upload = request.files.get("berkas")
    data = upload.read(importer.MAX_BYTES + 1) if upload is not None and upload.filename else b""
    load = importer.import_sirup if request.form.get("jenis") == "sirup" else importer.import_apbd
    try:
        report = load(engine(), data, upload.filename if upload is not None else "", principal_from_request())
    except EngineError as exc:
        return _refused(None, exc)
    return _done(report.projects[0] if len(report.projects) == 1 else None, "proyek.import", kind=report.kind,
                 rows=report.rows)
