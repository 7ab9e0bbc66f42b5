"""Each hospital's own reporting tokens: issued and revoked by an admin, kept only as a SHA-256.

A token is `rsb_` + 43 random URL-safe characters (256 bits), shown once at issue. It names one
hospital and reports for that hospital only: presented for another, it is refused (403) and
nothing is written. A token is not an account: it holds no role and reaches nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from services.errors import NotFound, ServiceError
from services.sirs import queries

PREFIX = "rsb_"


class TokenRefused(ServiceError):
    """No valid hospital token (401): missing, unknown or revoked."""

    status = 401
    code = "Unauthorized"


class WrongHospital(ServiceError):
    """A valid token of another hospital (403)."""

    status = 403
    code = "Forbidden"


@dataclass(frozen=True)
class IssuedToken:
    id: int
    kode_faskes: str
    secret: str  # shown once; never stored
    prefix: str
    created_at: datetime


def digest(secret: str) -> str:
    # A 256-bit random secret cannot be searched, so a fast hash suffices and one index lookup finds it.
    return hashlib.sha256(secret.encode()).hexdigest()


def require_hospital(conn: Connection, kode_faskes: str) -> dict[str, Any]:
    row = conn.execute(queries.hospital(), {"kode": kode_faskes}).mappings().first()
    if row is None:
        raise NotFound(f"tidak ada rumah sakit dengan kode {kode_faskes!r}")
    return dict(row)


def issue(engine: Engine, kode_faskes: str, *, label: str, actor: str) -> IssuedToken:
    """A new token for one hospital (NotFound when the code is no hospital)."""
    label = label.strip()
    if not 1 <= len(label) <= 100:
        raise ServiceError("label token harus 1-100 karakter")
    secret = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        require_hospital(conn, kode_faskes)
        row = conn.execute(queries.insert_token(), {"kode": kode_faskes, "label": label, "prefix": secret[:10],
                                                    "digest": digest(secret), "actor": actor}).one()
    return IssuedToken(row.id, kode_faskes, secret, secret[:10], row.created_at)


def revoke(engine: Engine, token_id: int, *, actor: str) -> dict[str, Any]:
    with engine.begin() as conn:
        row = conn.execute(queries.revoke_token(), {"id": token_id, "actor": actor}).mappings().first()
    if row is None:
        raise NotFound(f"tidak ada token {token_id}")
    return dict(row)


def list_tokens(engine: Engine, kode_faskes: str | None = None) -> list[dict[str, Any]]:
    """Tokens without their secret (never stored), newest first."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(queries.list_tokens(), {"kode": kode_faskes}).mappings()]


def authorise(conn: Connection, secret: str | None, kode_faskes: str) -> str:
    """The actor of a report of `kode_faskes` made with `secret`, or TokenRefused / WrongHospital."""
    if not secret or not secret.startswith(PREFIX):
        raise TokenRefused("kirim token rumah sakit: 'Authorization: Bearer rsb_...'")
    row = conn.execute(queries.token_by_digest(), {"digest": digest(secret)}).first()
    if row is None:
        raise TokenRefused("token rumah sakit tidak dikenal")
    if row.revoked_at is not None:
        raise TokenRefused("token rumah sakit ini sudah dicabut")
    if row.kode_faskes != kode_faskes:
        raise WrongHospital(f"token ini milik rumah sakit {row.kode_faskes}; tidak boleh melapor untuk {kode_faskes}")
    conn.execute(queries.touch_token(), {"id": row.id})
    return f"rs-token:{row.id}"
