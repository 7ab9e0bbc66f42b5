"""CSRF on forms and cookie-authenticated writes, security headers everywhere, admin-only pages, audit."""

from __future__ import annotations

import re

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient

from tests.helpers.accounts import audit_events, csrf_token, login
from tests.helpers.database import settings_for
from webgis.app import create_app
from webgis.security import content_security_policy


def test_a_form_post_without_csrf_token_is_refused(web: FlaskClient, make_user) -> None:
    user = make_user()
    response = web.post("/login", data={"username": user.username, "password": "whatever-it-is"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert not audit_events(web.application, event="login", actor=f"user:{user.username}")


def test_a_cookie_authenticated_json_write_needs_the_csrf_token(web: FlaskClient, make_user) -> None:
    user = make_user("staff")
    login(web, user.username)
    refused = web.post("/auth/tokens", json={"name": "forged"})
    assert refused.status_code == 400 and "CSRF" in refused.json["description"]
    refused = web.post("/auth/tokens", json={"name": "forged"}, headers={"X-CSRFToken": "not-the-token"})
    assert refused.status_code == 400
    assert web.get("/auth/tokens").json["tokens"] == [], "nothing was created"
    # A cookie-authenticated write to another room's API is protected the same way.
    refused = web.post("/collections/schools/items", json={"type": "Feature"})
    assert refused.status_code == 400 and "CSRF" in refused.json["description"]


def test_bearer_token_calls_need_no_csrf_token(accounts_app: Flask) -> None:
    response = accounts_app.test_client().post(
        "/auth/users", json={"username": "bearer-made-x", "password": "a-long-enough-password"},
        headers={"Authorization": "Bearer test-token"})
    assert response.status_code in (201, 400)  # 400 only when a previous run left the user
    assert "CSRF" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/auth/me", "/healthz", "/collections", "/no-such-page",
                                  "/accounts/static/accounts.css",
                                  "/collections/kelurahan/tiles/WebMercatorQuad/12/3218/2009"])
def test_security_headers_on_pages_api_and_errors(web: FlaskClient, path: str) -> None:
    headers = web.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Permissions-Policy"].startswith("geolocation=(self)")
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_a_views_own_security_header_is_kept_and_none_is_sent_twice(database_url: str) -> None:
    app = create_app(settings_for(database_url))

    @app.get("/_framed_on_purpose")
    def framed() -> Response:
        return Response("x", headers={"X-Frame-Options": "SAMEORIGIN"})

    headers = app.test_client().get("/_framed_on_purpose", base_url="https://localhost").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Content-Security-Policy") == [app.config["CSP_HEADER"]]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_csp_extra_sources_never_allow_inline_scripts() -> None:
    with pytest.raises(ValueError):
        content_security_policy({"script-src": ["'unsafe-inline'"]})
    assert "img-src 'self' data: blob: https://tiles.example" in content_security_policy(
        {"img-src": ["https://tiles.example"]})


def test_account_pages_have_no_inline_script_or_style(web: FlaskClient, make_user) -> None:
    user = make_user("admin")
    login(web, user.username)
    for page in ("/login", "/account", "/account/tokens", "/admin/users", f"/admin/users/{user.username}",
                 "/admin/audit"):
        body = web.get(page).get_data(as_text=True)
        assert "<script" not in body and "style=" not in body and "<style" not in body, page
        assert not re.search(r"\son[a-z]+\s*=", body, re.IGNORECASE), page


def test_admin_pages_and_api_refuse_others(accounts_app: Flask, make_user) -> None:
    client = accounts_app.test_client()
    assert client.get("/admin/users").status_code == 302  # to the login page
    assert client.get("/auth/users").status_code == 401
    login(client, make_user("planner", "staff", "operator").username)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/auth/users").status_code == 403
    assert audit_events(accounts_app, event="access.denied")


def test_role_change_by_an_admin_is_audited(accounts_app: Flask, make_user) -> None:
    admin, target = make_user("admin"), make_user("citizen")
    client = accounts_app.test_client()
    login(client, admin.username)
    form = {"roles": ["citizen", "planner"], "agencies": "BAPPEDA", "active": "on",
            "csrf_token": csrf_token(client, "/admin/users")}
    assert client.post(f"/admin/users/{target.username}", data=form).status_code == 302
    event = audit_events(accounts_app, event="user.roles_changed", actor=f"user:{admin.username}")[0]
    assert event["details"]["username"] == target.username and event["details"]["added"] == ["planner"]
    page = client.get(f"/admin/audit?event=user.roles_changed&actor=user:{admin.username}")
    assert target.username in page.get_data(as_text=True)


def test_login_and_failed_login_are_audited(accounts_app: Flask, make_user) -> None:
    user = make_user()
    login(accounts_app.test_client(), user.username, "wrong-password-here")
    login(accounts_app.test_client(), user.username)
    assert audit_events(accounts_app, event="login", actor=f"user:{user.username}")
    failed = [e for e in audit_events(accounts_app, event="login.failed") if e["details"]["username"] == user.username]
    assert failed and failed[0]["actor"] == "anonymous"


def test_the_last_admin_cannot_lose_the_role(accounts_app: Flask, make_user) -> None:
    from webgis.accounts import manage, store
    from webgis.accounts.store import AccountError

    engine = accounts_app.extensions["engine"]
    admin = make_user("admin")
    others = [u for u in store.list_users(engine) if "admin" in u.roles and u.active and u.id != admin.id]
    for other in others:
        manage.change_roles(engine, "test", None, other.username, remove=["admin"])
    with pytest.raises(AccountError, match="last admin"):
        manage.change_roles(engine, "test", None, admin.username, remove=["admin"])
    for other in others:
        manage.change_roles(engine, "test", None, other.username, add=["admin"])
