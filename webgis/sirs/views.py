"""Hospital beds (services/sirs): where is a free bed now, a hospital's history, reporting.

Public: the finder page and its JSON, each hospital's page with its history. A hospital reports
through `PUT /api/sirs/rs/<kode>/tempat-tidur` with its own token (not an account: services/sirs/
tokens.py); staff of the hospital (or of DINKES) report on the form; admins issue and revoke tokens.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from services.sirs import finder, reports, tokens
from services.sirs.rules import BED_CLASSES, BadReport
from webgis.accounts.principal import audit_event, principal_from_request, require_roles
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, lang, link_lang, map_credits, page
from webgis.errors import AUTHENTICATE
from webgis.sirs.strings import UI

blueprint = Blueprint("sirs", __name__)
HOSPITALS = "health_facilities"


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


def _stale_after() -> timedelta:
    return timedelta(minutes=current_app.config["SETTINGS"].sirs.stale_after_minutes)


def _classes() -> list[tuple[str, str]]:
    return [(code, titles[lang()]) for code, titles in BED_CLASSES.items()]


@blueprint.get("/tempat-tidur")
def finder_page() -> Response:
    return _page("sirs/finder.html", classes=_classes(), credits=map_credits(HOSPITALS),
                 stale_hours=round(_stale_after().total_seconds() / 3600, 1))


@blueprint.get("/api/sirs/tempat-tidur")
def finder_api() -> Response:
    """Every hospital with its latest beds per class; `lon`,`lat`: nearest first; `kelas`: those with a
    free bed of that class first. `basi`: no report for longer than the setting."""
    point = finder.check_point(request.args.get("lon"), request.args.get("lat"))
    kelas = finder.check_class(request.args.get("kelas"))
    found = finder.hospitals(engine(), stale_after=_stale_after(), point=point, kelas=kelas)
    return jsonify({"kelas": kelas, "basi_setelah_menit": int(_stale_after().total_seconds() // 60),
                    "rumah_sakit": [h.as_json() for h in found]})


@blueprint.get("/tempat-tidur/rs/<kode_faskes>")
def hospital_page(kode_faskes: str) -> Response:
    history = finder.history(engine(), kode_faskes, days=7)  # NotFound answers 404
    found = next(h for h in finder.hospitals(engine(), stale_after=_stale_after()) if h.kode_faskes == kode_faskes)
    return _page("sirs/hospital.html", hospital=found, classes=dict(_classes()), days=history["hari"],
                 may_report=reports.may_report(principal_from_request(), kode_faskes))


@blueprint.get("/api/sirs/rs/<kode_faskes>/riwayat")
def history_api(kode_faskes: str) -> Response:
    """A hospital's reports of the last `hari` days (default 7, at most 90), per class, for the chart."""
    raw = request.args.get("hari", "7")
    if not raw.isdigit():
        raise finder.BadQuery("hari harus bilangan bulat 1..90")
    return jsonify(finder.history(engine(), kode_faskes, days=int(raw)))


