"""Open311 GeoReport v2 documents as plain data (Flask-free): services, definitions, requests.

Field names and order follow the GeoReport v2 specification
(wiki.open311.org/GeoReport_v2). Date-times are W3C/ISO 8601 with the
offset, in Medan's time (WIB, +07:00). Public request records are built from
the `complaints_public` layer only, so they cannot carry what that layer
does not hold (description, contact, exact point); their `media_url` is the
address of the photo's public web copy (resized, no metadata), given by the
caller (services/complaints/photos.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.complaints.categories import Category, load_categories
from services.complaints.rules import due_at_of
from services.complaints.workflow import open311_status
from services.errors import ServiceError

WIB = ZoneInfo("Asia/Jakarta")
JURISDICTION_ID = "pemkomedan.go.id"
STATUS_LABEL = {"open": "Baru diterima", "acknowledged": "Diterima petugas", "in_progress": "Sedang dikerjakan",
                "resolved": "Selesai ditangani", "rejected": "Ditolak", "closed": "Ditutup"}
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url")


def w3c(value: datetime | str | None) -> str | None:
    """A date-time as the spec's W3C profile of ISO 8601, with offset (e.g. 2026-11-30T08:15:30+07:00)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(WIB).isoformat(timespec="seconds")


W3C_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_w3c(name: str, text: str, *, end: bool = False) -> datetime:
    """A start_date/end_date argument in W3C-DTF (https://www.w3.org/TR/NOTE-datetime).

    A date alone (YYYY, YYYY-MM, YYYY-MM-DD) is a day, month or year in Medan's time: a start
    date is its first instant, an end date (`end=True`) its last (end_date is inclusive), so
    that end_date=2026-12-01 includes all of 1 December. A date with a time must carry its time
    zone designator (W3C-DTF requires one), so a naive date-time is refused.
    """
    text = text.strip()
    date_only = W3C_DATE.match(text)
    if date_only:
        return _period_bound(name, text, date_only, end)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ServiceError(f"{name}: {text!r} is not a W3C date or date-time such as 2026-11-01 "
                           "or 2026-11-01T00:00:00+07:00") from None
    if value.tzinfo is None:
        raise ServiceError(f"{name}: a date-time needs its time zone (Z or +07:00), or give the date alone")
    return value


def _period_bound(name: str, text: str, match: re.Match, end: bool) -> datetime:
    year, month, day = int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)
    try:
        first = datetime(year, month, day, tzinfo=WIB)
    except ValueError:
        raise ServiceError(f"{name}: {text!r} is not a date") from None
    if not end:
        return first
    if match.group(3):
        after = first + timedelta(days=1)
    elif match.group(2):
        after = first.replace(year=year + month // 12, month=month % 12 + 1)
    else:
        after = first.replace(year=year + 1)
    return after - timedelta(microseconds=1)


def service_list(lang: str = "id") -> list[dict[str, Any]]:
    return [{
        "service_code": c.service_code, "service_name": c.name.get(lang), "description": c.description.get(lang),
        "metadata": bool(c.attributes), "type": "realtime", "keywords": ", ".join(c.keywords), "group": c.group,
    } for c in load_categories().values()]


def service_definition(service_code: str, lang: str = "id") -> dict[str, Any]:
    category = load_categories().get(service_code)
    if category is None:
        from services.complaints.records import NotFound

        raise NotFound(f"service_code: no service {service_code!r}")
    return {"service_code": category.service_code, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description(), "order": order, "description": a.description.get(lang),
         **({"values": [{"key": v.key, "name": v.name.get(lang)} for v in a.values]} if a.values else {})}
        for order, a in enumerate(category.attributes, start=1)
    ]}


def _category(code: str) -> Category | None:
    return load_categories().get(code)


def _notes(row: dict[str, Any]) -> str:
    label = STATUS_LABEL.get(row["status"], row["status"])
    return f"{label}. {row['status_notes']}" if row.get("status_notes") else label


def request_record(row: dict[str, Any], *, staff: bool = False, media_url: str | None = None,
                   notice: str | None = None) -> dict[str, Any]:
    """One service request in the spec's fields; `row` from complaints_public, or complaints for staff.
    `media_url` is the photo's address for this reader (services/complaints/photos.py for the public);
    `notice` its service_notice (intake.service_notices, the same as POST answered)."""
    category = _category(row["service_code"])
    expected = due_at_of(row)
    status = open311_status(row["status"])
    area = f"Kel. {row.get('nama_kel') or '-'}, Kec. {row.get('nama_kec') or '-'}"
    record = {
        "service_request_id": row["service_request_id"],
        "status": status,
        "status_notes": _notes(row),
        "service_name": category.name.id if category else row["service_code"],
        "service_code": row["service_code"],
        "description": row.get("description") if staff else None,
        "agency_responsible": row["agency"],
        "service_notice": notice,
        "requested_datetime": w3c(row["requested_datetime"]),
        "updated_datetime": w3c(row["updated_datetime"]),
        "expected_datetime": w3c(expected) if status == "open" else None,
        "address": (row.get("address") or area) if staff else area,
        "address_id": None,
        "zipcode": None,
        "lat": round(float(row["lat"]), 6),
        "long": round(float(row["lon"]), 6),
        "media_url": media_url,  # the caller's: the staff view's original, or the public web copy
    }
    return record
