"""A live server and a real Chromium for the homepage tests.

The app runs in a thread (werkzeug's make_server on a free port) on the
session database; Chromium is Debian's, driven by Playwright with the system
executable. Each test gets a fresh browser context that records console
errors and every request, so a test can assert nothing left 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.browser import (
    Session,
    launched_chromium,
    new_session,
    serving,
)
from tests.helpers.database import settings_for
from webgis.assets import FRONTEND_DIR, assets_present, vendor_assets


@pytest.fixture(scope="session")
def vendored_assets() -> None:
    if not assets_present():
        if not (FRONTEND_DIR / "node_modules").is_dir():
            pytest.skip("front-end packages not installed: run ./medan (npm ci + python -m webgis assets)")
        list(vendor_assets())


@pytest.fixture(scope="session")
def live_server(database_url: str, vendored_assets: None) -> Iterator[str]:
    from webgis.app import create_app

    # The config token (admin) reaches the layers only admins read, e.g. data for testing.
    with serving(create_app(settings_for(database_url, api_token="test-token"))) as base:
        yield base


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def session(browser: Any, live_server: str) -> Iterator[Session]:
    s = new_session(browser, live_server)
    yield s
    s.page.context.close()
