"""In Chromium on a phone: a citizen finds a free ICU bed nearest to where they are (their location, then a
tap on the map), sees stale reports marked, and opens a hospital's history chart."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, new_session, serving
from webgis.assets import assets_present

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "geolocation": {"latitude": 3.5906, "longitude": 98.6785}, "permissions": ["geolocation"]}


def _loaded_after(page, before: int) -> None:  # noqa: ANN001
    page.wait_for_selector(f'#beds-map[data-loaded="{before + 1}"]', state="attached")


def _listed(page) -> list[dict]:  # noqa: ANN001
    return page.evaluate("""Array.from(document.querySelectorAll('#beds-list li[data-kode]')).map(li => ({
        kode: li.dataset.kode, free: Number(li.dataset.free), stale: li.dataset.stale === 'true',
        km: li.querySelector('.c-distance') ? parseFloat(li.querySelector('.c-distance').textContent.slice(3)) : null}))""")


def test_a_citizen_finds_the_nearest_free_icu_bed_on_a_phone(sirs_app: Flask) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    with serving(sirs_app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **PHONE)
        page = session.open("/tempat-tidur")
        _loaded_after(page, 0)
        assert page.locator("h1").inner_text() == "Cari tempat tidur kosong di rumah sakit"
        assert len(_listed(page)) == 43
        page.select_option("#bed-class", "ICU")
        _loaded_after(page, 1)
        page.click("#use-location")  # the phone's position: Lapangan Merdeka
        _loaded_after(page, 2)
        listed = _listed(page)
        with_free = [h for h in listed if h["free"] > 0]
        assert with_free and listed[:len(with_free)] == with_free  # free ICU beds first
        fresh = [h["km"] for h in with_free if not h["stale"]]
        assert fresh == sorted(fresh) and fresh[0] < 5  # nearest first, in km from the phone
        assert any(h["stale"] for h in listed)  # the seed's silent hospitals carry the warning
        assert page.locator("#beds-list .stale").first.inner_text() == "Laporan lama"
        page.locator("#beds-map").scroll_into_view_if_needed()
        box = page.locator("#beds-map").bounding_box()  # a tap far north (Belawan): the order follows it
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 5)
        _loaded_after(page, 3)
        assert _listed(page)[0]["kode"] != listed[0]["kode"] or _listed(page)[0]["km"] != listed[0]["km"]
        page.click("#beds-list li[data-kode] a >> nth=0")
        page.wait_for_selector("#history-chart[data-series]")
        assert page.locator("#history-chart svg.chart").count() >= 3
        assert page.locator("#beds-table tbody tr").count() >= 3
        assert session.errors == [] and session.foreign_requests() == []
        session.screenshot("sirs-bed-finder-phone")
