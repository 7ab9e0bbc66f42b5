"""The audit log: who did what, when, from where (Flask-free).

Logins, failed logins, role changes, token creation and revocation, refused
writes: every security-relevant event goes through `record`. The log is
append-only; nothing in the application updates or deletes its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, text

# Events the platform writes; the admin page offers them as filters.
EVENTS = (
    "login", "login.failed", "login.throttled", "login.burst", "logout", "password.changed",
    "user.created", "user.roles_changed", "user.agencies_changed", "user.head_changed", "user.deactivated",
    "user.activated",
    "token.created", "token.revoked", "token.refused", "access.denied", "csrf.refused", "feature.restored",
    "request.write", "complaint.status", "complaint.comment", "complaint.assign",
    "operator.command", "operator.command_rejected", "operator.alarm_ack",
    "sirs.token_issued", "sirs.token_revoked",
)
# Called with the event after each record. The web registers one that marks the
# request as audited (webgis/accounts/trail.py), so that its catch-all record of
# writes does not add a second, vaguer line for a request that wrote its own.
LISTENERS: list[Callable[[str], None]] = []
# Called before each record for details every record should carry; the web
# registers one giving the request's method and path, so that a record written
# by a Flask-free operation (manage.py) still says which request it came from.
CONTEXT: list[Callable[[], dict[str, Any]]] = []


def record(bind: Engine, event: str, actor: str, ip: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Append one event; committed on its own so that a refused request still leaves its trace."""
    for context in CONTEXT:
        details = {**context(), **(details or {})}
    with bind.begin() as conn:
        conn.execute(
            text("INSERT INTO auth.audit_log (event, actor, ip, details) "
                 "VALUES (:event, :actor, CAST(:ip AS inet), CAST(:details AS jsonb))"),
            {"event": event, "actor": actor, "ip": ip or None,
             "details": orjson.dumps(details or {}, default=str).decode()},
        )
    for listener in LISTENERS:
        listener(event)


def search(
    bind: Engine, *, event: str | None = None, actor: str | None = None,
    since: datetime | None = None, before_id: int | None = None, limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; page with `before_id` (the smallest id of the previous page)."""
    sql = text("""
        SELECT id, at, event, actor, host(ip) AS ip, details FROM auth.audit_log
        WHERE (CAST(:event AS text) IS NULL OR event = :event)
          AND (CAST(:actor AS text) IS NULL OR actor = :actor)
          AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
          AND (CAST(:before_id AS bigint) IS NULL OR id < :before_id)
        ORDER BY id DESC LIMIT :limit""")
    params = {"event": event, "actor": actor, "since": since, "before_id": before_id,
              "limit": max(1, min(limit, 1000))}
    with bind.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sql, params)]


def count_recent(bind: Engine, event: str, key: str, value: str, minutes: int) -> int:
    """How many `event`s with details[key] == value in the last `minutes` (for login lockout)."""
    sql = text("""
        SELECT count(*) FROM auth.audit_log
        WHERE event = :event AND at > now() - make_interval(mins => :minutes)
          AND details ->> CAST(:key AS text) = :value""")
    with bind.connect() as conn:
        return conn.execute(sql, {"event": event, "key": key, "value": value, "minutes": minutes}).scalar_one()
