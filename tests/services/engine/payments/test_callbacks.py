"""Callbacks of the sandbox gateway against a real PostGIS: verified, idempotent, one transaction.

Each fault of the issue: a bad signature, an unknown bill, a wrong amount, a duplicate, a late
callback after the expiry, a retry after the platform answered 5xx, concurrent duplicates.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from services.engine import documents, payments
from services.engine.payments import sandbox
from tests.helpers.payments import counts, new_bill, notification, signed_headers


def receive(engine: Engine, body: bytes, headers: dict[str, str] | None = None, **kwargs) -> payments.CallbackOutcome:
    return payments.receive_callback(engine, "sandbox", body, signed_headers(engine, body) if headers is None
                                     else headers, **kwargs)


def test_a_signed_callback_pays_the_bill_once_and_issues_its_receipt(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    assert bill.status == "open" and bill.va_number.startswith("88908") and len(bill.va_number) == 16
    outcome = receive(pay_engine, notification(bill))
    assert outcome.http_status == 200 and outcome.answer["result"] == "paid" and not outcome.duplicate
    with pay_engine.connect() as conn:
        paid = payments.bill(conn, bill.number)
    assert paid.status == "paid" and paid.paid_at is not None and not paid.paid_late
    assert counts(pay_engine, bill.number) == ("paid", 1)
    verification = documents.verify(pay_engine, paid.receipt_code)
    assert verification.kind == "receipt" and verification.status == "valid"
    assert verification.holder_masked == "B*** S******"
    assert verification.shown_fields["Jumlah"] == "Rp 150.000"


@pytest.mark.parametrize("fault", ["no signature", "wrong key", "body altered after signing"])
def test_a_bad_signature_is_refused_and_changes_nothing(pay_engine: Engine, fault: str) -> None:
    bill = new_bill(pay_engine)
    body = notification(bill)
    headers = signed_headers(pay_engine, body)
    if fault == "no signature":
        headers.pop(sandbox.SIGNATURE_HEADER)
    elif fault == "wrong key":
        headers[sandbox.SIGNATURE_HEADER] = sandbox.sign(body, "not-the-key")
    else:
        body = body.replace(b'"150000.00"', b'"1.00"')
    outcome = receive(pay_engine, body, headers)
    assert outcome.http_status == 401 and outcome.code == "BadSignature", outcome
    assert "signature" in outcome.message.lower()
    assert counts(pay_engine, bill.number) == ("open", 0)


def test_a_callback_for_an_unknown_bill_is_refused(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    outcome = receive(pay_engine, notification(bill, order_id="TG2612-NOSUCH00"))
    assert outcome.http_status == 404 and outcome.code == "UnknownBill"
    assert "TG2612-NOSUCH00" in outcome.message
    with pay_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM payments.payments WHERE bill_number = 'TG2612-NOSUCH00'")
                            ).scalar_one() == 0
        logged = conn.execute(text("SELECT http_status FROM payments.callbacks WHERE bill_number = 'TG2612-NOSUCH00'")
                              ).scalars().all()
    assert logged == [404]  # the refusal is kept for the audit, nothing else


def test_a_callback_with_a_wrong_amount_is_refused(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    outcome = receive(pay_engine, notification(bill, amount=bill.amount - 1))
    assert outcome.http_status == 400 and outcome.code == "WrongAmount"
    assert str(bill.amount) in outcome.message and str(bill.amount - 1) in outcome.message
    assert counts(pay_engine, bill.number) == ("open", 0)


def test_a_malformed_body_with_a_good_signature_is_refused(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    outcome = receive(pay_engine, b'{"order_id": "x"}')
    assert outcome.http_status == 400 and outcome.code == "MalformedCallback"
    assert counts(pay_engine, bill.number) == ("open", 0)


def test_a_duplicate_gets_the_same_answer_and_no_second_payment(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    body = notification(bill)
    first, second, third = (receive(pay_engine, body) for _ in range(3))
    assert first.answer == second.answer == third.answer and first.http_status == second.http_status == 200
    assert not first.duplicate and second.duplicate and third.duplicate
    assert counts(pay_engine, bill.number) == ("paid", 1)
    with pay_engine.connect() as conn:
        receipts = documents.documents_for(conn, service="test", case_ref=bill.case_ref)
    assert len(receipts) == 1


def test_a_late_callback_after_expiry_pays_the_bill_late(pay_engine: Engine) -> None:
    """Decision: money settled after the expiry for a bill not otherwise settled is accepted (paid_late);
    refusing it would leave the payer's money with the city and the case stuck."""
    bill = new_bill(pay_engine, expires_in=timedelta(minutes=30))
    with pytest.raises(payments.PaymentError, match="expired"):
        sandbox.pay(pay_engine, bill.va_number, at=bill.expires_at + timedelta(minutes=5))
    paid = sandbox.pay(pay_engine, bill.va_number, at=bill.expires_at + timedelta(minutes=5), late=True)
    with pay_engine.begin() as conn:
        assert payments.expire_due(conn, now=bill.expires_at + timedelta(minutes=6)) >= 1
    report = sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused",
                                 now=bill.expires_at + timedelta(hours=1), charge_id=paid.charge_id)
    assert report.delivered == 1
    with pay_engine.connect() as conn:
        late = payments.bill(conn, bill.number)
    assert late.status == "paid" and late.paid_late and late.paid_at == paid.settled_at
    assert "setelah jatuh tempo" in _receipt_text(pay_engine, late.receipt_code)


