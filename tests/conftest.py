"""Test fixtures: a real PostGIS, never a mock.

A throwaway template database is migrated and seeded once per test session;
the session database and every `isolated_database_url` are clones of it
(CREATE DATABASE ... TEMPLATE), dropped at the end. `conn` gives a connection
whose work is rolled back after each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database, ensure_database
from layers.db import sqlalchemy_url
from tests.helpers.database import clone_database, database_url_on, maintenance_url, settings_for

# Fixtures that tests in more than one folder need, registered once here.
pytest_plugins = ["tests.fixtures.complaints", "tests.fixtures.indicators", "tests.fixtures.library", "tests.fixtures.modbus", "tests.fixtures.payments",
                  "tests.fixtures.pbb", "tests.fixtures.simpeg"]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    url, cluster, started = maintenance_url()
    yield url
    if started and cluster is not None and not os.environ.get("WEBGIS_KEEP_TEST_CLUSTER"):
        cluster.stop()


@pytest.fixture(scope="session")
def template_database_url(server_url: str) -> Iterator[str]:
    from geodata.migrate import upgrade
    from geodata.seed import seed_all

    name = f"medan_test_tmpl_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    url = database_url_on(server_url, name)
    upgrade(url)
    engine = create_engine(sqlalchemy_url(url))
    seed_all(engine, echo=lambda _message: None)
    engine.dispose()
    yield url
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def database_url(server_url: str, template_database_url: str) -> Iterator[str]:
    """The session's seeded database (shared by tests; write in `conn` or clean up)."""
    url = clone_database(server_url, template_database_url)
    yield url
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture
def isolated_database_url(server_url: str, template_database_url: str) -> Iterator[str]:
    """A fresh seeded database for one test that must commit (e.g. through the web app)."""
    url = clone_database(server_url, template_database_url)
    yield url
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, make_url(url).database)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    from layers.db import engine_for

    return engine_for(database_url)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture(scope="session")
def app(database_url: str):  # noqa: ANN201
    from webgis.app import create_app

    # Many suites log in on this one database from 127.0.0.1, some with wrong passwords on purpose (the
    # accessibility suite sends junk to /login): the address's failed-login allowance (4 x 5 in 15 min)
    # then refused a later suite's good login. The limits are tested on apps of their own
    # (tests/security/test_login.py, test_rate_limit_storage.py); this app lifts them as theirs do.
    application = create_app(settings_for(database_url, api_token="test-token"), LOGIN_RATE_LIMIT="10000 per minute",
                             LOGIN_LOCKOUT_ATTEMPTS=1000)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium `browser`, so `-m browser` (and `-m "not browser"`) select them.

    A test drives Chromium when it, or one of its fixtures, calls
    tests.helpers.browser.launched_chromium; marking by hand missed all but one of them.
    """
    from tests.helpers.browser import launched_chromium

    def launches(function: object) -> bool:
        code = getattr(function, "__code__", None)
        return (code is not None and "launched_chromium" in code.co_names
                and getattr(function, "__globals__", {}).get("launched_chromium") is launched_chromium)

    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        definitions = [d for defs in (fixtures.name2fixturedefs.values() if fixtures else []) for d in defs]
        if launches(getattr(item, "function", None)) or any(launches(d.func) for d in definitions):
            item.add_marker(pytest.mark.browser)
