"""Fixtures for the security tests: an app with accounts on the session database, users, logins."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.accounts import PASSWORD, build_app
from webgis.accounts import manage
from webgis.accounts.store import User


@pytest.fixture(scope="session")
def accounts_app(database_url: str) -> Flask:
    # Generous limits: these tests log in many times from 127.0.0.1; the limits have their own tests.
    return build_app(database_url, LOGIN_RATE_LIMIT="10000 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)


@pytest.fixture
def web(accounts_app: Flask) -> FlaskClient:
    return accounts_app.test_client()


@pytest.fixture
def make_user(accounts_app: Flask) -> Callable[..., User]:
    def make(*roles: str, password: str = PASSWORD, agencies: tuple[str, ...] = ()) -> User:
        username = f"t{uuid.uuid4().hex[:12]}"
        return manage.create_user(accounts_app.extensions["engine"], "test", None, username, password,
                                  roles=roles or ("citizen",), agencies=agencies)

    return make
