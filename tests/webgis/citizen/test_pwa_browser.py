"""The installable citizen app in a real Chromium on a 360 px phone (issue 20 item 11): the manifest
and the worker make it installable; /lapor opens offline; a report written offline is kept on the
device with its photo and sent once when the connection returns, its tracking number shown; a page
never cached answers the offline page in Bahasa Indonesia.

The live server runs on the complaints package's own database (complaints_app), since sending commits.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from tests.helpers.browser import Session, new_session
from tests.helpers.complaints import image_bytes

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
KEPT = "Laporan disimpan di perangkat, akan dikirim saat tersambung."
DESCRIPTION = "Lampu jalan mati, ditulis tanpa sinyal (uji PWA)."


@pytest.fixture
def phone(chromium: Any, citizen_server: str) -> Iterator[Session]:
    session = new_session(chromium, citizen_server, **PHONE)
    yield session
    session.page.context.close()


def _controlled(session: Session, path: str) -> Any:
    """Open `path` and wait until the worker is installed (shell cached) and controls the page."""
    page = session.page
    page.goto(session.base + path)
    # page.evaluate, not wait_for_function: the pages' CSP forbids the eval its polling uses.
    page.evaluate("""async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
            await new Promise(r => navigator.serviceWorker.addEventListener("controllerchange", r, {once: true}));
        }
    }""")
    return page


def _reports(app: Flask, description: str) -> list[dict[str, Any]]:
    with app.extensions["engine"].connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT service_request_id, source, media FROM layers.complaints WHERE description = :d"),
            {"d": description}).mappings()]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_app_is_installable_and_the_worker_controls_its_pages(phone: Session) -> None:
    page = _controlled(phone, "/lapor")
    manifest = page.request.get(phone.base + "/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["name"] == "Peta dan Lapor Kota Medan" and body["lang"] == "id"
    assert (body["start_url"], body["scope"], body["display"]) == ("/lapor", "/lapor", "standalone")
    assert body["theme_color"] == "#0b4f6c"
    sizes = {}
    for icon in body["icons"]:
        sizes[(icon["sizes"], icon["purpose"])] = _png_size(page.request.get(phone.base + icon["src"]).body())
    assert sizes == {("192x192", "any"): (192, 192), ("512x512", "any"): (512, 512),
                     ("512x512", "maskable"): (512, 512)}
    worker = page.request.get(phone.base + "/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache" and "__SHELL__" not in worker.text()
    assert "worker-src 'self'" in page.request.get(phone.base + "/lapor").headers["content-security-policy"]
    assert worker.headers["service-worker-allowed"] == "/"
    # Chromium's own verdict, as its install prompt asks it; a Playwright context is incognito,
    # where Chromium never offers to install, so that one reason is expected and the only one.
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors] == ["in-incognito"], errors
    parsed = cdp.send("Page.getAppManifest")
    assert parsed["url"] == phone.base + "/manifest.webmanifest" and parsed["errors"] == []
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == phone.base + "/sw.js"
    page.goto(phone.base + "/lapor/peta")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.goto(phone.base + "/peta")  # the homepage map is not the worker's (see webgis/pwa/views.py)
    assert page.evaluate("navigator.serviceWorker.controller === null")
    assert phone.errors == []


def test_lapor_reloads_offline_with_its_form(phone: Session) -> None:
    page = _controlled(phone, "/lapor")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#report-form")
    assert page.locator("#submit-report").is_visible() and page.locator("#report-map.leaflet-container").count() == 1
    page.goto(phone.base + "/lapor/peta")  # the complaints map opens offline too
    page.wait_for_selector("#complaints-map.leaflet-container")


def test_a_page_never_cached_answers_the_offline_page(phone: Session) -> None:
    page = _controlled(phone, "/lapor")
    page.context.set_offline(True)
    page.goto(phone.base + "/lapor/MDN-ZZZZZZZZ")  # a tracking page never opened
    assert page.inner_text("#offline-title") == "Anda sedang tidak tersambung"
    assert "laporan yang Anda tulis disimpan di perangkat" in page.inner_text("main")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the offline page is {width} px wide on a 360 px phone"


def test_a_report_written_offline_is_kept_then_sent_once_with_its_number(phone: Session, complaints_app: Flask,
                                                                          tmp_path: Any) -> None:
    page = _controlled(phone, "/lapor")
    page.context.set_offline(True)
    page.reload()
    page.fill("#lat", "3.5952")
    page.fill("#long", "98.6722")
    page.select_option("#service_code", "LAMPU_JALAN")
    page.select_option("#attr-LAMPU_JALAN-KONDISI", "mati")
    page.fill("#description", DESCRIPTION)
    photo = tmp_path / "lampu.jpg"
    photo.write_bytes(image_bytes("JPEG"))
    page.set_input_files("#media", str(photo))
    with page.expect_navigation():
        page.click("#submit-report")
    assert re.search(r"/lapor\?disimpan=[0-9a-f-]{36}$", page.url), page.url
    page.wait_for_selector("#outbox-waiting")
    assert page.inner_text("#outbox-waiting") == KEPT
    kept = page.evaluate("MedanOutbox.list().then(l => l.map(e => [e.state, e.photo && e.photo.blob.size]))")
    assert kept == [["menunggu", len(photo.read_bytes())]]
    assert _reports(complaints_app, DESCRIPTION) == []  # nothing reached the server

    # Offline, the page's own lookups (duplicates nearby, streets in view) fail to load; nothing else may fail.
    assert all(e.startswith("Failed to load resource: net::ERR_") for e in phone.errors), phone.errors
    errors_offline = len(phone.errors)
    page.context.set_offline(False)  # the `online` event sends it
    number = page.locator("#outbox-status .outbox-number")
    number.wait_for(timeout=20_000)
    assert re.fullmatch(r"MDN-[0-9A-Z]{8}", number.inner_text())
    assert page.inner_text("#outbox-status").startswith("Laporan terkirim. Nomor laporan: ")
    filed = _reports(complaints_app, DESCRIPTION)
    assert [r["service_request_id"] for r in filed] == [number.inner_text()]
    assert filed[0]["source"] == "web" and filed[0]["media"]  # the photo travelled with it
    assert page.evaluate("MedanOutbox.list().then(l => l.length)") == 0
    number.click()
    page.wait_for_selector("#tracking-number")
    assert page.inner_text("#tracking-number").strip() == filed[0]["service_request_id"]
    assert phone.errors[errors_offline:] == [] and phone.foreign_requests() == []


def test_a_kept_report_sent_twice_at_once_is_filed_once(phone: Session, complaints_app: Flask) -> None:
    page = _controlled(phone, "/lapor")
    description = "Sampah menumpuk, dikirim dua kali sekaligus (uji PWA)."
    numbers = page.evaluate("""async (description) => {
        const form = new FormData();
        for (const [k, v] of [["service_code", "SAMPAH"], ["lat", "3.5952"], ["long", "98.6722"],
                              ["attr-SAMPAH-HARI_TIDAK_DIANGKUT", "3"], ["description", description]]) form.append(k, v);
        const entry = await MedanOutbox.keep(form);
        const sent = await Promise.all([MedanOutbox.send(entry), MedanOutbox.send(entry)]);
        return sent.map(r => r.number);
    }""", description)
    assert len(set(numbers)) == 1 and numbers[0].startswith("MDN-")
    assert [r["service_request_id"] for r in _reports(complaints_app, description)] == numbers[:1]
