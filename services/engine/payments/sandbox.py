"""The built-in gateway: a local sandbox that behaves like an Indonesian virtual-account/QRIS gateway.

Two sides, as with a real gateway:
- the provider (`SandboxProvider`) is what the platform calls: open a charge, check a callback's
  HMAC-SHA256 signature (header `X-Callback-Signature`, hex, over the raw body, key
  `settings.pay.sandbox_secret` or the database's own), read the settlement report;
- the gateway (`pay`, `deliver_due`) is what a bank and the gateway's notifier do: take the
  payer's money for a virtual account, then post a signed callback to the platform, retrying with
  back-off while the platform does not answer 200, dead after `sandbox_callback_attempts`.
It keeps its own tables (payments.sandbox_charges, payments.sandbox_deliveries), as a real gateway
keeps its own database. Knobs for tests and benchmarks: `duplicates=` sends the same notification
more than once, `late=True` settles a payment after the charge expired (a bank that accepted the
transfer at the last second and reported it late).

The callback body is shaped like Midtrans' HTTP notification: order_id, transaction_id,
gross_amount (a string), transaction_status, payment_type, settlement_time, va_numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from config.settings import get_settings
from services.engine.keys import configured_or_database_key
from services.engine.payments.model import (
    BadSignature,
    Charge,
    ChargeRequest,
    MalformedCallback,
    PaymentError,
    PaymentEvent,
    Settlement,
)
from services.engine.payments.qris import qris_payload

log = logging.getLogger(__name__)

NAME = "sandbox"
SIGNATURE_HEADER = "X-Callback-Signature"
CHANNELS = ("bank_transfer", "qris")

# send(url, body, headers) -> the HTTP status the platform answered (0 when it could not be reached).
Sender = Callable[[str, bytes, dict[str, str]], int]


def sandbox_secret(conn: Connection) -> str:
    return configured_or_database_key(conn, get_settings().pay.sandbox_secret, "payments", "sandbox")


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SandboxProvider:
    name = NAME

    def create_charge(self, conn: Connection, request: ChargeRequest) -> Charge:
        charge_id = f"sbx-{secrets.token_hex(8)}"
        prefix = get_settings().pay.sandbox_va_prefix
        payload = qris_payload(acquirer_domain="ID.CO.SANDBOX.WWW", merchant_id=charge_id,
                               nmid="ID1026000000001", merchant_name="PEMKO MEDAN", city="MEDAN",
                               postal_code="20111", amount=request.amount, reference=request.order_id)
        for _ in range(5):  # 11 random digits: a clash is rare, and the unique index catches it
            va_number = prefix + "".join(secrets.choice("0123456789") for _ in range(16 - len(prefix)))
            inserted = conn.execute(text(
                "INSERT INTO payments.sandbox_charges (charge_id, order_id, va_number, qris_payload, amount, "
                "expires_at) VALUES (:c, :o, :va, :q, :a, :e) ON CONFLICT (va_number) DO NOTHING RETURNING 1"),
                {"c": charge_id, "o": request.order_id, "va": va_number, "q": payload, "a": request.amount,
                 "e": request.expires_at}).first()
            if inserted:
                return Charge(provider_ref=charge_id, va_number=va_number, qris_payload=payload)
        raise PaymentError("the sandbox could not allocate a virtual account number")

    def cancel_charge(self, conn: Connection, provider_ref: str) -> None:
        conn.execute(text("UPDATE payments.sandbox_charges SET status = 'cancelled' WHERE charge_id = :c "
                          "AND status = 'pending'"), {"c": provider_ref})

    def parse_callback(self, conn: Connection, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        given = _header(headers, SIGNATURE_HEADER)
        if not given:
            raise BadSignature(f"the callback carries no {SIGNATURE_HEADER} header")
        if not hmac.compare_digest(given.strip().lower(), sign(body, sandbox_secret(conn))):
            raise BadSignature("the callback's signature does not match its body")
        try:
            data = json.loads(body)
            return PaymentEvent(
                provider=NAME, transaction_id=str(data["transaction_id"]), order_id=str(data["order_id"]),
                status=str(data["transaction_status"]), amount=int(str(data["gross_amount"]).split(".")[0]),
                channel=str(data.get("payment_type", "")),
                settled_at=_when(data.get("settlement_time")))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedCallback(f"the callback body is not a sandbox notification: {exc}") from None

    def settlements(self, conn: Connection, start: datetime, end: datetime) -> list[Settlement]:
        rows = conn.execute(text(
            "SELECT transaction_id, order_id, paid_amount, settled_at, channel FROM payments.sandbox_charges "
            "WHERE status = 'settlement' AND settled_at >= :s AND settled_at < :e ORDER BY settled_at"),
            {"s": start, "e": end})
        return [Settlement(t, o, a, at, c) for t, o, a, at, c in rows]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _when(value: object) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("settlement_time has no time zone")
    return moment


# ---------------------------------------------------------------- the gateway's side

class SandboxRefusal(PaymentError):
    """The gateway refuses a payment; `reason` (unknown, already_paid, closed, expired, channel) lets a
    page say it in the payer's language."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SandboxPayment:
    charge_id: str
    order_id: str
    transaction_id: str
    amount: int
    settled_at: datetime
    deliveries: int


