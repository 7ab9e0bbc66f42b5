"""Taking in a citizen's report: validate, tag from the spatial core, suggest duplicates, store.

Everything is checked before anything is written; a refused report leaves no
row and no file. Tagging asks the spatial core, in one statement: the kelurahan/kecamatan and
disaster-risk class containing the point and the nearest device when the
category names a device layer (services/complaints/queries.py); the agency
follows from the category and the kecamatan.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from layers.tables import Bind, reading, transaction
from services.complaints import queries
from services.complaints.categories import Category, load_categories
from services.complaints.records import find_complaint, now_utc, point, rounded
from services.engine import cases, gazetteer, media
from services.errors import ServiceError

MAX_DESCRIPTION = 4000
DUPLICATE_RADIUS_M = 50.0
DUPLICATE_DAYS = 30
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
# A submission's idempotency key: chosen at random on the citizen's phone (a UUID), 16-64 URL-safe characters.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Submission:
    """What a citizen (or a device alarm) reports; field names follow Open311 POST requests."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    description: str = ""
    address_string: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    photo: bytes | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    device_alarm: str | None = None
    # The same key sent again (a report kept offline and replayed, an answer lost on a weak
    # connection) files nothing new: the report filed under it is answered.
    idempotency_key: str = ""


@dataclass(frozen=True)
class Tags:
    kode_kel: str
    nama_kel: str
    nama_kec: str
    risk_class: str | None
    agency: str
    nearest_device: str | None = None
    device_distance_m: float | None = None


@dataclass(frozen=True)
class Receipt:
    service_request_id: str
    token: str
    service_notice: str
    tags: Tags
    duplicates: list[dict[str, Any]]
    replayed: bool = False  # True when the idempotency key had already filed this report


class _FiledBefore(Exception):
    """Raised inside the filing transaction when the submission's key is already recorded (rolls it back)."""


def category_for(service_code: str) -> Category:
    category = load_categories().get(service_code)
    if category is None:
        raise ServiceError(f"service_code: unknown service {service_code!r}; see services.json",
                           [f"known: {', '.join(load_categories())}"])
    return category


def check_location(lon: Any, lat: Any) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ServiceError("lat/long: a location (lat and long, WGS 84) is required") from None
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ServiceError("lat/long: not a WGS 84 coordinate")
    return lon, lat


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def locate(bind: Bind, sub: Submission) -> tuple[float, float, gazetteer.Place | None]:
    """(lon, lat, place): from lat/long when given, else from the street, place or kelurahan address_string names.

    GeoReport v2: "lat & long, address_string or address_id" — any one locates a request.
    `place` is the kelurahan an address-only report was placed in (None for a map point).
    """
    if not (_blank(sub.lat) and _blank(sub.long)):
        return (*check_location(sub.long, sub.lat), None)
    if not _blank(sub.address_string):
        place = gazetteer.resolve_address(bind, sub.address_string)
        return place.lon, place.lat, place
    raise ServiceError("lat/long: a location is required: lat and long (WGS 84), or address_string "
                       "naming the street or place and the kelurahan")


def placed_note(place: gazetteer.Place) -> str:
    """The public note of an address-only report: where it was put, and that staff will place it exactly."""
    return (f"Lokasi dari alamat pelapor: {place.label} ({place.how}, belum lokasi tepat); "
            "petugas akan menandai lokasi tepat di peta.")


def _check_fields(sub: Submission, category: Category) -> tuple[dict[str, Any], list[str]]:
    attributes, problems = category.check_attributes(sub.attributes)
    if len(sub.description) > MAX_DESCRIPTION:
        problems.append(f"description: {len(sub.description)} characters; at most {MAX_DESCRIPTION}")
    if len(sub.address_string) > 500:
        problems.append("address_string: at most 500 characters")
    if sub.email and not EMAIL.match(sub.email):
        problems.append("email: not an e-mail address")
    if sub.phone and not PHONE.match(sub.phone):
        problems.append("phone: not a phone number")
    if len(sub.first_name) + len(sub.last_name) > 190:
        problems.append("first_name/last_name: too long")
    return attributes, problems


