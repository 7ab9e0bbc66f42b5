"""Issued documents and what the public verification page shows of one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.errors import ServiceError


@dataclass(frozen=True)
class Document:
    code: str
    service: str
    case_ref: str
    kind: str  # permit | sppt | receipt | ... (the service's declaration names its documents)
    title: dict[str, str]  # {"id": ..., "en": ...}
    holder_name: str
    holder_ref: str  # the holder's account ("user:12"), who may download the PDF; "" when none
    fields: dict[str, str]
    issued_at: datetime
    valid_until: date | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoked_reason: str | None = None
    public_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """What /verifikasi/<code> shows: what was issued, to whom (masked), when, and whether it still holds."""

    code: str
    kind: str
    title: dict[str, str]
    service: str
    case_ref: str
    holder_masked: str
    issued_at: datetime
    valid_until: date | None
    status: str  # valid | expired | revoked
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    shown_fields: dict[str, str] = field(default_factory=dict)


# What verify() found for a code that names no document: the page says which, plainly.
MALFORMED, FORGED, UNKNOWN = "malformed", "forged", "unknown"


class DocumentError(ServiceError):
    code = "InvalidParameterValue"


class DocumentNotFound(DocumentError):
    status = 404
