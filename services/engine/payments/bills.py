"""Bills: opened by a service (in the transaction of the case change that owes the fee), read by the payer.

A bill number is the platform's order id at the gateway and the address of the payer's bill page
(/tagihan/<number>), which anyone holding the number may open (a payer need not log in to pay a
PBB bill): so it carries 40 random bits, and the page shows no personal data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from services.engine.payments.model import Bill, ChargeRequest, PaymentError
from services.engine.payments.provider import get_provider

# Crockford's base-32 alphabet: no I, L, O, U, so a number read aloud or retyped is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_AMOUNT = 10**13  # rupiah; a bigint holds more, a real bill never does

BILL_COLUMNS = """number, provider, service, case_ref, payer_ref, amount, description,
    CASE WHEN status = 'open' AND expires_at <= now() THEN 'expired' ELSE status END AS status,
    expires_at, paid_at, va_number, qris_payload, created_at, paid_late, receipt_code, payer_name"""


def new_bill_number(now: datetime) -> str:
    return f"TG{now:%y%m}-" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def open_bill(conn: Connection, *, service: str, case_ref: str, amount: int, description: str,
              payer_ref: str, expires_in: timedelta, provider: str = "sandbox", payer_name: str = "") -> Bill:
    """Open a bill and its charge at the provider, in the caller's transaction."""
    _check_bill(service=service, case_ref=case_ref, amount=amount, description=description, expires_in=expires_in)
    gateway = get_provider(provider)
    now = datetime.now(UTC)
    number = new_bill_number(now)
    expires_at = now + expires_in
    charge = gateway.create_charge(conn, ChargeRequest(order_id=number, amount=amount, description=description,
                                                       expires_at=expires_at, customer_ref=payer_ref))
    conn.execute(text(
        "INSERT INTO payments.bills (number, provider, service, case_ref, payer_ref, payer_name, amount, "
        "description, expires_at, va_number, qris_payload, provider_ref, created_at) VALUES (:number, :provider, "
        ":service, :case_ref, :payer_ref, :payer_name, :amount, :description, :expires_at, :va, :qris, :ref, :now)"),
        {"number": number, "provider": provider, "service": service, "case_ref": case_ref, "payer_ref": payer_ref,
         "payer_name": payer_name, "amount": amount, "description": description, "expires_at": expires_at,
         "va": charge.va_number, "qris": charge.qris_payload, "ref": charge.provider_ref, "now": now})
    found = bill(conn, number)
    assert found is not None
    return found


def _check_bill(*, service: str, case_ref: str, amount: int, description: str, expires_in: timedelta) -> None:
    problems = []
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
        problems.append(f"amount must be a whole number of rupiah between 1 and {MAX_AMOUNT}")
    if not service or not case_ref:
        problems.append("service and case_ref are required")
    if not description.strip():
        problems.append("description is required")
    if expires_in <= timedelta(0):
        problems.append("expires_in must be positive")
    if problems:
        raise PaymentError("the bill was not opened", problems)


def _bill_of(row: object) -> Bill:
    return Bill(**dict(row._mapping))  # type: ignore[attr-defined]


def bill(conn: Connection, number: str) -> Bill | None:
    row = conn.execute(text(f"SELECT {BILL_COLUMNS} FROM payments.bills WHERE number = :n"),  # noqa: S608
                       {"n": number.strip().upper()}).first()
    return _bill_of(row) if row else None


def find_bill(engine: Engine, number: str) -> Bill | None:
    """A bill by its number, for a page (its own short transaction)."""
    with engine.connect() as conn:
        return bill(conn, number)


def bills_for(conn: Connection, *, service: str, case_ref: str) -> list[Bill]:
    rows = conn.execute(text(f"SELECT {BILL_COLUMNS} FROM payments.bills "  # noqa: S608
                             "WHERE service = :s AND case_ref = :c ORDER BY created_at, number"),
                        {"s": service, "c": case_ref})
    return [_bill_of(row) for row in rows]


def cancel_bill(conn: Connection, number: str, *, reason: str) -> Bill:
    """Cancel an unpaid bill (a withdrawn application); a payment arriving later is flagged for refund."""
    row = conn.execute(text("SELECT status, provider, provider_ref FROM payments.bills WHERE number = :n FOR UPDATE"),
                       {"n": number}).first()
    if row is None:
        raise PaymentError(f"no bill {number}")
    if row.status == "paid":
        raise PaymentError(f"bill {number} is paid; it cannot be cancelled")
    get_provider(row.provider).cancel_charge(conn, row.provider_ref)
    conn.execute(text("UPDATE payments.bills SET status = 'cancelled', cancelled_reason = :r WHERE number = :n"),
                 {"n": number, "r": reason})
    found = bill(conn, number)
    assert found is not None
    return found


def expire_due(conn: Connection, *, now: datetime | None = None) -> int:
    """Mark open bills past their expiry expired (they already read so); a late payment may still settle one."""
    return conn.execute(text("UPDATE payments.bills SET status = 'expired' WHERE status = 'open' AND expires_at <= :now"),
                        {"now": now or datetime.now(UTC)}).rowcount


def current_bill(conn: Connection, *, service: str, case_ref: str, amount: int, description: str,
                 payer_ref: str, expires_in: timedelta, payer_name: str = "", now: datetime | None = None,
                 provider: str = "sandbox") -> Bill:
    """The bill a payer should pay now for a charge: its open bill for exactly `amount` if one is
    still valid, else a new one; older unpaid bills of the charge are cancelled (the gateway closes
    their accounts, and anything still arriving on one is kept for refund), so a charge that is
    paid through this is never paid twice. The caller holds the charge's row lock."""
    now = now or datetime.now(UTC)
    for earlier in bills_for(conn, service=service, case_ref=case_ref):
        if earlier.status == "open" and earlier.amount == amount and earlier.expires_at > now:
            return earlier
        if earlier.status in ("open", "expired"):
            cancel_bill(conn, earlier.number, reason="diganti kode bayar baru")
    return open_bill(conn, service=service, case_ref=case_ref, amount=amount, description=description,
                     payer_ref=payer_ref, expires_in=expires_in, provider=provider, payer_name=payer_name)