def intake_tags(bind: Bind, lon: float, lat: float, device_layer: str | None = None,
                within_m: float = 0.0) -> dict[str, Any] | None:
    """{kode_kel, nama_kel, nama_kec, risk_class, device_code, device_distance_m}; None outside every kelurahan."""
    params = {"lon": float(lon), "lat": float(lat)}
    if device_layer is not None:
        params["within"] = float(within_m)
    with reading(bind) as conn:
        row = conn.execute(queries.select_intake_tags(device_layer), params).mappings().one_or_none()
    if row is None:
        return None
    tags = {"device_code": None, "device_distance_m": None, **row}
    if tags["device_distance_m"] is not None:
        tags["device_distance_m"] = round(float(tags["device_distance_m"]), 1)
    return tags


def tag(bind: Bind, category: Category, lon: float, lat: float) -> Tags:
    """Where the point is, from the spatial core; ServiceError when it is outside Kota Medan.

    One tailored statement (services/complaints/queries.py) instead of the
    homepage's "what is here?" over every layer: intake needs three answers,
    and asking twenty was most of its time (benchmarks/bench_complaints.py).
    """
    found = intake_tags(bind, lon, lat, category.nearest, category.nearest_within_m if category.nearest else 0.0)
    if found is None:
        raise ServiceError(f"lat/long: {lat:.5f}, {lon:.5f} is outside Kota Medan")
    return Tags(
        kode_kel=found["kode_kel"], nama_kel=found["nama_kel"], nama_kec=found["nama_kec"],
        risk_class=found["risk_class"], agency=category.agency_for(found["nama_kec"]),
        nearest_device=found["device_code"], device_distance_m=found["device_distance_m"],
    )


def suggest_duplicates(bind: Bind, service_code: str, lon: float, lat: float,
                       now: datetime | None = None) -> list[dict[str, Any]]:
    """Reports of the same category still being handled within 50 m in the last 30 days (public fields only)."""
    category_for(service_code)
    since = (now or now_utc()) - timedelta(days=DUPLICATE_DAYS)
    query = queries.select_possible_duplicates(service_code, lon, lat, since=since, radius_m=DUPLICATE_RADIUS_M)
    with reading(bind) as conn:
        found = conn.execute(query).mappings().all()
    out = []
    for row in found:
        rlon, rlat = rounded(row["lon"], row["lat"])
        out.append({"service_request_id": row["service_request_id"], "status": row["status"],
                    "requested_datetime": row["requested_datetime"], "supporters": row["supporters"],
                    "nama_kel": row["nama_kel"], "distance_m": round(float(row["distance_m"])),
                    "lat": rlat, "long": rlon})
    return out


def new_request_id() -> str:
    """MDN-XXXXXXXX: the engine's case number with the declaration's prefix."""
    return cases.new_case_ref(cases.service_spec("complaints"))


def submit(bind: Bind, sub: Submission, *, actor: str = "open311:anonymous",
           now: datetime | None = None, source: str = "api", reporter: str | None = None) -> Receipt:
    """Validate, tag and store one report; ServiceError (nothing stored) when anything is wrong.

    `reporter`: the account of a logged-in citizen (layers.access.account_value), which
    the layer's row rule lets read its own reports. The report is filed through the service
    engine (services.engine.cases.file_case): the declared initial state and due time, the
    `submitted` event, the reporter's notice, in the one transaction that writes it."""
    key = checked_idempotency_key(sub.idempotency_key)
    if key and (earlier := filed_under_key(bind, key)) is not None:
        return replayed_receipt(bind, earlier)
    category = category_for(sub.service_code)
    lon, lat, placed = locate(bind, sub)
    attributes, problems = _check_fields(sub, category)
    if problems:
        raise ServiceError(f"the request for {category.service_code} has {len(problems)} problem(s)", problems)
    if sub.photo is not None:
        media.check_photo(sub.photo)  # before any query: a bad photo costs nothing
    tags = tag(bind, category, lon, lat)
    now = now or now_utc()
    duplicates = suggest_duplicates(bind, category.service_code, lon, lat, now)
    request_id, token = new_request_id(), secrets.token_urlsafe(18)
    properties = {  # the engine's names (case_ref, submitted_at, public_note...) and complaints' own
        "case_ref": request_id, "token": token, "service_code": category.service_code, "submitted_at": now,
        "description": sub.description.strip() or None, "address": sub.address_string.strip() or None,
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True) if attributes else None,
        "kode_kel": tags.kode_kel, "nama_kel": tags.nama_kel, "nama_kec": tags.nama_kec,
        "agency": tags.agency, "risk_class": tags.risk_class, "nearest_device": tags.nearest_device,
        "device_distance_m": tags.device_distance_m, "device_alarm": sub.device_alarm, "supporters": 0,
        "public_note": placed_note(placed) if placed else None,
        "contact_name": " ".join(p for p in (sub.first_name.strip(), sub.last_name.strip()) if p) or None,
        "email_pemohon": sub.email.strip() or None, "contact_phone": sub.phone.strip() or None,
        "akun_pemohon": reporter,
    }
    stored_photo = media.store_photo(sub.photo) if sub.photo is not None else None
    properties["media"] = stored_photo
    try:
        with transaction(bind, actor) as conn:
            if key and conn.execute(queries.record_submission_key(), {"key": key, "id": request_id}).first() is None:
                raise _FiledBefore
            cases.file_case(conn, "complaints", properties, point(lon, lat), actor=actor, source=source, now=now)
    except _FiledBefore:  # the same key arrived twice at once: the other arrival filed it
        media.remove_photo(stored_photo)
        return replayed_receipt(bind, filed_under_key(bind, key) or "")
    except BaseException:
        media.remove_photo(stored_photo)
        raise
    return Receipt(request_id, token, service_notice(category, tags, duplicates), tags, duplicates)


