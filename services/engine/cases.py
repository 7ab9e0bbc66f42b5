"""A case's life on the engine: submit, transition, assign, comment, field visit.

Each step is one transaction: the case is written through layers/ (core.feature_history
keeps every version, the database derives the public register), its audit event goes to
engine.case_events, and the seams (notifications, bills, documents) are called with the
same connection, so all of it commits or none. Everything that can be checked before a
write is checked first; a refused step changes nothing and says why (said.Said).
"""

from __future__ import annotations

import importlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from layers import insert_features
from layers.access import Principal, account_of
from layers.registry import get_registry
from layers.tables import Bind, transaction
from services.engine import attachments, forms, queries, seams
from services.engine.model import ServiceSpec
from services.engine.registry import UnknownService, get_services
from services.engine.said import (
    CaseNotFound,
    Forbidden,
    FormRejected,
    NotSignedIn,
    Said,
)

# No 0/O/1/I: case numbers are read aloud over the phone and typed from paper.
REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_NOTE = 2000
VISIT_RADIUS_M = 200.0  # a field visit is recorded at the plot, not across town
STAFF_ROLES = ("staff", "admin")


@dataclass(frozen=True)
class Application:
    """What an applicant sends: form values, where (a drawn polygon, a point, a parcel), files,
    and the client's key for this submission (the same key twice files one case)."""

    fields: Mapping[str, Any]
    geometry: Mapping[str, Any] | None = None
    lon: Any = None
    lat: Any = None
    parcel: Any = None
    files: Mapping[str, bytes] = field(default_factory=dict)
    client_key: str | None = None


@dataclass(frozen=True)
class Receipt:
    case_ref: str
    status: str
    due_at: datetime | None
    findings: dict[str, Any] | None
    fee: int | None
    replayed: bool = False  # True: this client key had filed the case already; nothing new was written


def now_utc() -> datetime:
    return datetime.now(UTC)


def service_spec(service_id: str) -> ServiceSpec:
    try:
        return get_services().get(service_id)
    except UnknownService:
        raise CaseNotFound(Said(f"layanan {service_id!r} tidak ada", f"no service {service_id!r}")) from None


def rule(import_path: str) -> Callable[..., Any]:
    """A function named in a declaration ("package.module:function")."""
    module, _, name = import_path.partition(":")
    return getattr(importlib.import_module(module), name)


def due_at(spec: ServiceSpec, state: str, since: datetime,
           case: Mapping[str, Any] | None = None) -> datetime | None:
    """When a case entering `state` at `since` is due: the declaration's `due_rule` when it names one
    (given the case, its properties by the engine's names), else `since + due_days`; None without due_days."""
    days = spec.state(state).due_days
    if days is None:
        return None
    if spec.due_rule is not None:
        return rule(spec.due_rule)(spec, state, case or {}, since)
    return since + timedelta(days=days)


def new_case_ref(spec: ServiceSpec) -> str:
    return f"{spec.ref_prefix}-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(8))


# ---------------------------------------------------------------- submit

def submit(bind: Bind, service_id: str, application: Application, principal: Principal, *,
           now: datetime | None = None) -> Receipt:
    """File one application; FormRejected (nothing written, no file kept) when anything is wrong.

    The applicant is a logged-in account (the case layer's row rule gives it its own cases).
    A client key already used by this account for this service returns the first case."""
    spec = service_spec(service_id)
    if spec.filed_by != "citizen":
        raise Forbidden(Said(f"{spec.title.id} tidak diajukan warga; dibuat oleh petugas SKPD",
                             f"{spec.title.en} is not applied for by citizens; agency staff open it"))
    if spec.intake_page is not None:
        raise FormRejected(Said(f"{spec.title.id} diajukan melalui {spec.intake_page}",
                                f"{spec.title.en} are filed at {spec.intake_page}"))
    account = account_of(principal)
    if account is None:
        raise NotSignedIn(Said("masuk (login) dulu untuk mengajukan permohonan", "log in to apply"))
    key = _checked_client_key(application.client_key)
    if key is not None:
        replay = _replayed(bind, spec, account, key)
        if replay is not None:
            return replay
    case_spec = get_registry().get(spec.case_layer)
    values, problems = forms.check_fields(spec, case_spec, application.fields)
    if spec.form_rules:  # the service's own checks, on the values that are well typed
        problems += rule(spec.form_rules)(values)
    geometry, where = _location(bind, spec, application, principal)
    problems += where
    problems += attachments.check_files(spec.form.attachments, application.files)
    place = _place(bind, geometry) if geometry is not None and not where else None
    problems += _place_problems(place)
    if problems:
        raise FormRejected(Said(f"permohonan belum dapat diterima: {len(problems)} hal perlu diperbaiki",
                                f"the application cannot be accepted yet: {len(problems)} problem(s)"), problems)
    now = now or now_utc()
    stored = attachments.store(application.files)
    try:
        with transaction(bind, f"citizen:{account}") as conn:
            receipt = _file_case(conn, spec, values, geometry, place, stored, account, key, now)
    except BaseException:
        attachments.remove(stored)
        raise
    if receipt.replayed:  # a concurrent submit with the same key won: its case stands, our files go
        attachments.remove(stored)
    return receipt


