"""Notifications (issue 18's engine): an outbox written in the caller's transaction, a worker
that sends it by e-mail (SMTP) and SMS/WhatsApp (a MessageProvider), with retries.

    with engine.begin() as conn:
        ...  # the change that causes the message
        enqueue(conn, channel="email", recipient="warga@example.id", subject="...", body="...",
                dedupe_key=f"case:{ref}:submitted", origin="permits")
    send_due(engine)          # one pass; `python -m services notify run` loops

Statuses in notify.outbox: pending (due at next_attempt_at), sent, dead (last_error says why).
"""

from __future__ import annotations

import sys

from sqlalchemy import Connection

from services.engine.notify.outbox import (
    CHANNELS,
    BadMessage,
    Message,
    insert,
    requeue_dead,
    valid_address,
)
from services.engine.notify.providers import (
    MessageProvider,
    MessageRejected,
    ProviderUnavailable,
    RecordingProvider,
    SmtpProvider,
    providers_from_settings,
)
from services.engine.notify.worker import SendReport, backoff_s, run_worker, send_due


def enqueue(conn: Connection, *, channel: str, recipient: str, subject: str, body: str,
            dedupe_key: str | None = None, origin: str = "") -> int | None:
    """Queue a message in the caller's transaction; its outbox id, or None when `dedupe_key`
    was queued before. BadMessage (400) names a wrong channel, recipient, subject or body."""
    return insert(conn, channel=channel, recipient=recipient, subject=subject, body=body,
                  dedupe_key=dedupe_key, origin=origin)


def background_commands(database_url: str) -> list[tuple[str, list[str]]]:
    """What `webgis up` (./medan run) starts beside the web server: the worker. The database
    comes from DATABASE_URL, which the caller exports (kept off the command line)."""
    return [("notification worker", [sys.executable, "-m", "services", "notify", "run"])]


__all__ = ["CHANNELS", "BadMessage", "Message", "MessageProvider", "MessageRejected", "ProviderUnavailable",
           "RecordingProvider", "SendReport", "SmtpProvider", "backoff_s", "background_commands", "enqueue",
           "providers_from_settings", "requeue_dead", "run_worker", "send_due", "valid_address"]