def test_a_second_payment_of_a_paid_bill_or_one_of_a_cancelled_bill_is_flagged_for_refund(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    assert receive(pay_engine, notification(bill, transaction_id="first-" + bill.number)).answer["result"] == "paid"
    again = receive(pay_engine, notification(bill, transaction_id="second-" + bill.number))
    assert again.http_status == 200 and again.answer["result"] == "refund_due"
    cancelled = new_bill(pay_engine)
    with pay_engine.begin() as conn:
        payments.cancel_bill(conn, cancelled.number, reason="permohonan dicabut")
    late = receive(pay_engine, notification(cancelled))
    assert late.answer["result"] == "refund_due"
    assert counts(pay_engine, cancelled.number) == ("cancelled", 1)
    with pay_engine.connect() as conn:
        dispositions = conn.execute(text("SELECT disposition FROM payments.payments WHERE bill_number = :n "
                                         "ORDER BY id"), {"n": bill.number}).scalars().all()
        assert payments.bill(conn, bill.number).status == "paid"
    assert dispositions == ["applied", "refund_due"]


def test_the_gateway_retries_after_the_platform_answered_5xx_and_nothing_was_half_written(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    failures = []

    def flaky_case_move(conn, paid):  # noqa: ANN001 - the core's on_paid handler, failing once
        if paid.number == bill.number and not failures:
            failures.append(paid.number)
            raise RuntimeError("the case table is being migrated")

    payments.on_paid(flaky_case_move)
    try:
        charge = sandbox.pay(pay_engine, bill.va_number)
        now = datetime.now(UTC)
        first = sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused", now=now, charge_id=charge.charge_id)
        assert (first.attempted, first.failed) == (1, 1)
        assert counts(pay_engine, bill.number) == ("open", 0)
        with pay_engine.connect() as conn:
            assert documents.documents_for(conn, service="test", case_ref=bill.case_ref) == []
        too_soon = sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused", now=now, charge_id=charge.charge_id)
        assert too_soon.attempted == 0  # back-off: not again within the second
        second = sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused", now=now + timedelta(seconds=2),
                                     charge_id=charge.charge_id)
        assert (second.attempted, second.delivered) == (1, 1)
    finally:
        payments.remove_on_paid(flaky_case_move)
    assert counts(pay_engine, bill.number) == ("paid", 1)
    with pay_engine.connect() as conn:
        statuses = conn.execute(text("SELECT http_status FROM payments.callbacks WHERE bill_number = :n ORDER BY id"),
                                {"n": bill.number}).scalars().all()
    assert statuses == [500, 200]


def test_the_on_paid_handler_runs_in_the_paying_transaction(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    seen = []

    def handler(conn, paid):  # noqa: ANN001
        if paid.number == bill.number:
            # Inside the transaction: the bill reads paid here, with its receipt.
            seen.append(conn.execute(text("SELECT status, receipt_code IS NOT NULL FROM payments.bills "
                                          "WHERE number = :n"), {"n": paid.number}).one())

    payments.on_paid(handler)
    try:
        receive(pay_engine, notification(bill))
    finally:
        payments.remove_on_paid(handler)
    assert seen == [("paid", True)]


def test_concurrent_duplicate_callbacks_make_one_payment(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    body = notification(bill)
    headers = signed_headers(pay_engine, body)
    barrier = threading.Barrier(8)
    outcomes = []

    def deliver() -> None:
        barrier.wait()
        outcomes.append(payments.receive_callback(pay_engine, "sandbox", body, headers))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [o.http_status for o in outcomes] == [200] * 8
    assert len({json.dumps(o.answer) for o in outcomes}) == 1
    assert sum(not o.duplicate for o in outcomes) == 1
    assert counts(pay_engine, bill.number) == ("paid", 1)


def test_the_database_refuses_a_bill_paid_twice_or_paid_without_its_payment(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    receive(pay_engine, notification(bill))
    with pytest.raises(IntegrityError), pay_engine.begin() as conn:
        conn.execute(text("INSERT INTO payments.payments (provider, transaction_id, bill_number, amount, settled_at, "
                          "disposition) VALUES ('sandbox', 'sneaky', :n, 1, now(), 'applied')"), {"n": bill.number})
    other = new_bill(pay_engine)
    with pytest.raises(IntegrityError), pay_engine.begin() as conn:
        conn.execute(text("UPDATE payments.bills SET status = 'paid', paid_at = now() WHERE number = :n"),
                     {"n": other.number})


def test_an_unknown_provider_is_refused(pay_engine: Engine) -> None:
    outcome = payments.receive_callback(pay_engine, "nosuchbank", b"{}", {})
    assert outcome.http_status == 404 and "nosuchbank" in outcome.message


def _direct(engine: Engine) -> sandbox.Sender:
    """The sandbox's notifier calling the function the callback endpoint calls."""
    return lambda _url, body, headers: payments.receive_callback(engine, "sandbox", body, headers).http_status


def _receipt_text(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return json.dumps(documents.document(conn, code).fields, ensure_ascii=False)


def test_an_unverified_callback_leaves_only_its_size_in_the_log_and_a_huge_one_is_refused(pay_engine: Engine) -> None:
    junk = b'{"order_id": "' + b"x" * 5000 + b'"}'
    outcome = payments.receive_callback(pay_engine, "sandbox", junk, {sandbox.SIGNATURE_HEADER: "00"})
    assert outcome.http_status == 401
    with pay_engine.connect() as conn:
        kept = conn.execute(text("SELECT body FROM payments.callbacks ORDER BY id DESC LIMIT 1")).scalar_one()
    assert kept == f"<{len(junk)} bytes, not verified>"
    huge = b" " * (70 * 1024)
    refused = payments.receive_callback(pay_engine, "sandbox", huge, signed_headers(pay_engine, huge))
    assert refused.http_status == 413 and "at most" in refused.message


def test_a_payment_settled_in_time_whose_callback_arrives_after_the_expiry_is_paid_on_time(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine, expires_in=timedelta(minutes=30))
    settled = bill.expires_at - timedelta(minutes=1)
    paid = sandbox.pay(pay_engine, bill.va_number, at=settled, delay=timedelta(minutes=20))
    with pay_engine.begin() as conn:
        payments.expire_due(conn, now=bill.expires_at + timedelta(minutes=1))
    early = sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused", now=bill.expires_at,
                                charge_id=paid.charge_id)
    assert early.attempted == 0  # held back by the gateway
    sandbox.deliver_due(pay_engine, _direct(pay_engine), "unused", now=settled + timedelta(minutes=21),
                        charge_id=paid.charge_id)
    with pay_engine.connect() as conn:
        found = payments.bill(conn, bill.number)
    assert found.status == "paid" and not found.paid_late and found.paid_at == settled


def test_a_cancelled_bill_closes_its_virtual_account(pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    with pay_engine.begin() as conn:
        payments.cancel_bill(conn, bill.number, reason="permohonan dicabut")
    with pytest.raises(payments.PaymentError, match="closed"):
        sandbox.pay(pay_engine, bill.va_number)
    assert counts(pay_engine, bill.number) == ("cancelled", 0)
