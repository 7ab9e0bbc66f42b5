"""A gateway's callback, from raw bytes to a settled bill: verified, idempotent, one transaction.

The rules, in the order they are checked (each refusal changes nothing but the callback log):
1. the provider exists (404), the signature matches the raw body (401), the body reads (400);
2. the bill exists at that provider (404 `UnknownBill`), locked FOR UPDATE until the end, so two
   deliveries of one payment (or two payments of one bill) are decided one after the other;
3. a transaction already recorded is a duplicate: the same answer as the first time, nothing new;
4. the amount is the bill's (400 `WrongAmount`: the reconciliation lists the money as unmatched);
5. the payment is recorded once (unique per provider and transaction). It pays the bill when the
   bill is open, or expired (a late callback, or a transfer settled after the expiry: the payer's
   money is here and the bill is not otherwise settled, so it is accepted as paid, `paid_late`
   when settled after the expiry). A bill already paid by another transaction, or cancelled, is not
   paid again: the payment is kept with disposition `refund_due` (answered 200 so the gateway stops
   retrying) and listed by the reconciliation for staff to refund.
When a bill is paid, its receipt is issued and every `on_paid` handler runs, in the same
transaction: a handler that fails rolls everything back and the gateway is answered 500, so it
retries. The database holds the rest: one applied payment per bill (a partial unique index), a
paid bill has its payment (a CHECK).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from services.engine.payments.bills import bill as bill_by_number
from services.engine.payments.model import Bill, CallbackOutcome, PaymentError, PaymentEvent
from services.engine.payments.provider import get_provider
from services.engine.payments.receipts import issue_receipt

log = logging.getLogger(__name__)

PaidHandler = Callable[[Connection, Bill], None]
_PAID_HANDLERS: list[PaidHandler] = []
LOGGED_BODY_CHARS = 4000
MAX_BODY_BYTES = 64 * 1024  # a notification is ~1 KiB; anything near this is not one


class UnknownBill(PaymentError):
    status = 404
    code = "UnknownBill"


class WrongAmount(PaymentError):
    code = "WrongAmount"


class CallbackTooLarge(PaymentError):
    status = 413
    code = "PayloadTooLarge"


def on_paid(handler: PaidHandler) -> None:
    """Run `handler(conn, bill)` inside the transaction that marks a bill paid (once per handler)."""
    if handler not in _PAID_HANDLERS:
        _PAID_HANDLERS.append(handler)


def remove_on_paid(handler: PaidHandler) -> None:
    if handler in _PAID_HANDLERS:
        _PAID_HANDLERS.remove(handler)


def receive_callback(engine: Engine, provider: str, body: bytes, headers: Mapping[str, str], *,
                     now: datetime | None = None) -> CallbackOutcome:
    """Verify and apply one callback; the outcome carries the HTTP status and body to answer."""
    now = now or datetime.now(UTC)
    event: PaymentEvent | None = None
    try:
        if len(body) > MAX_BODY_BYTES:
            raise CallbackTooLarge(f"a callback body is at most {MAX_BODY_BYTES} bytes; this one has {len(body)}")
        gateway = get_provider(provider)
        with engine.begin() as conn:
            event = gateway.parse_callback(conn, body, headers)
            outcome = apply_event(conn, event, now=now)
            _log(conn, provider, event, outcome, body, now)
        return outcome
    except PaymentError as exc:
        outcome = _refusal(exc.status, exc.code, str(exc), event)
    except Exception:  # a handler or the database failed: the gateway must retry, so answer 500
        log.exception("callback from %s could not be applied", provider)
        outcome = _refusal(500, "NotApplied", "the payment could not be recorded now; retry later", event)
    with engine.begin() as conn:
        _log(conn, provider, event, outcome, body, now)
    return outcome


def apply_event(conn: Connection, event: PaymentEvent, *, now: datetime) -> CallbackOutcome:
    """Apply a verified gateway event in the caller's transaction (the callback and the reconciliation
    share it); raises UnknownBill or WrongAmount, which the caller rolls back."""
    if event.status != "settlement":
        return CallbackOutcome(200, "Ignored", f"status {event.status!r} moves no money",
                               {"status": "ok", "result": "ignored", "bill": event.order_id},
                               bill_number=event.order_id)
    locked = conn.execute(text(
        "SELECT number, amount, status, expires_at FROM payments.bills WHERE number = :n AND provider = :p "
        "FOR UPDATE"), {"n": event.order_id, "p": event.provider}).first()
    if locked is None:
        raise UnknownBill(f"no bill {event.order_id!r} at provider {event.provider}")
    recorded = _recorded(conn, event)
    if recorded is not None:
        return _answer(recorded, duplicate=True)
    if event.amount != locked.amount:
        raise WrongAmount(f"bill {locked.number} is for {locked.amount} rupiah; the callback says {event.amount}")
    settled_at = event.settled_at or now
    late = settled_at > locked.expires_at
    applies = locked.status in ("open", "expired")
    note = "" if applies else f"bill was already {locked.status} when this payment arrived"
    payment_id = conn.execute(text(
        "INSERT INTO payments.payments (provider, transaction_id, bill_number, amount, channel, settled_at, "
        "received_at, late, disposition, note) VALUES (:p, :t, :b, :a, :c, :s, :r, :late, :d, :note) RETURNING id"),
        {"p": event.provider, "t": event.transaction_id, "b": locked.number, "a": event.amount, "c": event.channel,
         "s": settled_at, "r": now, "late": late, "d": "applied" if applies else "refund_due", "note": note}
    ).scalar_one()
    if applies:
        _mark_paid(conn, locked.number, payment_id, settled_at, late, event)
    recorded = _recorded(conn, event)
    assert recorded is not None
    return _answer(recorded, duplicate=False)


def _mark_paid(conn: Connection, number: str, payment_id: int, settled_at: datetime, late: bool,
               event: PaymentEvent) -> None:
    conn.execute(text("UPDATE payments.bills SET status = 'paid', paid_at = :at, paid_late = :late, "
                      "payment_id = :pid WHERE number = :n"),
                 {"at": settled_at, "late": late, "pid": payment_id, "n": number})
    paid = bill_by_number(conn, number)
    assert paid is not None
    code = issue_receipt(conn, paid, transaction_id=event.transaction_id, channel=event.channel)
    conn.execute(text("UPDATE payments.bills SET receipt_code = :c WHERE number = :n"), {"c": code, "n": number})
    paid = bill_by_number(conn, number)
    assert paid is not None
    for handler in list(_PAID_HANDLERS):
        handler(conn, paid)


def _recorded(conn: Connection, event: PaymentEvent) -> Mapping | None:
    return conn.execute(text(
        "SELECT id, bill_number, disposition, late FROM payments.payments WHERE provider = :p AND transaction_id = :t"),
        {"p": event.provider, "t": event.transaction_id}).mappings().first()


def _answer(recorded: Mapping, *, duplicate: bool) -> CallbackOutcome:
    """The answer is a function of the recorded payment alone, so every delivery of it reads the same."""
    if recorded["disposition"] == "refund_due":
        result, message = "refund_due", "payment recorded; the bill was already settled, so it is flagged for refund"
    else:
        result = "paid_late" if recorded["late"] else "paid"
        message = "bill paid after its expiry (accepted)" if recorded["late"] else "bill paid"
    answer = {"status": "ok", "result": result, "bill": recorded["bill_number"], "payment_id": recorded["id"]}
    return CallbackOutcome(200, result, message, answer, bill_number=recorded["bill_number"],
                           payment_id=recorded["id"], duplicate=duplicate)


def _refusal(status: int, code: str, message: str, event: PaymentEvent | None) -> CallbackOutcome:
    answer = {"status": "error", "code": code, "description": message}
    return CallbackOutcome(status, code, message, answer, bill_number=event.order_id if event else None)


def _log(conn: Connection, provider: str, event: PaymentEvent | None, outcome: CallbackOutcome, body: bytes,
         now: datetime) -> None:
    conn.execute(text(
        "INSERT INTO payments.callbacks (provider, received_at, transaction_id, bill_number, outcome, http_status, "
        "answer, body) VALUES (:p, :r, :t, :b, :o, :s, CAST(:a AS jsonb), :body)"),
        {"p": provider[:40], "r": now, "t": event.transaction_id if event else None,
         "b": event.order_id if event else None, "o": outcome.code + (" (duplicate)" if outcome.duplicate else ""),
         "s": outcome.http_status, "a": json.dumps(outcome.answer),
         "body": _kept_body(body, event)})


def _kept_body(body: bytes, event: PaymentEvent | None) -> str:
    """The body of a verified callback (the gateway's own words, for an audit); of an unverified one
    only its size, so that anyone posting junk cannot fill the log with it."""
    if event is None:
        return f"<{len(body)} bytes, not verified>"
    return body[:LOGGED_BODY_CHARS].decode("utf-8", "replace").replace("\x00", "\\0")
