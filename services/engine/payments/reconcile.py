"""Reconciliation: one day's (WIB) settlement report of a gateway against the platform's ledger.

Every settled transaction must be in the ledger exactly once, with the gateway's amount and bill,
and every ledger payment must be in the report. What differs is listed: a settlement the ledger
lacks (a callback lost, or refused for a wrong amount), a payment the gateway never settled, an
amount or bill that differs, and payments kept for refund (a bill paid twice at the gateway).
`apply_missing=True` feeds each settlement the ledger lacks through the very path a callback takes
(apply_event), so a payment whose callbacks were all lost is not lost either.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, text

from services.engine.documents.formats import WIB
from services.engine.payments.callbacks import apply_event
from services.engine.payments.model import (
    Mismatch,
    PaymentError,
    PaymentEvent,
    Reconciliation,
    Settlement,
)
from services.engine.payments.provider import get_provider


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)
    return start, start + timedelta(days=1)


def reconcile(engine: Engine, *, provider: str, day: date, apply_missing: bool = False) -> Reconciliation:
    gateway = get_provider(provider)
    start, end = day_window(day)
    applied_now: list[str] = []
    with engine.connect() as conn:
        settlements = gateway.settlements(conn, start, end)
        conn.rollback()
    if apply_missing:
        applied_now = _apply_missing(engine, provider, settlements, start, end)
    with engine.connect() as conn:
        ledger = {row.transaction_id: row for row in conn.execute(text(
            "SELECT transaction_id, bill_number, amount, disposition FROM payments.payments "
            "WHERE provider = :p AND settled_at >= :s AND settled_at < :e"), {"p": provider, "s": start, "e": end})}
        twice = [number for (number,) in conn.execute(text(
            "SELECT bill_number FROM payments.payments WHERE provider = :p AND disposition = 'applied' "
            "AND settled_at >= :s AND settled_at < :e GROUP BY bill_number HAVING count(*) > 1"),
            {"p": provider, "s": start, "e": end})]
    mismatches, matched = _compare(settlements, ledger)
    return Reconciliation(
        provider=provider, day=day, settled=len(settlements), recorded=len(ledger), matched=matched,
        settled_amount=sum(s.amount for s in settlements), recorded_amount=sum(r.amount for r in ledger.values()),
        mismatches=mismatches, bills_paid_twice=twice, applied_now=applied_now)


def _compare(settlements: list[Settlement], ledger: dict) -> tuple[list[Mismatch], int]:
    mismatches, matched, seen = [], 0, set()
    for s in settlements:
        row = ledger.get(s.transaction_id)
        if s.transaction_id in seen:
            mismatches.append(Mismatch(s.transaction_id, s.order_id, "listed_twice_at_gateway", s.amount, None))
            continue
        seen.add(s.transaction_id)
        if row is None:
            mismatches.append(Mismatch(s.transaction_id, s.order_id, "missing_in_ledger", s.amount, None))
        elif row.amount != s.amount:
            mismatches.append(Mismatch(s.transaction_id, s.order_id, "amount_differs", s.amount, row.amount))
        elif row.bill_number != s.order_id:
            mismatches.append(Mismatch(s.transaction_id, s.order_id, "bill_differs", s.amount, row.amount,
                                       f"ledger says bill {row.bill_number}"))
        else:
            matched += 1
            if row.disposition == "refund_due":
                mismatches.append(Mismatch(s.transaction_id, s.order_id, "refund_due", s.amount, row.amount,
                                           "the bill was already settled: refund the payer"))
    for transaction_id, row in ledger.items():
        if transaction_id not in seen:
            mismatches.append(Mismatch(transaction_id, row.bill_number, "missing_at_gateway", None, row.amount))
    return mismatches, matched


def _apply_missing(engine: Engine, provider: str, settlements: list[Settlement], start: datetime,
                   end: datetime) -> list[str]:
    with engine.connect() as conn:
        known = {t for (t,) in conn.execute(text(
            "SELECT transaction_id FROM payments.payments WHERE provider = :p AND settled_at >= :s - interval '1 day' "
            "AND settled_at < :e + interval '1 day'"), {"p": provider, "s": start, "e": end})}
    applied = []
    for s in settlements:
        if s.transaction_id in known:
            continue
        event = PaymentEvent(provider=provider, transaction_id=s.transaction_id, order_id=s.order_id,
                             status="settlement", amount=s.amount, channel=s.channel, settled_at=s.settled_at)
        try:
            with engine.begin() as conn:
                apply_event(conn, event, now=datetime.now(UTC))
            applied.append(s.transaction_id)
        except PaymentError:
            continue  # still listed as missing (e.g. a wrong amount): staff decide
    return applied
