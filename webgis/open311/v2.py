"""Open311 GeoReport v2 at /open311/v2/: thin views over services/complaints.

Every resource answers `.json` or `.xml`; errors come in the spec's format
(a list of {code, description}) in the same format. Who is asking comes from
`api_key` (or an `Authorization: Bearer` header) only, never the session
cookie, which is why this blueprint needs no CSRF token: a forged cross-site
POST carries no authority a direct anonymous request would not have.
Staff (or admin) keys see their agencies' reports in full; everyone else
sees the public projection (no description or contact; point ~50 m; the
photo as a resized copy without metadata, services/complaints/photos.py).
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from layers.access import ANONYMOUS, Principal, account_of, row_scope
from layers.registry import get_registry
from services.complaints import intake, open311, workflow
from services.complaints.photos import photo_names
from services.complaints.records import NotFound as ReportNotFound
from services.complaints.records import find_by_token, find_complaint, list_complaints, now_utc
from services.engine.media import MAX_PHOTO_BYTES, PhotoTooLarge
from webgis.accounts import tokens
from webgis.accounts.principal import CONFIG_TOKEN_ACTOR, bearer_token, supporter_for
from webgis.errors import BadRequest, Forbidden, NotFound, Refusal, answer_errors_with
from webgis.open311.formats import error_response, respond
from webgis.representation import depends_on_who_asks, mark_private
from webgis.security import rate_limit

blueprint = Blueprint("v2", __name__, url_prefix="/v2")
FMT = "<any(json, xml):fmt>"
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
STAFF_ROLES = workflow.STAFF_ROLES


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def _fmt() -> str:
    return (request.view_args or {}).get("fmt") or ("xml" if request.path.endswith(".xml") else "json")


def _open311_errors(refusal: Refusal) -> Response:
    """Every error of this API in the spec's form: a list of {code, description}, in the URL's format
    (JSON when the URL names another: requests.csv answers the spec's list, in JSON)."""
    description = refusal.description
    if request.url_rule is None and refusal.status == 404:
        suffix = request.path.rsplit("/", 1)[-1].rpartition(".")[2]
        offered = "GeoReport v2 resources end in .json or .xml (e.g. requests.json)"
        description = (f"format: .{suffix} is not offered; {offered}" if "." in request.path.rsplit("/", 1)[-1]
                       else f"no resource {request.path}; {offered}")
    return error_response(_fmt(), refusal.status, description, refusal.problems)


answer_errors_with(blueprint, _open311_errors)


def principal() -> Principal:
    """The api_key's (or Bearer token's) principal; anonymous without one; 403 for a bad key (the spec's code)."""
    depends_on_who_asks()
    key = request.values.get("api_key") or bearer_token()
    if not key:
        return ANONYMOUS
    configured = current_app.config["SETTINGS"].web.api_token
    if configured and hmac.compare_digest(key.encode(), configured.encode()):
        return Principal(actor=CONFIG_TOKEN_ACTOR, roles=frozenset({"admin"}), token_id=0)
    try:
        return tokens.principal_for_token(_engine(), key)
    except tokens.InvalidToken:
        raise Forbidden("api_key: not valid") from None


def _check_jurisdiction() -> None:
    given = request.values.get("jurisdiction_id")
    if given and given != open311.JURISDICTION_ID:
        raise NotFound(f"jurisdiction_id: this endpoint serves {open311.JURISDICTION_ID} only")


def _lang() -> str:
    return "en" if request.values.get("lang") == "en" else "id"


@blueprint.get(f"/discovery.{FMT}")
def discovery(fmt: str) -> Response:
    document = {
        "changeset": "2026-11-30T00:00:00+07:00",
        "contact": "Pemerintah Kota Medan — layanan pengaduan masyarakat",
        "key_service": "API keys: ask the city's WebGIS administrator (webgis users/tokens)",
        # Not a field of the spec's discovery document, but clients need it (it is optional here:
        # this endpoint serves one jurisdiction, and any other is a 404).
        "jurisdiction_id": open311.JURISDICTION_ID,
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                       "url": url_for("open311.v2.services", fmt="json", _external=True).rsplit("/", 1)[0],
                       "changeset": "2026-11-30T00:00:00+07:00", "type": "production",
                       "jurisdiction_id": open311.JURISDICTION_ID,
                       "formats": ["text/xml", "application/json"]}],
    }
    return respond(fmt, "discovery", document)


