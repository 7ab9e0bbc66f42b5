"""PPDB online in the browser and the JSON API.

Citizens: /ppdb/daftar (register a child: the home by a map click, the level, up to three schools
in order from the lookup's own API, the family card; a PPDB case of the service engine, tracked at
/layanan/ppdb/<case_ref>), /ppdb/daftar-ulang/<case_ref> (re-register before the deadline),
/ppdb/api/hasil/<case_ref> (the result and its explanation, for whoever may read the registration).
Public: /ppdb/kuota and /ppdb/api/kuota (seats and fill per school of a round, no applicant).
Staff of the education office: /ppdb/gelombang (open a round, run its allocation, release the
seats not re-registered). Thin: everything is services/ppdb (rounds.py) and services/engine.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from services.engine import cases
from services.engine.said import EngineError, NotSignedIn, Said
from services.ppdb import rounds
from services.ppdb.rules import DEFAULT_RULE
from services.ppdb.zoning import LEVELS
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import lang, link_lang, map_credits, page
from webgis.errors import Refusal, answer_errors_with
from webgis.layanan.common import application_from_form, audit_refusal, engine, localised

blueprint = Blueprint("ppdb_online", __name__)
SERVICE = "ppdb"
WIB = ZoneInfo("Asia/Jakarta")
PUBLIC_ROUND = ("id", "jenjang", "opens_at", "closes_at", "reregister_by", "zonasi_share", "second_stage",
                "allocated_at", "released_at")


def staff_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Login first (redirect), then staff (403); the round steps check the education office themselves."""

    @login_page
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not principal_from_request().has_any(cases.STAFF_ROLES):
            raise deny("PPDB rounds are run by staff of the education office")
        return view(*args, **kwargs)

    return wrapper


@blueprint.after_request
def _no_store(response: Response) -> Response:
    if request.endpoint not in ("ppdb_online.quota_page", "ppdb_online.quota_api"):
        response.headers["Cache-Control"] = "no-store"  # a child's data, never from a shared cache
    return response


def _open_rounds() -> list[dict[str, Any]]:
    now = cases.now_utc()
    return [r for r in rounds.rounds(engine()) if r["opens_at"] <= now < r["closes_at"]]


def _form_page(*, values: dict[str, Any] | None = None, problems: list[str] | None = None, status: int = 200) -> Response:
    spec = cases.service_spec(SERVICE)
    return page("ppdb/daftar.html", status=status, spec=spec, values=values or {}, problems=problems or [],
                open_rounds=_open_rounds(), levels=LEVELS, choices=DEFAULT_RULE.choices_per_applicant,
                user=current_user(), client_key=secrets.token_urlsafe(16), wib=WIB,
                credits=map_credits("kelurahan", "schools"))


@blueprint.get("/ppdb/daftar")
def register_form() -> Response:
    return _form_page()


@blueprint.post("/ppdb/daftar")
@login_page
def register() -> Response:
    spec = cases.service_spec(SERVICE)
    application = application_from_form([f.name for f in spec.form.fields], [a.name for a in spec.form.attachments])
    receipt = cases.submit(engine(), SERVICE, application, principal_from_request())
    if not receipt.replayed:
        audit_event("case.submitted", service=SERVICE, case_ref=receipt.case_ref)
    return redirect(url_for("layanan.track", service_id=SERVICE, case_ref=receipt.case_ref, lang=link_lang(), baru=1),
                    code=303)


@blueprint.post("/ppdb/daftar-ulang/<case_ref>")
@login_page
def reregister(case_ref: str) -> Response:
    rounds.reregister(engine(), case_ref, principal_from_request())
    audit_event("case.transition", service=SERVICE, case_ref=case_ref, status="re_registered")
    return redirect(url_for("layanan.track", service_id=SERVICE, case_ref=case_ref, lang=link_lang()), code=303)


@blueprint.get("/ppdb/api/hasil/<case_ref>")
def result_api(case_ref: str) -> Response:
    principal = principal_from_request()
    if not principal.roles - {"public"}:
        raise NotSignedIn(Said("masuk (login) dulu untuk melihat hasil", "log in to see the result"))
    results = rounds.results_for(engine(), case_ref, principal)
    return jsonify({"case_ref": case_ref, "results": [{**r, "at": r["at"].isoformat()} for r in results]})


def _round_for_public() -> dict[str, Any] | None:
    wanted = request.args.get("gelombang", "").strip()
    if wanted:
        return rounds.round_of(engine(), wanted)
    every = rounds.rounds(engine())
    return every[0] if every else None


def _public_round(round_row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in round_row.items() if k in PUBLIC_ROUND}


@blueprint.get("/ppdb/kuota")
def quota_page() -> Response:
    round_row = _round_for_public()
    schools = rounds.quotas(engine(), round_row["id"]) if round_row else []
    return page("ppdb/kuota.html", round=round_row, schools=schools, all_rounds=rounds.rounds(engine()),
                credits=map_credits("kelurahan", "schools"), wib=WIB)