def check_site(bind: Bind, service_id: str, geometry: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the applicant sees while drawing, before applying: where the plot is, its area, and the
    service's site checks; `problems` instead when the drawing itself is not acceptable. Writes nothing."""
    spec = service_spec(service_id)
    clean, problems = forms.check_polygon(geometry)
    place = _place(bind, clean) if clean is not None else None
    problems += _place_problems(place)
    if problems or place is None:
        return {"problems": [{"id": str(p), "en": p.en} for p in problems]}
    case = get_registry().get(spec.case_layer)
    properties = {}  # the form's values so far, those already valid (the checks may depend on them)
    for form_field in spec.form.fields:
        value, wrong = forms.check_field(form_field, case.prop(form_field.name), fields.get(form_field.name))
        if value is not None and not wrong:
            properties[form_field.name] = value
    found = rule(spec.checks)(bind, clean, properties) if spec.checks else {"findings": [], "verdict": "ok"}
    return {"problems": [], "place": {k: place[k] for k in ("kode_kel", "nama_kel", "nama_kec")},
            "area_m2": round(float(place["area_m2"]), 1), **found}


def _checked_client_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not CLIENT_KEY.match(key):
        raise FormRejected(Said("kunci pengiriman tidak sah (8–64 huruf, angka, - atau _)",
                                "client key must be 8-64 letters, digits, - or _"))
    return key


def _replayed(bind: Bind, spec: ServiceSpec, account: str, key: str) -> Receipt | None:
    with transaction(bind) as conn:
        case_ref = conn.execute(queries.select_client_key(),
                                {"service": spec.id, "account": account, "client_key": key}).scalar_one_or_none()
        if case_ref is None:
            return None
        row = conn.execute(queries.select_case(spec, case_ref)).mappings().one()
    return _receipt(spec.columns.engine_row(row, spec.id), replayed=True)


def _receipt(row: Mapping[str, Any], *, replayed: bool) -> Receipt:
    findings = json.loads(row["findings"]) if row.get("findings") else None
    return Receipt(row["case_ref"], row["status"], row["due_at"], findings, row.get("fee"), replayed)


def _location(bind: Bind, spec: ServiceSpec, application: Application,
              principal: Principal) -> tuple[dict | None, list[Said]]:
    """The case's geometry from what the form allows, in the declaration's order of preference:
    a drawn polygon, a map click, a parcel picked on the map, an address naming the kelurahan."""
    kinds = spec.form.location.kinds
    if "polygon" in kinds and application.geometry is not None:
        return forms.check_polygon(application.geometry)
    if "point" in kinds and application.lon not in (None, ""):
        return forms.check_point(application.lon, application.lat)
    if "parcel" in kinds and application.parcel not in (None, ""):
        return _parcel(bind, spec, application.parcel, principal)
    address = str(application.fields.get("address") or "").strip()
    if "address" in kinds and address:
        return _address(bind, address)
    label = spec.form.location.label
    return None, [Said(f"lokasi: {label.id}", f"location: {label.en}")]


def _parcel(bind: Bind, spec: ServiceSpec, parcel: Any, principal: Principal) -> tuple[dict | None, list[Said]]:
    """The plot of a parcel picked on the map, if the applicant may read that parcel (a citizen its own
    tax parcels, by the parcel layer's row rule); one that is not theirs is as absent as one that
    does not exist, so picking reveals nothing."""
    from layers import FeatureNotFound, get_feature
    from layers.access import can_read, row_visible

    parcel_spec = get_registry().get(spec.form.location.parcel_layer)
    absent = [Said("lokasi: bidang yang dipilih tidak ada", "location: the parcel picked does not exist")]
    try:
        feature = get_feature(bind, parcel_spec.id, int(parcel), include_private=True)
    except (TypeError, ValueError, FeatureNotFound):
        return None, absent
    if not (can_read(parcel_spec, principal) and row_visible(parcel_spec, principal, feature["properties"])):
        return None, absent
    geometry = feature["geometry"]
    if geometry["type"] == "MultiPolygon":
        if len(geometry["coordinates"]) != 1:
            return None, [Said("lokasi: bidang ini terdiri dari beberapa bagian; gambar bidang yang dimohon di peta",
                               "location: this parcel has several parts; draw the plot applied for on the map")]
        geometry = {"type": "Polygon", "coordinates": geometry["coordinates"][0]}
    return forms.check_polygon(geometry)


def _address(bind: Bind, address: str) -> tuple[dict | None, list[Said]]:
    """A point on the street or place the address names, else inside its kelurahan (services/engine/gazetteer.py;
    staff place it exactly)."""
    from services.engine import gazetteer
    from services.errors import ServiceError

    try:
        place = gazetteer.resolve_address(bind, address)
    except ServiceError:
        return None, [Said("lokasi: alamat tidak menyebut jalan, tempat atau kelurahan di Kota Medan; pilih titik di peta",
                           "location: the address names no street, place or kelurahan of Kota Medan; "
                           "pick a point on the map")]
    return {"type": "Point", "coordinates": [place.lon, place.lat]}, []


def _place(bind: Bind, geometry: dict) -> dict[str, Any]:
    from layers.tables import reading

    with reading(bind) as conn:
        return dict(conn.execute(queries.select_place(), {"geometry": json.dumps(geometry)}).mappings().one())


def _place_problems(place: dict[str, Any] | None) -> list[Said]:
    if place is None:
        return []
    if place["kode_kel"] is None or place["outside_m2"] > 0.01 * max(place["area_m2"], 1.0):
        return [Said("lokasi: berada di luar Kota Medan", "location: outside Kota Medan")]
    area = place["area_m2"]
    if area and not forms.MIN_PLOT_M2 <= area <= forms.MAX_PLOT_M2:
        return [Said(f"lokasi: luas bidang {area:,.0f} m² tidak wajar (10 m² sampai 100 ha)",
                     f"location: a plot of {area:,.0f} m² is not plausible (10 m² to 100 ha)")]
    return []


def _file_case(conn: Connection, spec: ServiceSpec, values: dict[str, Any], geometry: dict,
               place: dict[str, Any], stored: dict[str, str], account: str, key: str | None,
               now: datetime) -> Receipt:
    case_ref = new_case_ref(spec)
    if key is not None:
        claimed = conn.execute(queries.claim_client_key(), {"service": spec.id, "account": account,
                                                            "client_key": key, "case_ref": case_ref}).first()
        if claimed is None:
            existing = conn.execute(queries.select_client_key(),
                                    {"service": spec.id, "account": account, "client_key": key}).scalar_one()
            row = conn.execute(queries.select_case(spec, existing)).mappings().one()
            return _receipt(spec.columns.engine_row(row, spec.id), replayed=True)
    properties: dict[str, Any] = {
        **values, "case_ref": case_ref, "service": spec.id, "status": spec.initial, "agency": spec.agency,
        "submitted_at": now, "state_since": now, "akun_pemohon": account,
        "kode_kel": place["kode_kel"], "nama_kel": place["nama_kel"], "nama_kec": place["nama_kec"],
        "attachment_files": json.dumps(stored, sort_keys=True) if stored else None,
    }
    if "plot_area_m2" in get_registry().get(spec.case_layer).property_names and geometry["type"] != "Point":
        properties["plot_area_m2"] = round(float(place["area_m2"]), 1)
    findings = rule(spec.checks)(conn, geometry, properties) if spec.checks else None
    if findings is not None:
        properties.update(findings.get("summary", {}))
        properties["findings"] = json.dumps(findings, ensure_ascii=False, sort_keys=True)
    if spec.fees is not None:
        properties["fee"] = int(rule(spec.fees.rule)(properties))
    properties = _insert_case(conn, spec, properties, geometry, f"citizen:{account}", "citizen", now)
    return Receipt(case_ref, spec.initial, properties["due_at"], findings, properties.get("fee"))


def _insert_case(conn: Connection, spec: ServiceSpec, properties: dict[str, Any], geometry: dict, actor: str,
                 source: str, now: datetime) -> dict[str, Any]:
    """Write a new case (properties by the engine's names) in the initial state, audit it and set off
    what entering that state does; returns its properties with the due time."""
    properties = {**properties, "due_at": due_at(spec, spec.initial, now, properties)}
    columns = spec.columns
    stored = columns.to_layer({k: v for k, v in properties.items() if k != "service" or columns.service})
    if columns.updated_at is not None:
        stored[columns.updated_at] = now
    feature = {"type": "Feature", "geometry": geometry, "properties": stored}
    insert_features(conn, spec.case_layer, [feature], actor=actor, source=source)
    _event(conn, spec, properties["case_ref"], now, actor, "submitted", to_state=spec.initial, public=True)
    _after_entering(conn, spec, properties, spec.initial, now)
    return properties


def file_case(conn: Connection, service_id: str, properties: Mapping[str, Any], geometry: dict, *, actor: str,
              source: str, now: datetime | None = None) -> dict[str, Any]:
    """A case filed by the service's own intake (a declaration with `intake_page`: complaints' Open311,
    its citizen page and device alarms), checked there, written here in the caller's transaction like
    an application: the initial state, its due time, the `submitted` event, the notice. `properties`
    by the engine's names (case_ref, agency, submitted_at...) and the service's own."""
    spec = service_spec(service_id)
    now = now or now_utc()
    case = {"submitted_at": now, **properties, "service": spec.id, "status": spec.initial, "state_since": now}
    return _insert_case(conn, spec, case, geometry, actor, source, now)


def _event(conn: Connection, spec: ServiceSpec, case_ref: str, at: datetime, actor: str, kind: str, *,
           from_state: str | None = None, to_state: str | None = None, note: str | None = None,
           public: bool = False, photo: str | None = None, lon: float | None = None,
           lat: float | None = None) -> int:
    return conn.execute(queries.insert_event(), {
        "service": spec.id, "case_ref": case_ref, "at": at, "actor": actor, "kind": kind, "from_state": from_state,
        "to_state": to_state, "note": note, "public": public, "photo": photo, "lon": lon, "lat": lat}).scalar_one()


def _after_entering(conn: Connection, spec: ServiceSpec, case: Mapping[str, Any], state: str, now: datetime) -> None:
    """What entering a state sets off: the applicant's notice, a bill, the documents issued."""
    title = spec.state(state).title
    seams.notify(conn, recipient=case.get("email_pemohon"),
                 subject=f"{spec.title.id} {case['case_ref']}: {title.id}",
                 body=(f"Permohonan {case['case_ref']} ({spec.title.id}) kini berstatus: {title.id}.\n"
                       f"Application {case['case_ref']} ({spec.title.en}) is now: {title.en}."),
                 dedupe_key=f"engine:{spec.id}:{case['case_ref']}:{state}", origin=f"engine:{spec.id}")
    if spec.fees is not None and spec.fees.bill_on == state and case.get("fee"):
        seams.open_bill(conn, service=spec.id, case_ref=case["case_ref"], amount=int(case["fee"]),
                        description=f"{spec.title.id} {case['case_ref']}", payer_ref=str(case.get("akun_pemohon")),
                        expires_in=timedelta(days=spec.fees.expires_days))
    for document in spec.documents:
        if document.when == state:
            valid = (date(now.year + document.valid_years, now.month, min(now.day, 28))
                     if document.valid_years else None)
            seams.issue_document(conn, service=spec.id, case_ref=case["case_ref"], kind=document.kind,
                                 title={"id": document.title.id, "en": document.title.en},
                                 holder_name=str(case.get(document.holder) or ""),
                                 holder_ref=str(case.get("akun_pemohon") or ""),
                                 fields={"kelurahan": str(case.get("nama_kel") or ""),
                                         "kecamatan": str(case.get("nama_kec") or "")}, valid_until=valid)
