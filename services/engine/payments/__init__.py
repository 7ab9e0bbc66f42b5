"""Payments (issue 18): bills paid through a gateway's virtual account or QRIS, callbacks verified,
idempotent and reconciled. The contract is /work/notes/engine.md ("Payments").

    open_bill(conn, service=..., case_ref=..., amount=..., description=..., payer_ref=..., expires_in=...)
    bill(conn, number) / bills_for(conn, service=..., case_ref=...)
    receive_callback(engine, provider, body, headers)   what POST /api/pembayaran/callback/<provider> calls
    on_paid(handler)            handler(conn, bill) runs inside the transaction that marks a bill paid
    reconcile(engine, provider=..., day=...)
The built-in provider is the sandbox (services/engine/payments/sandbox.py); a real gateway is one
more PaymentProvider (provider.py) given to register_provider.
"""

from __future__ import annotations

from services.engine.payments.bills import (
    bill,
    bills_for,
    cancel_bill,
    current_bill,
    expire_due,
    find_bill,
    open_bill,
)
from services.engine.payments.callbacks import (
    UnknownBill,
    WrongAmount,
    on_paid,
    receive_callback,
    remove_on_paid,
)
from services.engine.payments.model import (
    BadSignature,
    Bill,
    CallbackOutcome,
    MalformedCallback,
    Mismatch,
    PaymentError,
    Reconciliation,
    UnknownProvider,
)
from services.engine.payments.provider import PaymentProvider, get_provider, register_provider
from services.engine.payments.reconcile import reconcile

__all__ = ["BadSignature", "Bill", "CallbackOutcome", "MalformedCallback", "Mismatch", "PaymentError",
           "PaymentProvider", "Reconciliation", "UnknownBill", "UnknownProvider", "WrongAmount", "bill",
           "bills_for", "cancel_bill", "current_bill", "expire_due", "find_bill", "get_provider", "on_paid", "open_bill", "receive_callback",
           "reconcile", "register_provider", "remove_on_paid"]
