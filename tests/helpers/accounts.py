"""Helpers shared by the security tests: users, logins, CSRF tokens, apps with accounts."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.database import settings_for

PASSWORD = "kata-sandi-yang-panjang"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_app(database_url: str, **config: object) -> Flask:
    from webgis.app import create_app

    settings = settings_for(database_url, api_token="test-token")
    app = create_app(settings, **config)
    app.config["TESTING"] = True
    return app



def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    match = CSRF_FIELD.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD, next_url: str | None = None):  # noqa: ANN201
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def audit_events(app: Flask, **filters: str) -> list[dict]:
    from webgis.accounts import audit

    return audit.search(app.extensions["engine"], limit=1000, **filters)
