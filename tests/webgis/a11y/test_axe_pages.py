"""WCAG 2.1 AA on every citizen page, by axe-core in Chromium, on a 360 px phone and a desktop,
as it opens and with each of its forms sent back with bad input (the errors shown).

The pages come from the URL map and the route x role table (tests/helpers/a11y.py), so a new
public page is checked without anyone adding it here. No axe rule is disabled.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from flask import Flask

from tests.helpers.a11y import citizen_pages, describe, run_axe
from tests.helpers.browser import launched_chromium, new_session, serving
from tests.security.test_authz_matrix import TABLE
from webgis.assets import assets_present

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Pages every citizen reaches from the homepage: the derivation must find them, or it is broken.
MUST_HAVE = {"/peta", "/lapor", "/ppdb", "/wisata", "/wifi-taman"}


def settle(page: Any) -> None:
    """Wait until the page's scripts have drawn it (the network idle)."""
    # A page that keeps polling is checked as it is after 8 s.
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=8_000)
    page.wait_for_timeout(150)


def test_the_derived_list_holds_the_citizen_pages(app: Flask) -> None:
    found = {p.url.split("?")[0] for p in citizen_pages(app, TABLE)}
    assert found >= MUST_HAVE, MUST_HAVE - found


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_every_citizen_page_has_no_wcag_violation(app: Flask, device: dict) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    pages = citizen_pages(app, TABLE)
    failures: list[str] = []
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **device)
        for citizen_page in pages:
            session.page.goto(base + citizen_page.url)
            settle(session.page)
            failures += describe(f"{citizen_page.url} [{citizen_page.endpoint}]", run_axe(session.page, base))
    assert failures == [], "\n".join(failures)


# Every form of the page but the site search, its text fields filled with junk, the browser's own
# checks off, so the server's answer (the form again with its errors, or an error page) is what is seen.
SUBMIT_WITH_BAD_INPUT = """(i) => {
  const form = [...document.querySelectorAll('form')].filter(f => f.getAttribute('role') !== 'search')[i];
  form.noValidate = true;
  for (const el of form.elements) {
    if (el.tagName === 'TEXTAREA' || ['text', 'search', 'tel', 'url'].includes(el.type)) { el.value = '!'; }
    if (el.type === 'email') { el.value = 'bukan-surel'; }
  }
  form.requestSubmit ? form.requestSubmit() : form.submit();
}"""
COUNT_FORMS = "[...document.querySelectorAll('form')].filter(f => f.getAttribute('role') !== 'search').length"


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_every_citizen_form_shows_its_errors_without_wcag_violation(app: Flask, device: dict) -> None:
    if not assets_present():
        pytest.skip("front-end packages not vendored: run ./medan (npm ci + python -m webgis assets)")
    failures: list[str] = []
    checked = 0
    with serving(app) as base, launched_chromium() as chromium:
        session = new_session(chromium, base, **device)
        page = session.page
        for citizen_page in citizen_pages(app, TABLE):
            page.goto(base + citizen_page.url)
            forms = page.evaluate(COUNT_FORMS)
            for i in range(forms):
                if i:
                    page.goto(base + citizen_page.url)
                # A form its script handles in place does not navigate: it is checked as it is then.
                with contextlib.suppress(Exception), page.expect_navigation(timeout=5_000):
                    page.evaluate(SUBMIT_WITH_BAD_INPUT, i)
                settle(page)
                checked += 1
                where = f"{citizen_page.url} form {i + 1} sent with bad input -> {page.url.removeprefix(base)}"
                failures += describe(where, run_axe(page, base))
    assert checked >= 5  # /lapor, PBB, waste fees, verification, tracking at least
    assert failures == [], "\n".join(failures)
