"""The outbox table: queue a message in the caller's transaction, claim due ones, settle them.

Writing the message in the same transaction as its cause (a case moved on, an alarm
escalated) is the outbox pattern: the message exists if and only if the cause committed,
and a worker sends it later, however long the provider is down. A `dedupe_key` names the
message's cause; queueing the same key twice queues once (ON CONFLICT on its unique index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from services.errors import ServiceError

CHANNELS = ("email", "sms", "whatsapp")
# One address, no display name, no header injection (no CR/LF can match).
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# E.164: "+" and 8 to 15 digits (Indonesian mobiles are +62 8xx, 11 to 14 digits).
PHONE = re.compile(r"^\+[1-9][0-9]{7,14}$")
MAX_SUBJECT, MAX_BODY, MAX_KEY = 200, 20_000, 300


class BadMessage(ServiceError):
    """A message that cannot be queued (unknown channel, malformed recipient, empty body): 400."""


@dataclass(frozen=True)
class Message:
    """A claimed outbox row, as a provider sends it."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    attempt: int  # 1 for the first try
    origin: str


def valid_address(channel: str, address: str) -> bool:
    """Is `address` a recipient of `channel` (an e-mail address, or an E.164 phone number)?"""
    pattern = EMAIL if channel == "email" else PHONE
    return channel in CHANNELS and isinstance(address, str) and len(address) <= 254 and bool(pattern.match(address))


def check_message(channel: str, recipient: str, subject: str, body: str, dedupe_key: str | None) -> None:
    """BadMessage naming what is wrong, before anything is written."""
    if channel not in CHANNELS:
        raise BadMessage(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    what = "an e-mail address" if channel == "email" else "a phone number as +62…"
    if not valid_address(channel, recipient):
        raise BadMessage(f"recipient of a {channel} message must be {what}, not {recipient!r}")
    if channel == "email" and not subject.strip():
        raise BadMessage("an e-mail needs a subject")
    if "\n" in subject or "\r" in subject or len(subject) > MAX_SUBJECT:
        raise BadMessage(f"subject must be one line of at most {MAX_SUBJECT} characters")
    if not body.strip() or len(body) > MAX_BODY:
        raise BadMessage(f"body must be 1 to {MAX_BODY} characters")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= MAX_KEY:
        raise BadMessage(f"dedupe_key must be 1 to {MAX_KEY} characters")


def insert(conn: Connection, *, channel: str, recipient: str, subject: str, body: str,
           dedupe_key: str | None, origin: str) -> int | None:
    """The new row's id, or None when `dedupe_key` is already queued (whatever its status)."""
    check_message(channel, recipient, subject, body, dedupe_key)
    return conn.execute(text(
        "INSERT INTO notify.outbox (channel, recipient, subject, body, dedupe_key, origin) "
        "VALUES (:channel, :recipient, :subject, :body, :key, :origin) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"),
        {"channel": channel, "recipient": recipient, "subject": subject, "body": body,
         "key": dedupe_key, "origin": origin}).scalar_one_or_none()


def claim_due(conn: Connection, now: datetime, limit: int, lease_s: float) -> list[Message]:
    """Take up to `limit` due messages: each is pushed `lease_s` into the future and counted
    as an attempt before it is sent, so a worker that dies while sending leaves it due again
    at the lease's end, and two workers never take the same row (SKIP LOCKED)."""
    rows = conn.execute(text(
        "UPDATE notify.outbox o SET attempts = o.attempts + 1, next_attempt_at = :lease "
        "FROM (SELECT id FROM notify.outbox WHERE status = 'pending' AND next_attempt_at <= :now "
        "      ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED) due "
        "WHERE o.id = due.id RETURNING o.id, o.channel, o.recipient, o.subject, o.body, o.attempts, o.origin"),
        {"now": now, "lease": now + timedelta(seconds=lease_s), "limit": limit}).all()
    return sorted((Message(*r) for r in rows), key=lambda m: m.id)


def mark_sent(conn: Connection, message: Message, now: datetime, provider_ref: str) -> None:
    conn.execute(text("UPDATE notify.outbox SET status = 'sent', sent_at = :now, provider_ref = :ref "
                      "WHERE id = :id AND status = 'pending'"),
                 {"now": now, "ref": provider_ref, "id": message.id})
    _attempt(conn, message, "sent", provider_ref)


def mark_retry(conn: Connection, message: Message, due: datetime, reason: str) -> None:
    conn.execute(text("UPDATE notify.outbox SET next_attempt_at = :due, last_error = :reason "
                      "WHERE id = :id AND status = 'pending'"),
                 {"due": due, "reason": reason, "id": message.id})
    _attempt(conn, message, "retry", reason)


def mark_dead(conn: Connection, message: Message, now: datetime, reason: str) -> None:
    conn.execute(text("UPDATE notify.outbox SET status = 'dead', dead_at = :now, last_error = :reason "
                      "WHERE id = :id AND status = 'pending'"),
                 {"now": now, "reason": reason, "id": message.id})
    _attempt(conn, message, "dead", reason)


def _attempt(conn: Connection, message: Message, outcome: str, detail: str) -> None:
    conn.execute(text("INSERT INTO notify.attempts (outbox_id, attempt, outcome, detail) "
                      "VALUES (:id, :attempt, :outcome, :detail)"),
                 {"id": message.id, "attempt": message.attempt, "outcome": outcome, "detail": detail[:1000]})


def requeue_dead(conn: Connection, outbox_id: int) -> bool:
    """Give a dead message a fresh set of attempts (an operator fixed the cause); False if not dead."""
    return conn.execute(text(
        "UPDATE notify.outbox SET status = 'pending', dead_at = NULL, attempts = 0, next_attempt_at = now() "
        "WHERE id = :id AND status = 'dead'"), {"id": outbox_id}).rowcount == 1