def checked_idempotency_key(key: str | None) -> str:
    """The key, stripped; "" when none was sent; ServiceError when it is not 16-64 URL-safe characters."""
    key = (key or "").strip()
    if key and not IDEMPOTENCY_KEY.match(key):
        raise ServiceError("idempotency_key: 16-64 characters of A-Z, a-z, 0-9, '-' or '_' (a UUID)")
    return key


def filed_under_key(bind: Bind, key: str) -> str | None:
    """The service_request_id an idempotency key filed, or None."""
    with reading(bind) as conn:
        return conn.execute(queries.select_filed_under_key(), {"key": key}).scalar_one_or_none()


def replayed_receipt(bind: Bind, service_request_id: str) -> Receipt:
    """The receipt of a report already filed, as its first filing answered (same number and notice)."""
    row = find_complaint(bind, service_request_id)
    if row is None:
        raise ServiceError(f"idempotency_key: the report {service_request_id!r} it filed is gone")
    tags = Tags(kode_kel=row["kode_kel"], nama_kel=row["nama_kel"], nama_kec=row["nama_kec"],
                risk_class=row["risk_class"], agency=row["agency"], nearest_device=row["nearest_device"],
                device_distance_m=row["device_distance_m"])
    return Receipt(service_request_id, row["token"], service_notices(bind, [row])[service_request_id], tags, [],
                   replayed=True)


def service_notice(category: Category, tags: Tags, duplicates: list[dict[str, Any]]) -> str:
    """Open311 `service_notice`: who handles it, by when, where, and any likely duplicate."""
    return notice_text(tags.agency, category.sla_days, tags.nama_kel, tags.nama_kec,
                       [d["service_request_id"] for d in duplicates])


def notice_text(agency: str, sla_days: int, nama_kel: str | None, nama_kec: str | None,
                duplicate_ids: list[str]) -> str:
    notice = (f"Ditangani oleh {agency}; target penanganan {sla_days} hari. "
              f"Lokasi: Kel. {nama_kel or '-'}, Kec. {nama_kec or '-'}.")
    if duplicate_ids:
        notice += f" Kemungkinan sama dengan laporan {', '.join(duplicate_ids)}; Anda dapat mendukung laporan tersebut."
    return notice


def service_notices(bind: Bind, rows: list[dict[str, Any]]) -> dict[str, str]:
    """The `service_notice` of each report, as POST answered it when the report came in (issue 17,
    Open311 item 4: GET and POST say the same): its agency, target and place, and the reports of
    its category still being handled that were filed within 30 days before it and 50 m of it."""
    if not rows:
        return {}
    ids = [r["service_request_id"] for r in rows]
    duplicates: dict[str, list[str]] = {i: [] for i in ids}
    query = queries.select_earlier_duplicates(ids, days=DUPLICATE_DAYS, radius_m=DUPLICATE_RADIUS_M)
    with reading(bind) as conn:
        for request_id, duplicate_id in conn.execute(query):
            duplicates[request_id].append(duplicate_id)
    categories = load_categories()
    notices = {}
    for row in rows:
        category = categories.get(row["service_code"])
        sla = category.sla_days if category else 0
        notices[row["service_request_id"]] = notice_text(row["agency"], sla, row.get("nama_kel"), row.get("nama_kec"),
                                                         duplicates[row["service_request_id"]])
    return notices