def find_charge(engine: Engine, reference: str) -> dict | None:
    """A charge by its virtual account number, its order id (bill number) or its charge id."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT charge_id, order_id, va_number, qris_payload, amount, expires_at, status, transaction_id, "
            "settled_at FROM payments.sandbox_charges WHERE va_number = :r OR order_id = :r OR charge_id = :r"),
            {"r": reference.strip()}).mappings().first()
    return dict(row) if row else None


def pay(engine: Engine, reference: str, *, amount: int | None = None, channel: str = "bank_transfer",
        at: datetime | None = None, late: bool = False, duplicates: int = 0,
        delay: timedelta = timedelta(0)) -> SandboxPayment:
    """The payer pays a virtual account (or scans the QRIS): the gateway settles it and queues its callback.

    `amount` defaults to the charge's (a different one simulates a gateway that reports a wrong
    amount); a charge past its expiry is refused unless `late`; `duplicates` more copies of the
    same notification are queued (the same transaction, as gateways re-send); `delay` holds the
    callbacks back (a payment settled in time whose notification arrives after the expiry).
    """
    at = at or datetime.now(UTC)
    if channel not in CHANNELS:
        raise SandboxRefusal("channel", f"channel must be one of {', '.join(CHANNELS)}")
    with engine.begin() as conn:
        found = conn.execute(text(
            "SELECT charge_id, order_id, va_number, amount, expires_at, status FROM payments.sandbox_charges "
            "WHERE va_number = :r OR order_id = :r OR charge_id = :r FOR UPDATE"), {"r": reference.strip()}).first()
        if found is None:
            raise SandboxRefusal("unknown", f"the sandbox knows no virtual account {reference!r}")
        charge_id, order_id, va_number, charged, expires_at, status = found
        if status == "settlement":
            raise SandboxRefusal("already_paid", f"virtual account {va_number} is already paid")
        if status == "cancelled":
            raise SandboxRefusal("closed", f"virtual account {va_number} is closed (its bill was cancelled)")
        if at > expires_at and not late:
            raise SandboxRefusal("expired", f"virtual account {va_number} expired at {expires_at.isoformat()}")
        paid = charged if amount is None else amount
        transaction_id = f"sbxt-{secrets.token_hex(10)}"
        conn.execute(text(
            "UPDATE payments.sandbox_charges SET status = 'settlement', transaction_id = :t, paid_amount = :a, "
            "channel = :ch, settled_at = :at WHERE charge_id = :c"),
            {"t": transaction_id, "a": paid, "ch": channel, "at": at, "c": charge_id})
        body = json.dumps({
            "transaction_id": transaction_id, "order_id": order_id, "merchant_id": "PEMKO-MEDAN",
            "gross_amount": f"{paid}.00", "currency": "IDR", "payment_type": channel,
            "transaction_status": "settlement", "transaction_time": at.isoformat(),
            "settlement_time": at.isoformat(), "fraud_status": "accept",
            "va_numbers": [{"bank": "sandbox", "va_number": va_number}] if channel == "bank_transfer" else [],
        }, separators=(",", ":"))
        for _ in range(1 + duplicates):
            conn.execute(text("INSERT INTO payments.sandbox_deliveries (charge_id, body, next_attempt_at) "
                              "VALUES (:c, :b, :at)"), {"c": charge_id, "b": body, "at": at + delay})
    return SandboxPayment(charge_id, order_id, transaction_id, paid, at, 1 + duplicates)


@dataclass(frozen=True)
class DeliveryReport:
    attempted: int
    delivered: int
    failed: int
    dead: int


def http_sender(timeout: float = 10.0) -> Sender:
    """Posts a callback over HTTP, as the gateway's notifier does."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own URL
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError):
            return 0

    return send


