"""The payments faces over HTTP: the callback endpoint, the payer's bill page, the sandbox pay page,
/verifikasi/<code> and the PDF for its holder and staff, on a real PostGIS."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import Engine

from services.engine import documents, payments
from services.engine.payments import sandbox
from tests.helpers.accounts import PASSWORD, csrf_token
from tests.helpers.payments import (
    CALLBACK_PATH,
    client_sender,
    counts,
    new_bill,
    notification,
    signed_headers,
)
from webgis.accounts import manage


def test_the_callback_endpoint_verifies_applies_and_repeats_its_answer(pay_app: Flask, pay_engine: Engine) -> None:
    client = pay_app.test_client()
    bill = new_bill(pay_engine)
    body = notification(bill)
    first = client.post(CALLBACK_PATH, data=body, headers=signed_headers(pay_engine, body))
    assert first.status_code == 200 and first.json["result"] == "paid" and first.json["bill"] == bill.number
    again = client.post(CALLBACK_PATH, data=body, headers=signed_headers(pay_engine, body))
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert counts(pay_engine, bill.number) == ("paid", 1)


def test_the_callback_endpoint_refuses_a_bad_signature_an_unknown_bill_and_a_wrong_amount(
        pay_app: Flask, pay_engine: Engine) -> None:
    client = pay_app.test_client()
    bill = new_bill(pay_engine)
    body = notification(bill)
    forged = client.post(CALLBACK_PATH, data=body, headers={"X-Callback-Signature": "00" * 32,
                                                            "Content-Type": "application/json"})
    assert forged.status_code == 401 and forged.json["code"] == "BadSignature"
    assert forged.headers["WWW-Authenticate"].startswith("HMAC-SHA256")
    unknown = notification(bill, order_id="TG0000-UNKNOWN0")
    assert client.post(CALLBACK_PATH, data=unknown, headers=signed_headers(pay_engine, unknown)).status_code == 404
    wrong = notification(bill, amount=1)
    refused = client.post(CALLBACK_PATH, data=wrong, headers=signed_headers(pay_engine, wrong))
    assert refused.status_code == 400 and refused.json["code"] == "WrongAmount"
    assert client.post("/api/pembayaran/callback/nosuchbank", data=body).status_code == 404
    assert counts(pay_engine, bill.number) == ("open", 0)


def test_the_sandbox_retries_through_the_endpoint_after_a_5xx(pay_app: Flask, pay_engine: Engine) -> None:
    from datetime import UTC, datetime

    bill = new_bill(pay_engine)
    failed = []

    def failing_once(conn, paid):  # noqa: ANN001
        if paid.number == bill.number and not failed:
            failed.append(1)
            raise RuntimeError("down for a moment")

    payments.on_paid(failing_once)
    try:
        charge = sandbox.pay(pay_engine, bill.va_number, duplicates=1)
        send = client_sender(pay_app.test_client())
        now = datetime.now(UTC)
        first = sandbox.deliver_due(pay_engine, send, CALLBACK_PATH, now=now, charge_id=charge.charge_id)
        assert (first.attempted, first.failed, first.delivered) == (2, 1, 1)  # the copy got through
        later = sandbox.deliver_due(pay_engine, send, CALLBACK_PATH, now=now + timedelta(seconds=5),
                                    charge_id=charge.charge_id)
        assert (later.attempted, later.delivered) == (1, 1)
    finally:
        payments.remove_on_paid(failing_once)
    assert counts(pay_engine, bill.number) == ("paid", 1)
    assert sandbox.pending_deliveries(pay_engine, charge.charge_id) == 0


def test_the_bill_page_shows_how_to_pay_and_no_personal_data(pay_app: Flask, pay_engine: Engine) -> None:
    client = pay_app.test_client()
    bill = new_bill(pay_engine, amount=1_250_000, payer_name="Siti Rahmawati")
    page = client.get(f"/tagihan/{bill.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="id"' in html
    assert "Belum dibayar" in html and "Rp 1.250.000" in html and bill.va_number in html
    assert 'id="qris" src="data:image/svg+xml' in html
    assert "Siti" not in html and "Rahmawati" not in html
    assert 'http-equiv="refresh"' in html  # the payer sees the payment arrive without reloading
    english = client.get(f"/tagihan/{bill.number.lower()}?lang=en").get_data(as_text=True)
    assert "Not paid yet" in english
    missing = client.get("/tagihan/TG0000-NOSUCH00")
    assert missing.status_code == 404 and "Tidak ada tagihan dengan nomor ini" in missing.get_data(as_text=True)


def test_the_sandbox_pay_page_pays_and_the_bill_page_shows_the_receipt(pay_app: Flask, pay_engine: Engine) -> None:
    pay_app.config["SANDBOX_CALLBACK_SENDER"] = client_sender(pay_app.test_client())
    try:
        client = pay_app.test_client()
        bill = new_bill(pay_engine)
        page = client.get(f"/sandbox/bayar?va={bill.va_number}")
        assert page.status_code == 200 and bill.number in page.get_data(as_text=True)
        token = csrf_token(client, f"/sandbox/bayar?va={bill.va_number}")
        paid = client.post("/sandbox/bayar", data={"va": bill.va_number, "channel": "qris", "csrf_token": token})
        assert paid.status_code == 303 and paid.headers["Location"].endswith(f"/tagihan/{bill.number}")
        again = client.post("/sandbox/bayar", data={"va": bill.va_number, "csrf_token": token})
        assert again.status_code == 400 and "Virtual Account ini sudah dibayar" in again.get_data(as_text=True)
        english = client.post("/sandbox/bayar?lang=en", data={"va": bill.va_number, "csrf_token": token})
        assert "This virtual account is already paid" in english.get_data(as_text=True)
        html = client.get(f"/tagihan/{bill.number}").get_data(as_text=True)
    finally:
        pay_app.config.pop("SANDBOX_CALLBACK_SENDER")
    assert 'data-status="paid"' in html and "Lunas" in html
    code = re.search(r'href="/verifikasi/([0-9A-Z-]+)"', html).group(1)
    verified = pay_app.test_client().get(f"/verifikasi/{code}").get_data(as_text=True)
    assert "SAH" in verified and "Rp 150.000" in verified and "B*** S******" in verified
    assert "receipt-pdf" not in html  # an anonymous payer verifies the receipt; the PDF is the holder's
    assert counts(pay_engine, bill.number) == ("paid", 1)


def test_the_verification_page_says_valid_revoked_expired_forged_and_unknown(pay_app: Flask, pay_engine: Engine) -> None:
    client = pay_app.test_client()
    with pay_engine.begin() as conn:
        valid = documents.issue(conn, service="permits", case_ref="PBG-1", kind="permit",
                                title={"id": "Izin Usaha", "en": "Business permit"}, holder_name="Budi Santoso",
                                holder_ref="user:1", fields={"NIK": "1271000000000001"})
        expired = documents.issue(conn, service="permits", case_ref="PBG-2", kind="permit", title={"id": "Izin"},
                                  holder_name="Ani", holder_ref="", fields={}, valid_until=date(2025, 1, 1))
        revoked = documents.issue(conn, service="permits", case_ref="PBG-3", kind="permit", title={"id": "Izin"},
                                  holder_name="Ani", holder_ref="", fields={})
        documents.revoke(conn, revoked.code, reason="dibatalkan atas permintaan pemohon", actor="user:2")
    html = client.get(f"/verifikasi/{valid.code}").get_data(as_text=True)
    assert 'data-status="valid"' in html and "B*** S******" in html and "Izin Usaha" in html
    assert "Budi" not in html and "1271000000000001" not in html
    assert 'data-status="expired"' in client.get(f"/verifikasi/{expired.code}").get_data(as_text=True)
    page = client.get(f"/verifikasi/{revoked.code}?lang=en").get_data(as_text=True)
    assert "REVOKED" in page and "dibatalkan atas permintaan pemohon" in page
    forged = client.get(f"/verifikasi/{'Z' if valid.code[0] != 'Z' else 'Y'}{valid.code[1:]}")
    assert forged.status_code == 404 and "TIDAK SAH" in forged.get_data(as_text=True)
    with pay_engine.begin() as conn:
        never = documents.codes.new_code(documents.codes.code_key(conn))
    unknown = client.get(f"/verifikasi/{never}")
    assert unknown.status_code == 404 and "TIDAK DITEMUKAN" in unknown.get_data(as_text=True)
    assert client.get("/verifikasi/1").status_code == 404
    typed = client.get(f"/verifikasi?kode={valid.code.lower()}")
    assert typed.status_code == 303 and typed.headers["Location"].endswith(valid.code.lower())


def _token(engine: Engine, role: str) -> tuple[str, str]:
    user = manage.create_user(engine, "test", None, f"p{role}{uuid.uuid4().hex[:6]}", PASSWORD, roles=[role])
    return f"user:{user.id}", manage.create_token(engine, "test", None, user, "pdf", roles=[role]).secret


def test_the_pdf_is_served_to_its_holder_and_staff_only(pay_app: Flask, pay_engine: Engine) -> None:
    holder_ref, holder = _token(pay_engine, "citizen")
    _, stranger = _token(pay_engine, "citizen")
    _, staff = _token(pay_engine, "staff")
    with pay_engine.begin() as conn:
        doc = documents.issue(conn, service="pbb", case_ref="NOP-1", kind="sppt", title={"id": "SPPT PBB 2026"},
                              holder_name="Budi Santoso", holder_ref=holder_ref, fields={"NOP": "12.71.010.001"})
    client = pay_app.test_client()
    url = f"/dokumen/{doc.code}.pdf"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 403
    for secret in (holder, staff):
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.get_data().startswith(b"%PDF-") and "no-store" in response.headers["Cache-Control"]
    assert client.get("/dokumen/ABCD.pdf", headers={"Authorization": f"Bearer {staff}"}).status_code == 404


def test_a_paid_bill_of_a_logged_in_payer_links_the_receipt_pdf(pay_app: Flask, pay_engine: Engine) -> None:
    holder_ref, holder = _token(pay_engine, "citizen")
    bill = new_bill(pay_engine, payer_ref=holder_ref)
    body = notification(bill)
    pay_app.test_client().post(CALLBACK_PATH, data=body, headers=signed_headers(pay_engine, body))
    html = pay_app.test_client().get(f"/tagihan/{bill.number}", headers={"Authorization": f"Bearer {holder}"}
                                     ).get_data(as_text=True)
    assert 'id="receipt-pdf"' in html


def test_the_verification_page_links_the_pdf_only_for_those_who_may_have_it(pay_app: Flask, pay_engine: Engine) -> None:
    holder_ref, holder = _token(pay_engine, "citizen")
    with pay_engine.begin() as conn:
        doc = documents.issue(conn, service="permits", case_ref="PBG-9", kind="permit", title={"id": "Izin"},
                              holder_name="Budi Santoso", holder_ref=holder_ref, fields={})
    client = pay_app.test_client()
    assert 'id="doc-pdf"' not in client.get(f"/verifikasi/{doc.code}").get_data(as_text=True)
    assert 'id="doc-pdf"' in client.get(f"/verifikasi/{doc.code}", headers={"Authorization": f"Bearer {holder}"}
                                        ).get_data(as_text=True)


def test_the_sandbox_pages_are_gone_where_they_are_switched_off(pay_app: Flask, pay_engine: Engine) -> None:
    bill = new_bill(pay_engine)
    settings = pay_app.config["SETTINGS"]
    settings.pay.sandbox_pages = False
    try:
        client = pay_app.test_client()
        assert client.get(f"/sandbox/bayar?va={bill.va_number}").status_code == 404
        assert client.post("/sandbox/bayar", json={"va": bill.va_number}).status_code == 404
        assert 'id="sandbox-link"' not in client.get(f"/tagihan/{bill.number}").get_data(as_text=True)
    finally:
        settings.pay.sandbox_pages = True
    assert counts(pay_engine, bill.number) == ("open", 0)
