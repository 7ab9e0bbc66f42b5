"""A database of the SIRS tests (they commit): the synthetic beds seeded, an app on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.helpers.accounts import build_app
from tests.helpers.database import own_database


@pytest.fixture(scope="module")
def sirs_url(server_url: str, template_database_url: str) -> Iterator[str]:
    from layers.db import engine_for
    from services.sirs.seed import seed

    with own_database(server_url, template_database_url) as url:
        assert seed(engine_for(url)) == 43  # every hospital of the Kemenkes list
        yield url


@pytest.fixture(scope="module")
def sirs_engine(sirs_url: str) -> Engine:
    from layers.db import engine_for

    return engine_for(sirs_url)


@pytest.fixture(scope="module")
def sirs_app(sirs_url: str) -> Flask:
    return build_app(sirs_url)
