"""In Chromium, on a phone-sized screen: an owner types their NOP, sees last year in arrears with its
interest, pays it through the sandbox gateway, sees it paid with a verifiable receipt, and the
collection map counts the payment."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, text

from services.pbb import billing
from tests.fixtures.pbb import PBB_KELURAHAN
from tests.helpers.browser import launched_chromium, new_session, serving


def test_an_owner_pays_last_years_arrears_and_the_collection_map_counts_it(pbb_app: Flask,
                                                                          pbb_engine: Engine) -> None:
    with pbb_engine.connect() as conn:
        nop = conn.execute(text("SELECT nop FROM pbb.sppt WHERE tahun = 2025 ORDER BY nop OFFSET 20 LIMIT 1")).scalar_one()
    owed = billing.sppts(pbb_engine, nop)[1]
    before = billing.collection(pbb_engine, 2025).per_kelurahan.set_index("kode_kel").loc[PBB_KELURAHAN, "lunas"]
    with serving(pbb_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, viewport={"width": 390, "height": 844})
        page = session.page
        page.goto(f"{base}/pbb")
        page.fill("#pbb-nop", nop.replace(".", "").replace("-", ""))
        page.click("#pbb-lookup button[type=submit]")
        page.wait_for_selector("#pbb-sppt")
        assert page.locator("#pbb-nop-shown").inner_text() == nop
        row = page.locator('tr[data-year="2025"]')
        assert row.get_attribute("data-state") == "arrears"
        assert row.locator(".pbb-to-pay").inner_text() == "Rp " + f"{owed.harus_dibayar:,}".replace(",", ".")
        row.locator("button.pbb-pay").click()
        page.wait_for_selector("#bill-status[data-status=open]")
        page.click("#sandbox-link")
        page.wait_for_selector("#sandbox-pay")
        page.click("#sandbox-pay")
        page.wait_for_selector("#bill-status[data-status=paid]", timeout=30_000)
        session.screenshot("pbb-arrears-paid")
        page.goto(f"{base}/pbb/nop/{nop}")
        assert page.locator('tr[data-year="2025"]').get_attribute("data-state") == "paid"
        page.locator('tr[data-year="2025"] a.pbb-receipt').click()
        page.click("#receipt-verify")
        page.wait_for_selector("#verdict")
        assert page.locator("#verdict").get_attribute("data-status") == "valid"
        page.goto(f"{base}/pbb/realisasi?tahun=2025")
        page.wait_for_selector("#pbb-map[data-features='151']")
        paid_cell = page.locator(f'#pbb-collection tr[data-kode="{PBB_KELURAHAN}"] td').nth(2)
        assert int(paid_cell.inner_text()) == before + 1
        assert session.errors == [] and session.foreign_requests() == []
    settled = billing.sppts(pbb_engine, nop)[1]
    assert settled.lunas and settled.paid_amount == owed.harus_dibayar
