"""A database of the school funds tests (they commit): the synthetic funds seeded, an app on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.helpers.accounts import build_app
from tests.helpers.database import own_database


@pytest.fixture(scope="module")
def funds_url(server_url: str, template_database_url: str) -> Iterator[str]:
    from layers.db import engine_for
    from services.schoolfunds.seed import seed

    with own_database(server_url, template_database_url) as url:
        assert seed(engine_for(url), years=(2025, 2026)) > 30_000
        yield url


@pytest.fixture(scope="module")
def funds_engine(funds_url: str) -> Engine:
    from layers.db import engine_for

    return engine_for(funds_url)


@pytest.fixture(scope="module")
def funds_app(funds_url: str) -> Flask:
    return build_app(funds_url)
