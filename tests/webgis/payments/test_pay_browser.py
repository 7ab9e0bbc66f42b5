"""In Chromium, on a phone-sized screen: the payer opens the bill page, pays in the sandbox gateway,
sees the bill paid (the gateway's signed callback reached the live server over HTTP) and checks the
receipt at /verifikasi."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine

from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.payments import counts, new_bill


def test_a_payer_pays_in_the_sandbox_and_verifies_the_receipt(pay_app: Flask, pay_engine: Engine) -> None:
    bill = new_bill(pay_engine, amount=87_500, payer_name="Siti Rahmawati")
    with serving(pay_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, viewport={"width": 390, "height": 844})
        page = session.page
        page.goto(f"{base}/tagihan/{bill.number}")
        assert page.locator("#bill-status").get_attribute("data-status") == "open"
        assert page.locator("#bill-amount").inner_text() == "Rp 87.500"
        assert page.locator("#va-number").inner_text() == bill.va_number
        assert page.locator("#qris").evaluate("img => img.naturalWidth > 0")
        page.click("#sandbox-link")
        page.wait_for_selector("#sandbox-pay")
        page.click("#sandbox-pay")
        # Back on the bill page, which reloads itself until the callback has been applied.
        page.wait_for_selector("#bill-status[data-status=paid]", timeout=30_000)
        assert "Lunas" in page.locator("#bill-status").inner_text()
        session.screenshot("payments-bill-paid")
        page.click("#receipt-verify")
        page.wait_for_selector("#verdict")
        assert page.locator("#verdict").get_attribute("data-status") == "valid"
        assert page.locator("#doc-holder").inner_text().startswith("S*** R********")
        assert "Rp 87.500" in page.content()
        assert session.errors == [] and session.foreign_requests() == []
    assert counts(pay_engine, bill.number) == ("paid", 1)
