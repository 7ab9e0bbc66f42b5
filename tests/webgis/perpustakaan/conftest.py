"""An app over the library tests' own database (they commit: joining, reserving, handing over)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.accounts import build_app


@pytest.fixture(scope="module")
def library_app(library_url: str) -> Flask:
    return build_app(library_url, LOGIN_RATE_LIMIT="10000 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)
