"""Citizen complaint pages: the form (/lapor), the tracking page (/lapor/<id>), the map (/lapor/peta).

The form posts through services.complaints.intake.submit, the function behind
Open311's POST requests.json: one intake path, one set of checks. A refused
report re-renders the form with the reasons and the citizen's entries, and
nothing is stored (intake checks everything before it writes).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Response, jsonify, redirect, request, send_file, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from layers.access import account_of
from layers.errors import LayerError, StatusError
from services.complaints import intake, open311, workflow
from services.complaints.categories import Category, load_categories
from services.complaints.photos import photo_names, public_photo
from services.complaints.records import counts_per_kelurahan, find_complaint, now_utc, public_points
from services.engine.media import MAX_PHOTO_BYTES, PhotoTooLarge
from services.errors import ServiceError
from webgis.accounts.principal import principal_from_request, supporter_for
from webgis.citizen.common import engine, lang, link_lang, map_credits, page
from webgis.citizen.strings import actor_label, status_label
from webgis.citizen.views import blueprint
from webgis.errors import BadRequest, NotFound, Refusal, answer_errors_with
from webgis.security import rate_limit

# Tracking numbers are MDN- and 8 of intake's alphabet (seed reports: MDN-SEED0001); anything else is not one.
REQUEST_ID = re.compile(r"^MDN-[0-9A-Z]{4,12}$")
PERIODS = {"30": 30, "90": 90}
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")
# Citizen pages speak Bahasa Indonesia: one support per person (services.complaints.workflow.support).
ALREADY_SUPPORTED = "Anda sudah mendukung laporan ini; satu dukungan per orang."


def attribute_field(category: Category, code: str) -> str:
    """The form field of one category's attribute; per category, since two may share an attribute code."""
    return f"attr-{category.service_code}-{code}"


def submission_from_form(form: MultiDict, photo: bytes | None) -> intake.Submission:
    """The form as an Open311 submission: only the chosen category's attributes are read."""
    code = form.get("service_code", "")
    category = load_categories().get(code)
    attributes: dict[str, Any] = {}
    for attribute in category.attributes if category else ():
        field = attribute_field(category, attribute.code)
        values = [v for v in form.getlist(field) if v != ""]
        if values:
            attributes[attribute.code] = values if attribute.datatype == "multivaluelist" else values[-1]
    return intake.Submission(
        service_code=code, lat=form.get("lat") or None, long=form.get("long") or None,
        description=form.get("description", ""), attributes=attributes, photo=photo,
        idempotency_key=form.get("idempotency_key", ""),
        **{name: form.get(name, "") for name in CONTACT_FIELDS},
    )


def _photo() -> bytes | None:
    upload = request.files.get("media")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_PHOTO_BYTES + 1)  # never more than one byte past the limit into memory
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge("media: the photo is larger than 5 MB; at most 5 MB is accepted")
    return data


def _form_page(status: int = 200, error: StatusError | None = None, values: MultiDict | None = None) -> Response:
    return page("citizen/report.html", status=status, categories=list(load_categories().values()),
                credits=map_credits("kelurahan"),
                attribute_field=attribute_field, values=values or MultiDict(),
                error=error.message if error else None, problems=[str(p) for p in error.problems] if error else [])


def _form_with_the_reasons(refusal: Refusal) -> Response | None:
    """How these pages answer errors (see webgis/errors.py): a refused report re-renders the form
    with the reasons and the citizen's entries; a body over the app's upload limit, refused before
    the form is read, says so on the form. Anything else is left to the app's page or JSON problem."""
    if isinstance(refusal.error, RequestEntityTooLarge):
        return _form_page(413, PhotoTooLarge("media: the upload is too large; a photo may be at most 5 MB"))
    if request.endpoint == "citizen.report" and isinstance(refusal.error, (ServiceError, LayerError)):
        kept = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"])
        return _form_page(refusal.error.status, refusal.error, kept)
    return None


answer_errors_with(blueprint, _form_with_the_reasons)


@blueprint.route("/lapor", methods=["GET", "POST"])
@rate_limit("COMPLAINT_RATE_LIMIT", "10 per minute", methods=["POST"],
            per_address=("COMPLAINT_RATE_LIMIT_PER_ADDRESS", "60 per minute"))
def report() -> Response:
    if request.method == "GET":
        return _form_page()
    who = principal_from_request()
    receipt = intake.submit(engine(), submission_from_form(request.form, _photo()),
                            actor=who.actor if who.user_id is not None else "citizen:web", source="web",
                            reporter=account_of(who))
    return redirect(url_for("citizen.track", service_request_id=receipt.service_request_id, baru=1,
                            lang=link_lang()), code=303)


