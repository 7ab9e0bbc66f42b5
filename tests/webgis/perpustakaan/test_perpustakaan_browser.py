"""In Chromium, on a 360 px phone and on a desktop: a citizen searches the catalogue (with a typo),
opens the title, logs in, becomes a member, reserves it for pickup at a branch and sees the
reservation; the branch's staff see it in their pickup queue and hand it over against the card.
Nothing is fetched from outside the app; nothing on the phone is wider than the screen."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import text

from tests.fixtures.library import account, untouched_title
from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def _log_in(page, base: str, username: str, next_path: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")


def _reserve_and_hand_over(app: Flask, device: dict, branch: str, name: str) -> None:
    engine = app.extensions["engine"]
    kode_judul = untouched_title(engine, only_at=branch, copies=1)
    with engine.connect() as conn:
        title = conn.execute(text("SELECT judul FROM library.titles WHERE kode_judul = :k"), {"k": kode_judul}).scalar_one()
    citizen, _ = account(engine, "citizen", name="pembaca")
    librarian, _ = account(engine, "staff", (f"PERPUS-{branch}",), name="pustakawan")
    typo = title[:-1] if len(title) > 8 else title  # the last letter missing
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **device)
        page = session.page
        session.requests.clear()
        page.on("request", lambda r: session.requests.append(r.url))
        session.open("/perpustakaan")
        assert page.locator("#p-map").get_attribute("data-branches") == "9"
        assert page.locator("#p-map").get_attribute("data-stops") == "12"
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.fill("#p-q", typo)
        page.click("#p-search-go")
        page.wait_for_selector("#p-results")
        page.click(f'.p-title[data-kode="{kode_judul}"] h3 a')
        page.wait_for_selector(f'#p-book[data-kode="{kode_judul}"]')
        page.click("#p-login")
        page.fill("input[name=username]", citizen)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("#p-join")
        page.click("#p-join")
        page.fill("#p-nama", name)
        page.fill("#p-telepon", "0812 7777 8888")
        page.select_option("#p-cabang", branch)
        page.click("#p-join-go")
        page.wait_for_selector("#p-reserve")
        assert page.locator("#p-branch").input_value() == branch  # the home branch is offered first
        page.click("#p-reserve-go")
        page.wait_for_selector("#p-fresh")
        item = page.locator(".p-reservation").first
        assert item.get_attribute("data-status") == "siap_diambil" and title in item.inner_text()
        kode_pesan = item.get_attribute("data-kode")
        card = re.search(r"AGT-\d{4}-\d{6}", page.locator("#p-card").inner_text()).group(0)
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        session.screenshot(f"perpustakaan-mine-{'phone' if device is PHONE else 'desktop'}")

        desk = new_session(chromium, base, **device).page
        _log_in(desk, base, librarian, f"/perpustakaan/meja/{branch}")
        entry = desk.locator(f'.p-reservation[data-kode="{kode_pesan}"]')
        assert name in entry.inner_text()
        entry.locator("input[name=nomor_anggota]").fill(card)
        entry.locator("button.p-hand-over").click()
        desk.wait_for_selector("body[data-ready=true]")
        assert desk.locator(f'.p-reservation[data-kode="{kode_pesan}"]').count() == 0
        session.open("/perpustakaan/saya")
        assert page.locator(f'.p-reservation[data-kode="{kode_pesan}"]').get_attribute("data-status") == "diambil"
        assert session.foreign_requests() == [] and session.errors == []


def test_a_citizen_on_a_phone_reserves_a_book_and_collects_it(library_app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    _reserve_and_hand_over(library_app, PHONE, "PK-HELVETIA", "Roswita Sinaga")


def test_a_citizen_on_a_desktop_reserves_a_book_and_collects_it(library_app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    _reserve_and_hand_over(library_app, DESKTOP, "PK-TEMBUNG", "Tigor Simanjuntak")
