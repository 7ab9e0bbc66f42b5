"""End to end in Chromium: a parent registers a child for PPDB on a phone (the home by a tap on the map, the
school from the nearest in-zone schools, the family card); staff of the education office verify the documents
and run the round's allocation from the rounds page; the parent reads the result with its explanation and
re-registers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from layers.access import Principal
from services.engine.cases import now_utc
from services.ppdb import rounds
from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, log_in, new_session, serving
from tests.helpers.permits import PDF
from webgis.accounts import manage
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ROUND = "e2e-smp"


def test_a_parent_registers_staff_allocate_and_the_parent_reads_why_and_reregisters(complaints_app: Flask,
                                                                                    tmp_path: Path) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    engine = complaints_app.extensions["engine"]
    suffix = uuid.uuid4().hex[:6]
    parent_name, officer = f"ortu{suffix}", f"disdik{suffix}"
    manage.create_user(engine, "test", None, parent_name, PASSWORD, roles=["citizen"])
    manage.create_user(engine, "test", None, officer, PASSWORD, roles=["staff"], agencies=["DISDIK"])
    now = now_utc()
    rounds.create_round(engine, round_id=ROUND, level="SMP", opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(hours=1), reregister_by=now + timedelta(days=3),
                        principal=Principal(actor="test", roles=frozenset({"staff"}), agencies=frozenset({"DISDIK"})))
    (tmp_path / "kk.pdf").write_bytes(PDF)
    with serving(complaints_app) as base, launched_chromium() as chromium:
        parent = new_session(chromium, base, **PHONE)
        page = parent.page
        log_in(page, base, parent_name, "/ppdb/daftar")
        box = page.locator("#ppdb-register-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # central Medan
        page.wait_for_selector("#ppdb-register[data-ready='1']")
        assert page.input_value("#home-lat") != ""
        first = page.eval_on_selector("select[name=pilihan_1]",
                                      "s => [...s.options].find(o => o.value && !o.disabled).value")
        page.select_option("select[name=pilihan_1]", first)
        page.fill("input[name=nama_anak]", "Budi Santoso")
        page.fill("input[name=nik_anak]", "1271010203130004")
        page.fill("input[name=tanggal_lahir]", "2013-03-02")
        page.fill("input[name=nama_pemohon]", "Santoso")
        page.fill("input[name=telp_pemohon]", "0813 2222 3333")
        page.set_input_files("input[name=kartu_keluarga]", str(tmp_path / "kk.pdf"))
        page.click("#submit-registration")
        page.wait_for_selector("#received")
        case_ref = page.locator("#case-ref").inner_text()
        assert case_ref.startswith("PPDB-") and page.locator("#case-status").get_attribute("data-status") == "submitted"
        assert "Pilihan 1:" in page.locator("#findings").inner_text()
        tracking = page.url.split("?")[0]

        staff = new_session(chromium, base)
        desk = staff.page
        log_in(desk, base, officer, "/meja/ppdb")
        desk.locator(f'#queue tr[data-id="{case_ref}"] a').click()
        desk.wait_for_selector("#transition-form")
        desk.select_option("#transition-form select[name=to]", "verified")
        desk.click("#transition-form button[type=submit]")
        desk.wait_for_selector("#message")
        with engine.begin() as conn:  # the registration window closes (time passes)
            conn.execute(text("UPDATE ppdb.rounds SET closes_at = now() - interval '1 minute' WHERE id = :r"),
                         {"r": ROUND})
        desk.goto(f"{base}/ppdb/gelombang?gelombang={ROUND}")
        desk.click(f'#rounds tr[data-round="{ROUND}"] button.allocate')
        desk.wait_for_selector("#message")
        assert desk.locator(f'#quotas tr[data-npsn="{first}"] td.filled').inner_text() == "1"
        assert staff.errors == []

        page.goto(tracking)
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#case-status").get_attribute("data-status") == "admitted"
        note = page.locator("#public-note").inner_text()
        assert "Pilihan 1:" in note and "DITERIMA" in note and "peringkat 1 dari" in note
        page.click("#reregister")
        page.wait_for_selector("#case-status[data-status=re_registered]")
        assert parent.foreign_requests() == [] and parent.errors == []
