"""End to end in Chromium, on a 360 px phone and on a desktop: a citizen registers a business on the map,
Dinas Koperasi dan UKM verifies it at the desk, the owner publishes a product with a photo, another
citizen finds it with a misspelt word near a point on the map and writes to the seller; the message
reaches the seller's mailbox through the outbox and a real local SMTP server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from config.settings import SmtpSettings
from services.engine.notify import RecordingProvider, SmtpProvider, send_due
from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, log_in, new_session, serving
from tests.helpers.permits import jpeg
from tests.helpers.smtp import smtp_server
from webgis.accounts import manage
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
SMTP_PORT = 31614  # this worktree's own (below 32768)
VIEWPORTS = {"phone360": {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True},
             "desktop": {"viewport": {"width": 1280, "height": 800}}}


def _tap_centre(page, selector: str) -> None:  # noqa: ANN001
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_register_verify_publish_find_and_contact(complaints_app: Flask, tmp_path: Path, device: str) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine = complaints_app.extensions["engine"]
    suffix = uuid.uuid4().hex[:6]
    owner, officer = f"umkm{suffix}", f"dinkop{suffix}"
    manage.create_user(engine, "test", None, owner, PASSWORD, roles=["citizen"])
    manage.create_user(engine, "test", None, officer, PASSWORD, roles=["staff"], agencies=["DINKOPUKM"])
    (tmp_path / "warung.jpg").write_bytes(jpeg())
    product = f"Bolu Meranti Zebra {suffix}"
    with serving(complaints_app) as base, launched_chromium() as chromium:
        seller = new_session(chromium, base, **VIEWPORTS[device])
        page = seller.page
        log_in(page, base, owner, "/layanan/umkm")
        page.wait_for_selector("#apply-map")
        _tap_centre(page, "#apply-map")
        assert page.input_value("#lon") != ""
        page.fill("input[name=nama_usaha]", f"Dapur Rina {suffix}")
        page.select_option("select[name=kategori]", "kuliner")
        page.fill("input[name=nama_pemohon]", "Rina Siregar")
        page.fill("input[name=telp_pemohon]", "0813 1111 2222")
        page.fill("input[name=email_pemohon]", f"rina{suffix}@example.org")
        page.fill("input[name=kontak_publik]", "0812 3456 7890")
        page.set_input_files("input[name=foto_usaha]", str(tmp_path / "warung.jpg"))
        page.click("#submit-application")
        page.wait_for_selector("#received")
        case_ref = page.locator("#case-ref").inner_text()
        assert case_ref.startswith("UMKM-")

        staff = new_session(chromium, base)
        desk = staff.page
        log_in(desk, base, officer, "/meja/umkm")
        desk.locator(f'#queue tr[data-id="{case_ref}"] a').click()
        desk.wait_for_selector("#transition-form")
        desk.select_option("#transition-form select[name=to]", "verified")
        desk.click("#transition-form button[type=submit]")
        desk.wait_for_selector("#message")
        assert desk.locator("#status").get_attribute("data-status") == "verified"
        assert staff.errors == []

        page.goto(f"{base}/umkm/saya")
        page.wait_for_selector("body[data-ready=true]")
        mine = page.locator(f'section.u-mine[data-kode="{case_ref}"]')
        assert mine.get_attribute("data-status") == "verified"
        mine.locator("input[name=nama_produk]").fill(product)
        mine.locator("input[name=harga]").fill("70.000")
        mine.locator("textarea[name=uraian]").fill("Bolu gulung lembut")
        mine.locator("input[name=foto]").set_input_files(str(tmp_path / "warung.jpg"))
        mine.locator("button[type=submit].c-primary").click()
        page.wait_for_selector("#u-done")
        assert seller.errors == []

        with engine.connect() as conn:
            kode_kel = conn.execute(text("SELECT kode_kel FROM layers.umkm_public WHERE case_ref = :r"),
                                    {"r": case_ref}).scalar_one()
        buyer = new_session(chromium, base, **VIEWPORTS[device])
        shop = buyer.open("/umkm")
        shop.focus("#u-map")  # Enter on the focused map sets "near" its centre (a tap does too); the button clears it
        shop.keyboard.press("Enter")
        assert shop.input_value("#u-lon") != "" and shop.locator("#u-point").inner_text() != ""
        shop.click("#u-clear")
        assert shop.input_value("#u-lon") == ""
        shop.fill("#u-q", f"bolu meranty {suffix}")  # misspelt
        shop.select_option("#u-kel", kode_kel)
        shop.click("#u-go")
        shop.wait_for_selector("body[data-ready=true]")
        assert "kel=" + kode_kel in shop.url
        first = shop.locator("#u-results li.u-product").first
        assert product in first.inner_text() and "Rp 70.000" in first.inner_text()
        assert int(shop.locator("#u-map").get_attribute("data-count")) >= 1
        first.locator("h3 a").click()
        shop.wait_for_selector("#u-business")
        assert shop.locator("#u-public-contact a[href^='https://wa.me/']").get_attribute("href") == \
            "https://wa.me/6281234567890"
        assert f"rina{suffix}@example.org" not in shop.content() and "Rina Siregar" not in shop.content()
        shop.fill("#u-contact input[name=nama]", "Budi Lubis")
        shop.fill("#u-contact input[name=kontak]", "0811 2222 3333")
        shop.select_option("#u-contact select[name=produk]", product)
        shop.fill("#u-contact textarea[name=pesan]", f"Bisa antar ke Sunggal? {suffix}")
        shop.click("#u-send")
        shop.wait_for_selector("#u-sent")
        assert buyer.errors == [] and buyer.foreign_requests() == []

    providers = {"email": SmtpProvider(SmtpSettings(host="127.0.0.1", port=SMTP_PORT, timeout_s=5)),
                 "sms": RecordingProvider(engine, "sms"), "whatsapp": RecordingProvider(engine, "whatsapp")}
    with smtp_server(SMTP_PORT) as inbox:
        send_due(engine, providers=providers, limit=1000)
        mails = [m for m in inbox.wait_for(1) if m["To"] == f"rina{suffix}@example.org"
                 and m["Subject"].startswith("Pesan pembeli")]
    assert len(mails) == 1
    body = mails[0].get_content()
    assert f"Bisa antar ke Sunggal? {suffix}" in body and "0811 2222 3333" in body and product in body