def callback_url(default: str = "") -> str:
    return get_settings().pay.sandbox_callback_url or default


def deliver_due(engine: Engine, send: Sender, url: str, *, now: datetime | None = None, limit: int = 100,
                charge_id: str | None = None) -> DeliveryReport:
    """One pass of the notifier: post each due callback, signed; anything but 200 is retried later.

    Each delivery is locked while it is sent (FOR UPDATE SKIP LOCKED), so two notifiers never
    send the same one at once; the back-off doubles from 1 s per failed attempt.
    """
    now = now or datetime.now(UTC)
    attempts_allowed = get_settings().pay.sandbox_callback_attempts
    counts = {"attempted": 0, "delivered": 0, "failed": 0, "dead": 0}
    with engine.connect() as conn:
        secret = sandbox_secret(conn)
        conn.commit()
        while counts["attempted"] < limit:
            with conn.begin():
                row = conn.execute(text(
                    "SELECT id, body, attempts FROM payments.sandbox_deliveries WHERE delivered_at IS NULL "
                    "AND NOT dead AND next_attempt_at <= :now AND (CAST(:c AS text) IS NULL OR charge_id = :c) "
                    "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"),
                    {"now": now, "c": charge_id}).first()
                if row is None:
                    break
                delivery_id, body, attempts = row
                status = send(url, body.encode(), {"Content-Type": "application/json",
                                                   SIGNATURE_HEADER: sign(body.encode(), secret)})
                counts["attempted"] += 1
                _record_attempt(conn, delivery_id, attempts + 1, status, now, attempts_allowed, counts)
    return DeliveryReport(**counts)


def _record_attempt(conn: Connection, delivery_id: int, attempts: int, status: int, now: datetime,
                    attempts_allowed: int, counts: dict[str, int]) -> None:
    if status == 200:
        counts["delivered"] += 1
        conn.execute(text("UPDATE payments.sandbox_deliveries SET attempts = :n, last_status = 200, "
                          "delivered_at = :now WHERE id = :id"), {"n": attempts, "now": now, "id": delivery_id})
        return
    dead = attempts >= attempts_allowed
    counts["dead" if dead else "failed"] += 1
    conn.execute(text(
        "UPDATE payments.sandbox_deliveries SET attempts = :n, last_status = :s, dead = :dead, "
        "next_attempt_at = :next WHERE id = :id"),
        {"n": attempts, "s": status, "dead": dead, "next": now + timedelta(seconds=2 ** (attempts - 1)),
         "id": delivery_id})


def pending_deliveries(engine: Engine, charge_id: str | None = None) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM payments.sandbox_deliveries WHERE delivered_at IS NULL AND NOT dead "
            "AND (CAST(:c AS text) IS NULL OR charge_id = :c)"), {"c": charge_id}).scalar_one()


def notify_in_background(engine: Engine, charge_id: str, url: str, send: Sender | None = None) -> threading.Thread:
    """What the gateway's notifier does after a payment: post the callbacks now, then retry with back-off
    (1, 2, 4 ... s) until the platform answered 200 or the attempts run out. A daemon thread of the
    web process (the sandbox page's); `python -m services payments deliver` sends what is left."""
    send = send or http_sender()

    def run() -> None:
        for attempt in range(get_settings().pay.sandbox_callback_attempts):
            try:
                deliver_due(engine, send, url, charge_id=charge_id)
                if pending_deliveries(engine, charge_id) == 0:
                    return
            except Exception:  # noqa: BLE001 - the database restarting: the next round retries
                log.exception("sandbox callback delivery failed")
            time.sleep(min(2 ** attempt, 30))

    thread = threading.Thread(target=run, name=f"sandbox-notify-{charge_id}", daemon=True)
    thread.start()
    return thread
