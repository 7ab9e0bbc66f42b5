"""Reconciliation: the sandbox's settlement report of one day against the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from services.engine import payments
from services.engine.payments import qris, sandbox
from tests.helpers.payments import counts, new_bill

DAY = date(2026, 3, 1)  # a day of its own: other tests settle today
AT = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB


def _direct(engine: Engine) -> sandbox.Sender:
    return lambda _url, body, headers: payments.receive_callback(engine, "sandbox", body, headers).http_status


def test_every_settlement_is_in_the_ledger_exactly_once_and_the_rest_is_listed(pay_engine: Engine) -> None:
    bills = [new_bill(pay_engine, amount=10_000 + i) for i in range(4)]
    charges = [sandbox.pay(pay_engine, b.va_number, at=AT, amount=b.amount + (7 if i == 3 else 0),
                           duplicates=1 if i == 0 else 0) for i, b in enumerate(bills)]
    for i, charge in enumerate(charges):
        if i != 2:  # the callbacks of bill 2 are lost
            sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused", now=AT, charge_id=charge.charge_id)
    result = payments.reconcile(pay_engine, provider="sandbox", day=DAY)
    assert (result.settled, result.recorded, result.matched) == (4, 2, 2)
    missing = {(m.order_id, m.kind) for m in result.mismatches}
    assert missing == {(bills[2].number, "missing_in_ledger"), (bills[3].number, "missing_in_ledger")}
    assert not result.ok and result.bills_paid_twice == []

    repaired = payments.reconcile(pay_engine, provider="sandbox", day=DAY, apply_missing=True)
    assert repaired.applied_now == [charges[2].transaction_id]
    assert counts(pay_engine, bills[2].number) == ("paid", 1)
    assert {(m.order_id, m.kind) for m in repaired.mismatches} == {(bills[3].number, "missing_in_ledger")}
    assert counts(pay_engine, bills[3].number) == ("open", 0)  # a wrong amount stays for staff to decide
    assert repaired.matched == 3


def test_the_qris_payload_carries_the_amount_and_bill_under_a_valid_crc(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine, amount=275_500)
    fields = qris.parse_fields(bill.qris_payload)
    assert fields["54"] == "275500" and fields["53"] == "360" and fields["58"] == "ID"
    assert bill.number in fields["62"]
    tampered = bill.qris_payload.replace("275500", "175500")
    try:
        qris.parse_fields(tampered)
    except ValueError as exc:
        assert "CRC" in str(exc)
    else:
        raise AssertionError("a tampered QRIS payload passed its CRC")
