"""Sessions end server-side at once (issue 16, item 3): a cookie captured before logout, a password
change, a role or agency change or a deactivation no longer works, from any client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.accounts import PASSWORD, csrf_token, login
from webgis.accounts import manage


def _captured(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """A logged-in client and its session cookie, as an attacker would copy it."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    cookie = client.get_cookie("medan_session")
    assert cookie is not None
    return client, cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie("medan_session", value)
    return thief


def _is_logged_in(client: FlaskClient) -> bool:
    return client.get("/auth/me").json.get("anonymous") is not True


def test_a_cookie_captured_before_logout_no_longer_works(accounts_app: Flask, make_user: Callable) -> None:
    user = make_user("staff")
    client, value = _captured(accounts_app, user.username)
    thief = _with_cookie(accounts_app, value)
    assert _is_logged_in(thief)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/account")}).status_code == 302
    assert not _is_logged_in(thief)
    assert thief.get("/account").status_code == 302  # sent to /login
    # Another session of the same user (another browser) is not ended by this logout.
    other, _ = _captured(accounts_app, user.username)
    assert _is_logged_in(other)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
        accounts_app: Flask, make_user: Callable) -> None:
    user = make_user("citizen")
    client, _ = _captured(accounts_app, user.username)
    _, elsewhere = _captured(accounts_app, user.username)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account"), "current_password": PASSWORD,
        "new_password": "kata-sandi-baru-yang-panjang", "confirm_password": "kata-sandi-baru-yang-panjang"})
    assert response.status_code == 200
    assert _is_logged_in(client)
    assert not _is_logged_in(_with_cookie(accounts_app, elsewhere))


@pytest.mark.parametrize("change", ["roles", "agencies", "deactivate"])
def test_a_role_agency_or_activity_change_ends_every_session(
        accounts_app: Flask, make_user: Callable, change: str) -> None:
    engine = accounts_app.extensions["engine"]
    user = make_user("staff", agencies=("DLH",))
    _, value = _captured(accounts_app, user.username)
    assert _is_logged_in(_with_cookie(accounts_app, value))
    if change == "roles":
        manage.change_roles(engine, "test", None, user.username, add=["planner"])
    elif change == "agencies":
        manage.change_agencies(engine, "test", None, user.username, remove=["DLH"])
    else:
        manage.set_active(engine, "test", None, user.username, False)
    assert not _is_logged_in(_with_cookie(accounts_app, value))
