"""What payments are made of: bills, what a gateway reports, and the platform's answers.

Amounts are integers in rupiah; times are timezone-aware (UTC stored, shown in WIB).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.errors import ServiceError

BILL_STATES = ("open", "paid", "expired", "cancelled")


@dataclass(frozen=True)
class Bill:
    """A bill the platform asks one payer to pay, through one provider's virtual account or QRIS."""

    number: str
    provider: str
    service: str
    case_ref: str
    payer_ref: str
    amount: int
    description: str
    status: str  # open | paid | expired | cancelled (open past its expiry reads as expired)
    expires_at: datetime
    paid_at: datetime | None
    va_number: str
    qris_payload: str
    created_at: datetime | None = None
    paid_late: bool = False
    receipt_code: str | None = None
    payer_name: str = ""


@dataclass(frozen=True)
class ChargeRequest:
    """What the platform asks a gateway for (Midtrans' "charge", Xendit's "fixed VA" + "QR code")."""

    order_id: str  # the bill number: the gateway echoes it back in its callbacks
    amount: int
    description: str
    expires_at: datetime
    customer_ref: str = ""


@dataclass(frozen=True)
class Charge:
    """The gateway's answer: where the payer pays."""

    provider_ref: str  # the gateway's own id of the charge
    va_number: str
    qris_payload: str


@dataclass(frozen=True)
class PaymentEvent:
    """One verified callback, in the platform's terms (whatever the gateway's field names)."""

    provider: str
    transaction_id: str
    order_id: str
    status: str  # settlement | pending | expire | cancel (only a settlement moves money)
    amount: int
    channel: str
    settled_at: datetime | None


@dataclass(frozen=True)
class Settlement:
    """One line of a gateway's settlement report: money that really moved."""

    transaction_id: str
    order_id: str
    amount: int
    settled_at: datetime
    channel: str = ""


@dataclass(frozen=True)
class CallbackOutcome:
    """The platform's answer to one callback: the HTTP status and JSON body the endpoint returns.

    A duplicate gets the same `answer` as the first delivery (`duplicate` says it was one).
    """

    http_status: int
    code: str
    message: str
    answer: dict[str, Any]
    bill_number: str | None = None
    payment_id: int | None = None
    duplicate: bool = False

    @property
    def accepted(self) -> bool:
        return self.http_status == 200


@dataclass(frozen=True)
class Mismatch:
    transaction_id: str
    order_id: str
    kind: str  # missing_in_ledger | missing_at_gateway | amount_differs | bill_differs | refund_due
    gateway_amount: int | None
    ledger_amount: int | None
    detail: str = ""


@dataclass(frozen=True)
class Reconciliation:
    """A gateway's settlements of one day (WIB) against the ledger: every payment exactly once."""

    provider: str
    day: date
    settled: int  # lines in the gateway's report
    recorded: int  # payments in the ledger for that day
    matched: int
    settled_amount: int
    recorded_amount: int
    mismatches: list[Mismatch] = field(default_factory=list)
    bills_paid_twice: list[str] = field(default_factory=list)  # must stay empty (the database forbids it)
    applied_now: list[str] = field(default_factory=list)  # missing settlements applied by this run

    @property
    def ok(self) -> bool:
        unexpected = [m for m in self.mismatches if m.kind != "refund_due"]
        return not unexpected and not self.bills_paid_twice


class PaymentError(ServiceError):
    """A payment request the engine refuses; nothing was changed."""

    code = "InvalidParameterValue"


class UnknownProvider(PaymentError):
    status = 404
    code = "NotFound"


class BadSignature(PaymentError):
    """The callback's signature does not match its raw body under the provider's key."""

    status = 401
    code = "BadSignature"


class MalformedCallback(PaymentError):
    status = 400
    code = "MalformedCallback"