@blueprint.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    _check_jurisdiction()
    return respond(fmt, "services", open311.service_list(_lang()))


@blueprint.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    _check_jurisdiction()
    return respond(fmt, "service_definition", open311.service_definition(code, _lang()))


def _attributes(form: Any) -> dict[str, Any]:
    """attribute[CODE]=v and attribute[CODE][]=v1&attribute[CODE][]=v2 (multivaluelist), as the spec sends them."""
    out: dict[str, Any] = {}
    for key in form:
        if not key.startswith("attribute[") or not key.endswith("]"):
            continue
        code = key[len("attribute["):].removesuffix("[]").removesuffix("]")
        values = form.getlist(key)
        out[code] = values if key.endswith("[]") else values[-1]
    return out


def _photo() -> bytes | None:
    upload = request.files.get("media")
    if upload is None or not upload.filename and not upload.content_length:
        return None
    data = upload.stream.read(MAX_PHOTO_BYTES + 1)  # never more than one byte past the limit into memory
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge("media: the photo is larger than 5 MB")
    return data


def submission_from_form(form: Any, photo: bytes | None, idempotency_key: str = "") -> intake.Submission:
    return intake.Submission(
        service_code=form.get("service_code", ""), lat=form.get("lat"), long=form.get("long"),
        description=form.get("description", ""), address_string=form.get("address_string", ""),
        attributes=_attributes(form), photo=photo, first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""), email=form.get("email", ""), phone=form.get("phone", ""),
        idempotency_key=idempotency_key,
    )


@blueprint.post(f"/requests.{FMT}")
@rate_limit("COMPLAINT_RATE_LIMIT", "10 per minute",
            per_address=("COMPLAINT_RATE_LIMIT_PER_ADDRESS", "60 per minute"))
def create_request(fmt: str) -> Response:
    _check_jurisdiction()
    who = principal()
    if not request.form.get("service_code"):
        raise BadRequest("service_code: required")
    if request.form.get("address_id") and not any(request.form.get(k) for k in ("lat", "long", "address_string")):
        raise BadRequest("address_id: Kota Medan has no address ids yet; send lat and long, or address_string "
                         "naming the street or place and the kelurahan")
    # Idempotency-Key (the IETF httpapi draft's header): a client retrying on a weak connection
    # gets the report its first attempt filed instead of filing a second.
    key = request.headers.get("Idempotency-Key", "")
    receipt = intake.submit(_engine(), submission_from_form(request.form, _photo(), key),
                            actor=who.actor if not who.is_anonymous else "open311:anonymous",
                            reporter=account_of(who))
    return respond(fmt, "service_requests", [{
        "service_request_id": receipt.service_request_id, "token": receipt.token,
        "service_notice": receipt.service_notice, "account_id": None}])


def _csv(name: str) -> list[str]:
    return [v for v in (request.args.get(name) or "").split(",") if v]


def _filters() -> dict[str, Any]:
    ids = _csv("service_request_id")
    if ids:  # the spec: service_request_id overrides every other argument
        return {"ids": ids}
    statuses: list[str] = []
    for status in _csv("status"):
        if status not in ("open", "closed"):
            raise BadRequest(f"status: {status!r} is not open or closed")
        statuses += workflow.internal_statuses(status)
    end = open311.parse_w3c("end_date", request.args["end_date"], end=True) if request.args.get("end_date") else None
    start = open311.parse_w3c("start_date", request.args["start_date"]) if request.args.get("start_date") else None
    if start is None:
        start = (end or now_utc()) - timedelta(days=DEFAULT_DAYS)
    if end is not None and end < start:
        raise BadRequest("end_date: before start_date")
    return {"codes": _csv("service_code"), "statuses": statuses, "start": start, "end": end}


def _is_staff(who: Principal) -> bool:
    return who.has_any(STAFF_ROLES)


