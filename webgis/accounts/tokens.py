"""API tokens for scripts and notebooks (Flask-free).

A token is `mwg_` + 43 random URL-safe characters (256 bits). Only its SHA-256
is stored: for a secret this long a fast hash is enough (nobody can search
2^256 candidates), and it lets a request find its token with one index lookup.
The secret is returned once, at creation. A token's `roles` are its scope;
at use they are intersected with the owner's current roles, so taking a role
from a user takes it from all their tokens too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from layers.access import Principal
from webgis.accounts.store import AccountError, User, get_user

PREFIX = "mwg_"
# last_used_at is written at most this often per token: a script polling every
# second should not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidToken(Exception):
    """The token is unknown, revoked or expired; the message says which (the caller has the secret)."""


@dataclass(frozen=True)
class NewToken:
    id: int
    secret: str
    prefix: str
    roles: tuple[str, ...]
    expires_at: datetime | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    bind: Engine, owner: User, name: str, *, roles: list[str] | None = None, expires_in: timedelta | None = None,
) -> NewToken:
    scope = sorted(set(roles) if roles else owner.roles)
    beyond = sorted(set(scope) - set(owner.roles))
    if beyond:
        raise AccountError(f"a token cannot hold roles its owner does not have: {beyond}")
    if not name.strip() or len(name) > 100:
        raise AccountError("a token needs a name of 1-100 characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + expires_in if expires_in else None
    with bind.begin() as conn:
        token_id = conn.execute(
            text("INSERT INTO auth.api_tokens (user_id, name, prefix, token_sha256, roles, expires_at) "
                 "VALUES (:u, :n, :p, :h, :r, :e) RETURNING id"),
            {"u": owner.id, "n": name.strip(), "p": secret[:10], "h": digest(secret), "r": scope, "e": expires_at},
        ).scalar_one()
    return NewToken(token_id, secret, secret[:10], tuple(scope), expires_at)


def principal_for_token(bind: Engine, secret: str) -> Principal:
    """The principal a presented token stands for, or InvalidToken."""
    if not secret.startswith(PREFIX):
        raise InvalidToken("the API token is not valid")
    with bind.connect() as conn:
        row = conn.execute(
            text("SELECT id, user_id, roles, revoked_at, (expires_at IS NOT NULL AND expires_at <= now()) AS expired "
                 "FROM auth.api_tokens WHERE token_sha256 = :h"),
            {"h": digest(secret)},
        ).first()
        if row is None:
            raise InvalidToken("the API token is not valid")
        if row.revoked_at is not None:
            raise InvalidToken("the API token has been revoked")
        if row.expired:
            raise InvalidToken("the API token has expired")
        owner = get_user(conn, user_id=row.user_id)
    if owner is None or not owner.active:
        raise InvalidToken("the API token's owner is deactivated")
    _touch(bind, row.id)
    return Principal(actor=f"token:{row.id}:{owner.username}", roles=frozenset(row.roles) & owner.roles,
                     agencies=owner.agencies, user_id=owner.id, token_id=row.id, heads=owner.heads)


def _touch(bind: Engine, token_id: int) -> None:
    with bind.begin() as conn:
        conn.execute(text("UPDATE auth.api_tokens SET last_used_at = now() WHERE id = :id "
                          "AND (last_used_at IS NULL OR last_used_at < now() - :res)"),
                     {"id": token_id, "res": LAST_USED_RESOLUTION})


def list_tokens(bind: Engine, user_id: int | None = None) -> list[dict[str, Any]]:
    """Tokens without their secret (never stored), newest first; all users' when user_id is None."""
    with bind.connect() as conn:
        rows = conn.execute(text("""
            SELECT t.id, u.username AS owner, t.name, t.prefix, t.roles, t.created_at, t.expires_at,
                   t.last_used_at, t.revoked_at
            FROM auth.api_tokens t JOIN auth.users u ON u.id = t.user_id
            WHERE CAST(:u AS bigint) IS NULL OR t.user_id = :u ORDER BY t.id DESC"""), {"u": user_id})
        return [dict(r._mapping) for r in rows]


def revoke_token(bind: Engine, token_id: int, *, by: Principal) -> dict[str, Any]:
    """Revoke a token of `by` (or any token when `by` is admin); returns the token's row."""
    with bind.begin() as conn:
        row = conn.execute(
            text("UPDATE auth.api_tokens SET revoked_at = coalesce(revoked_at, now()) "
                 "WHERE id = :id AND (user_id = :u OR :admin) RETURNING id, name, prefix, user_id"),
            {"id": token_id, "u": by.user_id, "admin": by.is_admin},
        ).first()
    if row is None:
        raise AccountError("no such token of yours")
    return dict(row._mapping)