@blueprint.put("/api/sirs/rs/<kode_faskes>/tempat-tidur")
def report_api(kode_faskes: str) -> Response:
    """The hospital's own report, with its token: `{"tempat_tidur": [{"kelas", "kapasitas", "tersedia"}]}`.
    200 with what was stored; 400 naming each bad line (nothing stored); 401 without a valid hospital
    token; 403 with another hospital's token; 404 for a code that is no hospital."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    body = request.get_json(silent=True)
    lines = body.get("tempat_tidur") if isinstance(body, dict) else None
    try:
        stored = reports.by_token(engine(), kode_faskes, lines, secret.strip() if scheme.lower() == "bearer" else None)
    except tokens.TokenRefused as exc:
        # token.refused, as for the platform's own tokens: one place to read refused credentials.
        audit_event("token.refused", actor="anonymous", kind="hospital", kode_faskes=kode_faskes, reason=str(exc),
                    prefix=secret.strip()[:10] if secret.strip().startswith(tokens.PREFIX) else None,
                    method=request.method)
        response = jsonify({"code": exc.code, "description": str(exc)})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = AUTHENTICATE
        return response
    except tokens.WrongHospital as exc:
        audit_event("access.denied", actor="anonymous", kind="hospital", reason=str(exc), method=request.method)
        raise
    return jsonify(stored)


def _form_lines() -> list[dict[str, str]]:
    return [{"kelas": code, "kapasitas": request.form.get(f"kapasitas_{code}", "").strip(),
             "tersedia": request.form.get(f"tersedia_{code}", "").strip()}
            for code in BED_CLASSES if request.form.get(f"kapasitas_{code}", "").strip()]


@blueprint.route("/tempat-tidur/rs/<kode_faskes>/lapor", methods=["GET", "POST"])
@login_page
def report_form(kode_faskes: str) -> Response:
    """Staff of the hospital (or DINKES) type the beds; a refused report is shown again with its reasons."""
    found = next((h for h in finder.hospitals(engine(), stale_after=_stale_after()) if h.kode_faskes == kode_faskes),
                 None)
    if found is None:
        return _page("sirs/report.html", status=404, hospital=None, classes=_classes(), problems=[], typed={})
    if not reports.may_report(principal_from_request(), kode_faskes):
        audit_event("access.denied", reason=f"does not report for hospital {kode_faskes}", method=request.method)
        return _page("sirs/report.html", status=403, hospital=found, classes=_classes(), denied=True,
                     problems=[], typed={})
    if request.method == "GET":
        typed = {f"{k}_{kelas}": v for kelas, bed in found.beds.items() for k, v in bed.items() if k != "source"}
        return _page("sirs/report.html", hospital=found, classes=_classes(), problems=[], typed=typed)
    try:
        reports.by_staff(engine(), kode_faskes, _form_lines(), principal_from_request())
    except BadReport as exc:
        return _page("sirs/report.html", status=400, hospital=found, classes=_classes(), problems=exc.problems,
                     typed=dict(request.form))
    return redirect(url_for("sirs.hospital_page", kode_faskes=kode_faskes, lang=link_lang(), saved=1), code=303)


@blueprint.post("/api/sirs/rs/<kode_faskes>/token")
@require_roles("admin")
def token_issue(kode_faskes: str) -> tuple[Response, int]:
    """Issue a hospital's report token (admins); the secret is in this answer only."""
    body = request.get_json(silent=True)
    label = body.get("label") if isinstance(body, dict) else None
    if not isinstance(label, str):
        raise finder.BadQuery("kirim JSON {\"label\": \"untuk apa token ini, mis. SIMRS\"}")
    issued = tokens.issue(engine(), kode_faskes, label=label, actor=principal_from_request().actor)
    audit_event("sirs.token_issued", kode_faskes=kode_faskes, token=issued.id, prefix=issued.prefix)
    return jsonify({"id": issued.id, "kode_faskes": kode_faskes, "token": issued.secret, "prefix": issued.prefix,
                    "dibuat": issued.created_at.isoformat()}), 201


@blueprint.get("/api/sirs/token")
@require_roles("admin")
def token_list() -> Response:
    rows = tokens.list_tokens(engine(), request.args.get("kode_faskes") or None)
    return jsonify({"token": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                              for r in rows]})


@blueprint.delete("/api/sirs/token/<int:report_token_id>")
@require_roles("admin")
def token_revoke(report_token_id: int) -> Response:
    row = tokens.revoke(engine(), report_token_id, actor=principal_from_request().actor)
    audit_event("sirs.token_revoked", token=report_token_id, kode_faskes=row["kode_faskes"])
    return jsonify({"id": row["id"], "kode_faskes": row["kode_faskes"], "dicabut": row["revoked_at"].isoformat()})
