"""Login sessions held server-side (auth.sessions), so that ending one takes effect at once.

The signed cookie carries a random session id; the database keeps only its
SHA-256. A request's session counts while its row is live (not ended, younger
than the session lifetime). Ended by: logout (that session), a password change
(the user's other sessions), a role or agency change and deactivation (all of
the user's sessions; webgis/accounts/store.py). Flask-free.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Connection, Engine, text

SID_BYTES = 24


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start(bind: Engine, user_id: int) -> str:
    """A new session of the user; returns the secret id for the signed cookie."""
    sid = secrets.token_urlsafe(SID_BYTES)
    with bind.begin() as conn:
        # Old rows of the user go: ended ones and those past any lifetime (a week covers every setting).
        conn.execute(text("DELETE FROM auth.sessions WHERE user_id = :u AND (ended_at IS NOT NULL "
                          "OR created_at < now() - interval '7 days')"), {"u": user_id})
        conn.execute(text("INSERT INTO auth.sessions (sid_sha256, user_id) VALUES (:s, :u)"),
                     {"s": _digest(sid), "u": user_id})
    return sid


def is_live(bind: Engine, sid: object, user_id: int, lifetime: timedelta) -> bool:
    """Whether this cookie's session of this user is still live."""
    if not isinstance(sid, str) or not sid:
        return False
    with bind.connect() as conn:
        return bool(conn.execute(text(
            "SELECT 1 FROM auth.sessions WHERE sid_sha256 = :s AND user_id = :u AND ended_at IS NULL "
            "AND created_at > now() - :life"), {"s": _digest(sid), "u": user_id, "life": lifetime}).first())


def end(bind: Engine, sid: object, because: str) -> None:
    """End one session (logout)."""
    if isinstance(sid, str) and sid:
        with bind.begin() as conn:
            conn.execute(text("UPDATE auth.sessions SET ended_at = now(), ended_because = :b "
                              "WHERE sid_sha256 = :s AND ended_at IS NULL"), {"s": _digest(sid), "b": because})


def end_all(conn: Connection, user_id: int, because: str, *, keep: object = None) -> int:
    """End every live session of the user (but `keep`, the caller's own, when given); returns how many."""
    keep_digest = _digest(keep) if isinstance(keep, str) and keep else ""
    return conn.execute(text(
        "UPDATE auth.sessions SET ended_at = now(), ended_because = :b "
        "WHERE user_id = :u AND ended_at IS NULL AND sid_sha256 <> :k"),
        {"u": user_id, "b": because, "k": keep_digest}).rowcount