@blueprint.get("/lapor/token.json")
def fresh_token() -> Response:
    """A CSRF token valid for this session now: a report kept offline on the phone is sent with it
    (static/pwa/outbox.js), since the token in a page cached days ago may have expired."""
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


def _checked_id(service_request_id: str) -> str:
    if not REQUEST_ID.match(service_request_id):
        raise NotFound(f"no report {service_request_id!r}")
    return service_request_id


def _timeline(service_request_id: str, chosen: str) -> list[dict[str, Any]]:
    events = workflow.timeline(engine(), service_request_id, staff=False)
    for event in events:
        event["at_text"] = open311.w3c(event["at"])[:16].replace("T", " ")
        event["status_text"] = status_label(event["status"], chosen) if event.get("status") else None
        event["by_text"] = actor_label(event["by"], chosen)
    return events


@blueprint.get("/lapor/<service_request_id>")
def track(service_request_id: str, message: str | None = None, status: int = 200) -> Response:
    """Status and public history of one report: only complaints_public fields, actors only as roles."""
    row = find_complaint(engine(), _checked_id(service_request_id), layer_id="complaints_public")
    if row is None:
        raise NotFound(f"no report {service_request_id!r}")
    chosen = lang()
    record = open311.request_record(row)
    category = load_categories().get(row["service_code"])
    return page("citizen/track.html", status=status, record=record, row=row,
                category_name=category.name.get(chosen) if category else row["service_code"],
                status_text=status_label(row["status"], chosen), events=_timeline(service_request_id, chosen),
                has_photo=bool(photo_names(engine(), [service_request_id])),
                can_support=record["status"] == "open", new=request.args.get("baru") == "1",
                supported=request.args.get("didukung") == "1", message=message)


@blueprint.get("/lapor/<service_request_id>/foto")
def photo(service_request_id: str) -> Response:
    """The report's photo for whoever may see the report: resized, without its metadata (EXIF GPS)."""
    path = public_photo(engine(), _checked_id(service_request_id))
    if path is None:
        raise NotFound(f"no photo for report {service_request_id!r}")
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True, etag=True)
    # Revalidated on every view: a report taken off the public record takes its photo with it.
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.post("/lapor/<service_request_id>/dukung")
@rate_limit("COMPLAINT_SUPPORT_RATE_LIMIT", "20 per minute",
            per_address=("COMPLAINT_SUPPORT_RATE_LIMIT_PER_ADDRESS", "120 per minute"))
def support(service_request_id: str) -> Response:
    """A citizen's +1 instead of a second report of the same problem."""
    try:
        workflow.support(engine(), _checked_id(service_request_id), actor="citizen:web",
                         supporter=supporter_for(principal_from_request()))
    except workflow.AlreadySupported:
        return track(service_request_id, message=ALREADY_SUPPORTED, status=409)
    except workflow.TransitionNotAllowed as exc:
        return track(service_request_id, message=exc.message, status=exc.status)
    return redirect(url_for("citizen.track", service_request_id=service_request_id, didukung=1,
                            lang=link_lang()), code=303)


@blueprint.get("/lapor/peta")
def complaints_map() -> Response:
    return page("citizen/map.html", categories=list(load_categories().values()),
                credits=map_credits("kelurahan", "complaints_public"))


def _map_filters() -> dict[str, Any]:
    """?days=30|90 and ?service_code=X (a known category), else 400."""
    days = request.args.get("days", "")
    if days and days not in PERIODS:
        raise BadRequest(f"days: {days!r} is not one of {', '.join(PERIODS)}")
    code = request.args.get("service_code", "")
    if code and code not in load_categories():
        raise BadRequest(f"service_code: unknown service {code!r}")
    return {"since": now_utc() - timedelta(days=PERIODS[days]) if days else None, "codes": [code] if code else []}


@blueprint.get("/lapor/peta/kelurahan.geojson")
def kelurahan_counts() -> Response:
    """Every kelurahan with its number of public reports: the choropleth's data."""
    import json

    rows = counts_per_kelurahan(engine(), **_map_filters())
    features = [{"type": "Feature", "id": r["kode_kel"], "geometry": json.loads(r["geometry"]),
                 "properties": {"kode_kel": r["kode_kel"], "nama_kel": r["nama_kel"], "nama_kec": r["nama_kec"],
                                "jumlah": int(r["jumlah"])}} for r in rows]
    response = jsonify({"type": "FeatureCollection", "features": features,
                        "total": sum(f["properties"]["jumlah"] for f in features)})
    response.mimetype = "application/geo+json"
    return response


@blueprint.get("/lapor/peta/titik.json")
def heat_points() -> Response:
    """Public report points (the ~50 m grid) with a weight, for the heat map."""
    points = public_points(engine(), **_map_filters())
    return jsonify({"points": [[lon, lat, 1 + supporters] for lon, lat, supporters in points]})
