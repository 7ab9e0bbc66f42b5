"""Fixtures for the complaints tests: one cloned database for the module's writes, an app on it, staff tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database, ensure_database
from tests.conftest import settings_for


@pytest.fixture(scope="session")
def complaints_url(server_url: str, template_database_url: str) -> Iterator[str]:
    """A database of its own: these tests commit reports through the web app."""
    name = f"medan_test_complaints_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name, template=make_url(template_database_url).database)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield url
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import os

    path = tmp_path_factory.mktemp("uploads")
    os.environ["WEBGIS_UPLOAD_DIR"] = str(path)
    yield path
    os.environ.pop("WEBGIS_UPLOAD_DIR", None)


@pytest.fixture(scope="session")
def complaints_app(complaints_url: str, upload_dir: Path) -> Flask:
    from webgis.app import create_app

    settings = settings_for(complaints_url, api_token="test-token")
    # Generous limits: the tests post many reports from 127.0.0.1; the limit has its own test.
    app = create_app(settings, COMPLAINT_RATE_LIMIT="100000 per minute", COMPLAINT_SUPPORT_RATE_LIMIT="100000 per minute")
    app.config["TESTING"] = True
    return app


@pytest.fixture
def web(complaints_app: Flask) -> FlaskClient:
    return complaints_app.test_client()


@pytest.fixture(scope="session")
def staff_token(complaints_app: Flask) -> Callable[..., str]:
    """A Bearer secret for a new user with the given roles and agencies."""
    from webgis.accounts import manage

    def make(*roles: str, agencies: tuple[str, ...] = ()) -> str:
        engine = complaints_app.extensions["engine"]
        user = manage.create_user(engine, "test", None, f"t{uuid.uuid4().hex[:12]}", "kata-sandi-yang-panjang",
                                  roles=roles, agencies=agencies)
        return manage.create_token(engine, "test", None, user, "test").secret

    return make
