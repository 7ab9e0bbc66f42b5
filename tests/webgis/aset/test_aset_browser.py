"""SIMBADA in Chromium: the public register's map and an asset's card, and a staff member's inventory
visit on a phone (pick the asset, tap where they stand, attach a photo) changing the asset's condition,
which the public card then shows in its history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.helpers.accounts import PASSWORD
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.helpers.database import own_database, settings_for
from tests.helpers.permits import jpeg
from webgis.accounts import manage
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CAR = "B.KELURAHAN.2024.S00001"


@pytest.fixture(scope="module")
def aset_app(server_url: str, template_database_url: str, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Flask]:
    from webgis.app import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBGIS_UPLOAD_DIR", str(tmp_path_factory.mktemp("asset-photos")))
        with own_database(server_url, template_database_url) as url:
            app = create_app(settings_for(url, api_token="test-token"), LOGIN_RATE_LIMIT="10000 per minute")
            app.config["TESTING"] = True
            yield app


@pytest.fixture(autouse=True)
def _vendored() -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")


def test_the_public_register_map_and_an_assets_card(aset_app: Flask) -> None:
    with serving(aset_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base)
        page = session.open("/aset?kib=B&opd=KELURAHAN")
        drawn = int(page.get_attribute("#aset-map", "data-drawn"))
        rows = page.locator("#aset-register tbody tr").count()
        assert drawn == rows > 10
        page.click(f"#aset-register a:text('{CAR}')")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#aset-name").inner_text().startswith("Sepeda motor dinas")
        assert page.locator("#aset-schedule tbody tr").count() >= 1
        assert page.get_attribute("#aset-map", "data-drawn") == "1"
        assert session.errors == [] and session.foreign_requests() == []


def test_staff_record_an_inventory_visit_on_a_phone(aset_app: Flask, tmp_path: Path) -> None:
    engine = aset_app.extensions["engine"]
    officer = f"lurah{uuid.uuid4().hex[:6]}"
    manage.create_user(engine, "test", None, officer, PASSWORD, roles=["staff"], agencies=["KELURAHAN"])
    (tmp_path / "motor.jpg").write_bytes(jpeg())
    with serving(aset_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.page
        page.goto(f"{base}/login?next=/aset/inventarisasi")
        page.fill("input[name=username]", officer)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("body[data-ready=true]")
        assert page.url.startswith(base + "/aset/inventarisasi")
        options = page.locator("#visit-asset option").all_inner_texts()
        assert any(CAR in o for o in options) and not any(".DISDIK." in o for o in options)  # their agency's only
        page.select_option("#visit-asset", CAR)
        page.wait_for_selector(f"#map[data-focus='{CAR}']")
        box = page.locator("#map").bounding_box()
        # beside the kelurahan office where the bike stands (its plot is drawn too: a tap on it would pick the plot)
        page.mouse.click(box["x"] + box["width"] / 2 + 70, box["y"] + box["height"] / 2 + 70)
        assert page.input_value("#visit-asset") == CAR
        assert page.input_value("#visit-lat") != ""
        page.select_option("#visit-kondisi", "rusak_berat")
        page.fill("textarea[name=note]", "mesin tidak menyala")
        page.set_input_files("#visit-photo", str(tmp_path / "motor.jpg"))
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector("#message, #error")
        assert page.locator("#error").count() == 0, page.locator("#error").inner_text()
        assert CAR in page.locator("#message").inner_text()
        with engine.connect() as conn:
            kondisi = conn.execute(text("SELECT kondisi FROM layers.assets_points WHERE kode_aset = :c"),
                                   {"c": CAR}).scalar_one()
        assert kondisi == "rusak_berat"
        # Far from the asset: refused with the reason, at its status, nothing changed.
        page.select_option("#visit-asset", CAR)
        page.fill("#visit-lon", "98.60")
        page.fill("#visit-lat", "3.60")
        page.set_input_files("#visit-photo", str(tmp_path / "motor.jpg"))
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector("#error")
        assert "paling jauh 200 m" in page.locator("#error").inner_text()
        public = new_session(chromium, base)
        card = public.open(f"/aset/{CAR}")
        assert "Rusak berat" in card.locator("#aset-kondisi").inner_text()
        assert "Rusak berat" in card.locator("#aset-conditions").inner_text()
        assert officer not in card.content()  # the public sees when and what, not which account
        assert [e for e in session.errors if "422" not in e] == [] and public.errors == []  # 422: the refused visit
