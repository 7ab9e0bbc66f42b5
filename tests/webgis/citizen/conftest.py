"""The citizen pages served to a real Chromium: one live server and one browser per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.helpers.browser import launched_chromium, serving
from webgis.assets import assets_present


@pytest.fixture(scope="module")
def citizen_server(complaints_app: Flask) -> Iterator[str]:
    if not assets_present():
        pytest.skip("vendored Leaflet missing: run ./medan (npm ci + python -m webgis assets)")
    with serving(complaints_app) as base:
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser
