"""Membership: a citizen's account becomes a library member (name, at least one contact to be told
when a book is ready, a home branch). Personal data: only the member, library staff and admins see
it (layers.access.can_see_library_member). Every change is kept in library.history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert

from layers.access import Principal
from services.errors import Conflict, NotFound, ServiceError
from services.library import queries
from services.library.rules import (
    NotAllowed,
    NotSignedIn,
    checked_email,
    checked_name,
    may_see_member,
    normalised_phone,
)

PUBLIC_FIELDS = ("nomor_anggota", "nama", "email", "telepon", "cabang_asal", "status", "joined_at")


@dataclass(frozen=True)
class Application:
    """What the membership form sends, as typed."""

    nama: str = ""
    email: str = ""
    telepon: str = ""
    cabang_asal: str = ""


def member_number(user_id: int, joined: datetime) -> str:
    """The card number: the year joined and the account, e.g. AGT-2026-000042 (not a secret: the
    hand-over compares it with the card shown, and every reading path asks may_see_member)."""
    return f"AGT-{joined.year}-{user_id:06d}"


def own_membership(engine: Engine, principal: Principal) -> dict[str, Any] | None:
    """The principal's own membership, None when it has none (or is not logged in)."""
    if principal.user_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(queries.member_of_user(principal.user_id)).mappings().first()
    return {k: row[k] for k in PUBLIC_FIELDS} if row else None


def member(engine: Engine, principal: Principal, nomor_anggota: str) -> dict[str, Any]:
    """A member's record for the member, library staff and admins; NotFound for anyone else (as if absent)."""
    with engine.connect() as conn:
        row = conn.execute(queries.member(nomor_anggota)).mappings().first()
    if row is None or not may_see_member(principal, row["user_id"]):
        raise NotFound(f"anggota {nomor_anggota[:40]!r} tidak ada")
    return {k: row[k] for k in PUBLIC_FIELDS}


def join(engine: Engine, principal: Principal, application: Application, branches: set[str], *,
         now: datetime | None = None) -> dict[str, Any]:
    """Make the principal's account a member; everything checked before the one write (with history)."""
    if principal.user_id is None:
        raise NotSignedIn("masuk (login) dulu untuk menjadi anggota perpustakaan")
    if principal.token_id is not None:
        raise NotAllowed("keanggotaan dibuat dari akun warga di peramban, bukan dengan token API")
    nama = checked_name(application.nama)
    email, telepon = checked_email(application.email), normalised_phone(application.telepon)
    if email is None and telepon is None:
        raise ServiceError("isi e-mail atau nomor ponsel: ke sanalah kabar buku siap diambil dikirim")
    if application.cabang_asal not in branches:
        raise ServiceError("cabang_asal: pilih salah satu cabang Perpustakaan Kota Medan")
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(queries.member_of_user(principal.user_id).with_for_update()).first() is not None:
            raise Conflict("akun ini sudah menjadi anggota perpustakaan")
        values = {"nomor_anggota": member_number(principal.user_id, now), "user_id": principal.user_id, "nama": nama,
                  "email": email, "telepon": telepon, "cabang_asal": application.cabang_asal, "status": "aktif",
                  "joined_at": now}
        conn.execute(insert(queries.MEMBERS).values(**values))
        queries.record(conn, "member", values["nomor_anggota"], "joined", None, values, actor=principal.actor, at=now)
    return {k: values[k] for k in PUBLIC_FIELDS}


def active_member(conn: Connection, principal: Principal) -> dict[str, Any]:
    """The principal's active membership inside a transaction, row-locked; refusals say what to do."""
    if principal.user_id is None:
        raise NotSignedIn("masuk (login) dulu untuk memesan buku")
    row = conn.execute(queries.member_of_user(principal.user_id).with_for_update()).mappings().first()
    if row is None:
        raise NotAllowed("daftar menjadi anggota perpustakaan dulu (gratis) untuk memesan buku")
    if row["status"] != "aktif":
        raise NotAllowed("keanggotaan ini tidak aktif")
    return dict(row)