def _records(who: Principal, **filters: Any) -> list[dict[str, Any]]:
    if _is_staff(who):
        mark_private()  # the staff record: description, exact point, photo
        # The rows the layer's row rule lets this principal reach (layers/access.py): its agencies' reports.
        scope = row_scope(get_registry().get("complaints"), who)
        agencies = None if scope is None else [v for name, values in scope.conditions if name == "agency" for v in values]
        rows = list_complaints(_engine(), "complaints", agencies=agencies, limit=MAX_RESULTS, **filters)
        notices = intake.service_notices(_engine(), rows)
        return [open311.request_record(r, staff=True, media_url=_media_url(r), notice=notices[r["service_request_id"]])
                for r in rows]
    rows = list_complaints(_engine(), "complaints_public", limit=MAX_RESULTS, **filters)
    with_photo = photo_names(_engine(), [r["service_request_id"] for r in rows])
    notices = intake.service_notices(_engine(), rows)
    return [open311.request_record(r, media_url=_public_media_url(r) if r["service_request_id"] in with_photo else None,
                                   notice=notices[r["service_request_id"]])
            for r in rows]


def _media_url(row: dict[str, Any]) -> str | None:
    if not row.get("media"):
        return None
    return url_for("open311.staff.media_file", service_request_id=row["service_request_id"], _external=True)


def _public_media_url(row: dict[str, Any]) -> str:
    """The web copy of a public report's photo (resized, no location metadata): the citizen page's."""
    return url_for("citizen.photo", service_request_id=row["service_request_id"], _external=True)


@blueprint.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> Response:
    _check_jurisdiction()
    return respond(fmt, "service_requests", _records(principal(), **_filters()))


@blueprint.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id: str, fmt: str) -> Response:
    _check_jurisdiction()
    records = _records(principal(), ids=[service_request_id])
    if not records:
        raise NotFound(f"service_request_id: no request {service_request_id!r}")
    return respond(fmt, "service_requests", records)


@blueprint.get(f"/tokens/<token>.{FMT}")
def get_token(token: str, fmt: str) -> Response:
    _check_jurisdiction()
    found = find_by_token(_engine(), token) if len(token) <= 64 else None
    if found is None:
        raise NotFound("token: unknown")
    return respond(fmt, "service_requests", [{"service_request_id": found, "token": token}])


# ------------------------------------------------------------------ extensions (not in GeoReport v2)
@blueprint.get(f"/duplicates.{FMT}")
def duplicates(fmt: str) -> Response:
    """Reports a new one might duplicate: same service_code within 50 m in the last 30 days, still open."""
    lon, lat = intake.check_location(request.args.get("long"), request.args.get("lat"))
    found = intake.suggest_duplicates(_engine(), request.args.get("service_code", ""), lon, lat)
    for d in found:
        d["requested_datetime"] = open311.w3c(d["requested_datetime"])
    return respond(fmt, "service_requests", found)


@blueprint.post(f"/requests/<service_request_id>/support.{FMT}")
@rate_limit("COMPLAINT_SUPPORT_RATE_LIMIT", "20 per minute",
            per_address=("COMPLAINT_SUPPORT_RATE_LIMIT_PER_ADDRESS", "120 per minute"))
def support(service_request_id: str, fmt: str) -> Response:
    """A citizen's +1 on an open report instead of filing the same one again."""
    count = workflow.support(_engine(), service_request_id, supporter=supporter_for(principal()))
    return respond(fmt, "service_requests", [{"service_request_id": service_request_id, "supporters": count}])


@blueprint.get(f"/requests/<service_request_id>/history.{FMT}")
def history(service_request_id: str, fmt: str) -> Response:
    """The public timeline of a report: when, status, public notes, support; actors only as roles."""
    if find_complaint(_engine(), service_request_id, layer_id="complaints_public") is None:
        raise ReportNotFound(f"service_request_id: no request {service_request_id!r}")
    events = workflow.timeline(_engine(), service_request_id, staff=False)
    for event in events:
        event["at"] = open311.w3c(event["at"])
    return respond(fmt, "history", events)
