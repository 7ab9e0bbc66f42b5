"""Bills, signed callbacks and senders for the payments tests and benchmark."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from services.engine.payments import Bill, open_bill
from services.engine.payments.sandbox import SIGNATURE_HEADER, Sender, sandbox_secret, sign

CALLBACK_PATH = "/api/pembayaran/callback/sandbox"


def new_bill(engine: Engine, *, amount: int = 150_000, expires_in: timedelta = timedelta(hours=24),
             payer_ref: str = "", payer_name: str = "Budi Santoso", service: str = "test") -> Bill:
    with engine.begin() as conn:
        return open_bill(conn, service=service, case_ref=f"CASE-{uuid.uuid4().hex[:8]}", amount=amount,
                         description="Retribusi uji", payer_ref=payer_ref, expires_in=expires_in,
                         payer_name=payer_name)


def signed_headers(engine: Engine, body: bytes) -> dict[str, str]:
    with engine.begin() as conn:
        secret = sandbox_secret(conn)
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}


def notification(bill: Bill, *, transaction_id: str | None = None, amount: int | None = None,
                 settled_at: str = "2026-12-07T10:00:00+00:00", order_id: str | None = None) -> bytes:
    return json.dumps({
        "transaction_id": transaction_id or f"t-{uuid.uuid4().hex}", "order_id": order_id or bill.number,
        "gross_amount": f"{amount if amount is not None else bill.amount}.00", "transaction_status": "settlement",
        "payment_type": "bank_transfer", "settlement_time": settled_at}).encode()


def client_sender(client: FlaskClient) -> Sender:
    """The sandbox's notifier posting through the app's real callback endpoint (no network)."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        return client.post(url, data=body, headers=headers).status_code

    return send


def counts(engine: Engine, number: str) -> tuple[str, int]:
    """A bill's stored status and how many payments name it."""
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM payments.bills WHERE number = :n"), {"n": number}).scalar_one()
        paid = conn.execute(text("SELECT count(*) FROM payments.payments WHERE bill_number = :n"),
                            {"n": number}).scalar_one()
    return status, paid