@blueprint.get("/ppdb/api/kuota")
def quota_api() -> Response:
    """Seats and fill per school as GeoJSON (RFC 7946): counts only, never an applicant."""
    round_row = _round_for_public()
    if round_row is None:
        return jsonify({"type": "FeatureCollection", "round": None, "features": []})
    features = [{"type": "Feature", "id": q["npsn"],
                 "geometry": {"type": "Point", "coordinates": [round(q["lon"], 6), round(q["lat"], 6)]},
                 "properties": {k: q[k] for k in ("npsn", "nama", "capacity", "seats", "filled", "confirmed", "released",
                                                  "applicants", "last_distance_m")}}
                for q in rounds.quotas(engine(), round_row["id"])]
    return jsonify({"type": "FeatureCollection", "round": _public_round(round_row), "features": features})


@blueprint.get("/ppdb/gelombang")
@staff_page
def rounds_page(message: str | None = None, error: str | None = None, status: int = 200) -> Response:
    chosen = request.args.get("gelombang") or request.form.get("round_id")
    every = rounds.rounds(engine())
    current = next((r for r in every if r["id"] == chosen), every[0] if every else None)
    schools = rounds.quotas(engine(), current["id"]) if current else []
    done = {"round": "Gelombang dibuka. / Round opened.", "allocate": "Alokasi selesai. / Allocation done.",
            "release": "Kursi dilepas. / Seats released."}
    return page("ppdb/gelombang.html", status=status, rounds=every, current=current, schools=schools, levels=LEVELS,
                message=message or done.get(request.args.get("selesai", "")), error=error, wib=WIB,
                share=DEFAULT_RULE.zonasi_share, user=current_user())


def _when(name: str) -> datetime:
    text = request.form.get(name, "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EngineErrorBadInput(Said(f"{name}: tanggal dan jam tidak terbaca", f"{name}: not a date and time")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)


class EngineErrorBadInput(EngineError):
    status = 400


@blueprint.post("/ppdb/gelombang")
@staff_page
def create_round() -> Response:
    form = request.form
    try:
        share = float(form["share"]) if form.get("share") else None
    except ValueError:
        raise EngineErrorBadInput(Said("porsi zonasi: angka antara 0 dan 1", "zonasi share: a number in (0, 1]")) from None
    if share is not None and not 0 < share <= 1:
        raise EngineErrorBadInput(Said("porsi zonasi: angka antara 0 dan 1", "zonasi share: a number in (0, 1]"))
    round_id = form.get("round_id", "").strip()
    rounds.create_round(engine(), round_id=round_id, level=form.get("level", ""), opens_at=_when("opens_at"),
                        closes_at=_when("closes_at"), reregister_by=_when("reregister_by"),
                        principal=principal_from_request(), zonasi_share=share,
                        second_stage=form.get("second_stage") == "1")
    audit_event("ppdb.round", round_id=round_id)
    return redirect(url_for("ppdb_online.rounds_page", gelombang=round_id, selesai="round"), code=303)


@blueprint.post("/ppdb/gelombang/alokasi")
@staff_page
def allocate() -> Response:
    round_id = request.form.get("round_id", "")
    report = rounds.allocate_round(engine(), round_id, principal_from_request())
    audit_event("ppdb.allocate", round_id=round_id, admitted=report.admitted, applicants=report.applicants)
    return redirect(url_for("ppdb_online.rounds_page", gelombang=round_id, selesai="allocate"), code=303)


@blueprint.post("/ppdb/gelombang/lepas")
@staff_page
def release() -> Response:
    round_id = request.form.get("round_id", "")
    report = rounds.release_expired(engine(), round_id, principal_from_request())
    audit_event("ppdb.release", round_id=round_id, released=report.released, readmitted=report.admitted)
    return redirect(url_for("ppdb_online.rounds_page", gelombang=round_id, selesai="release"), code=303)


def _answer(refusal: Refusal) -> Response | None:
    """A refused registration shows the form again with the reasons; a refused round step the rounds page."""
    audit_refusal(refusal)
    if not isinstance(refusal.error, EngineError) or request.method != "POST":
        return None
    description, problems = localised(refusal, lang())
    if request.endpoint == "ppdb_online.register" and refusal.status == 400:
        values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "client_key")}
        return _form_page(values=values, problems=[description, *problems], status=refusal.status)
    if request.endpoint in ("ppdb_online.create_round", "ppdb_online.allocate", "ppdb_online.release") \
            and current_user() is not None and refusal.status != 403:
        return rounds_page(error="; ".join([description, *problems]), status=refusal.status)
    return None


answer_errors_with(blueprint, _answer)
