"""API tokens: shown once, stored hashed, scoped, last-used, revocable, expiring."""

from __future__ import annotations

import hashlib

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.helpers.accounts import audit_events, csrf_token, login


def _create(client: FlaskClient, **body: object) -> dict:
    response = client.post("/auth/tokens", json={"name": "notebook", **body},
                           headers={"X-CSRFToken": csrf_token(client, "/account")})
    assert response.status_code == 201, response.json
    return response.json


def _row(app: Flask, token_id: int):  # noqa: ANN202
    with app.extensions["engine"].connect() as conn:
        return conn.execute(text("SELECT * FROM auth.api_tokens WHERE id = :id"), {"id": token_id}).one()


def test_a_token_is_shown_once_stored_hashed_and_works(accounts_app: Flask, web: FlaskClient, make_user) -> None:
    user = make_user("planner", "citizen")
    login(web, user.username)
    created = _create(web, roles=["planner"])
    secret = created["token"]
    row = _row(accounts_app, created["id"])
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(tuple(row)), "the secret itself is stored nowhere"
    listed = web.get("/auth/tokens").get_data(as_text=True)
    assert secret not in listed and created["prefix"] in listed
    assert secret not in web.get("/account/tokens").get_data(as_text=True)
    assert row.last_used_at is None
    me = accounts_app.test_client().get("/auth/me", headers={"Authorization": f"Bearer {secret}"}).json
    assert me["roles"] == ["planner", "public"], "scoped to the roles asked for"
    assert _row(accounts_app, created["id"]).last_used_at is not None
    event = audit_events(accounts_app, event="token.created", actor=f"user:{user.username}")[0]
    assert event["details"]["token_id"] == created["id"] and secret not in str(event)


def test_a_token_cannot_hold_roles_its_owner_lacks(web: FlaskClient, make_user) -> None:
    user = make_user("citizen")
    login(web, user.username)
    response = web.post("/auth/tokens", json={"name": "x", "roles": ["admin"]},
                        headers={"X-CSRFToken": csrf_token(web, "/account")})
    assert response.status_code == 400 and "roles its owner does not have" in response.json["description"]


def test_a_revoked_token_is_refused_and_the_revocation_audited(accounts_app: Flask, web: FlaskClient,
                                                               make_user) -> None:
    user = make_user("staff")
    login(web, user.username)
    created = _create(web)
    bearer = {"Authorization": f"Bearer {created['token']}"}
    assert accounts_app.test_client().get("/auth/tokens", headers=bearer).status_code == 200
    response = web.delete(f"/auth/tokens/{created['id']}", headers={"X-CSRFToken": csrf_token(web, "/account")})
    assert response.status_code == 204
    refused = accounts_app.test_client().get("/auth/tokens", headers=bearer)
    assert refused.status_code == 401 and "revoked" in refused.json["description"]
    assert audit_events(accounts_app, event="token.revoked", actor=f"user:{user.username}")


def test_someone_elses_token_cannot_be_revoked(accounts_app: Flask, make_user) -> None:
    owner, other = make_user("staff"), make_user("staff")
    owner_client, other_client = accounts_app.test_client(), accounts_app.test_client()
    login(owner_client, owner.username)
    created = _create(owner_client)
    login(other_client, other.username)
    response = other_client.delete(f"/auth/tokens/{created['id']}",
                                   headers={"X-CSRFToken": csrf_token(other_client, "/account")})
    assert response.status_code == 404
    assert _row(accounts_app, created["id"]).revoked_at is None


def test_an_expired_token_is_refused(accounts_app: Flask, web: FlaskClient, make_user) -> None:
    user = make_user("staff")
    login(web, user.username)
    created = _create(web, expires_in_days=1)
    with accounts_app.extensions["engine"].begin() as conn:
        conn.execute(text("UPDATE auth.api_tokens SET expires_at = now() - interval '1 second' WHERE id = :id"),
                     {"id": created["id"]})
    response = accounts_app.test_client().get("/auth/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 401 and "expired" in response.json["description"]


def test_an_unknown_or_malformed_bearer_token_is_401(accounts_app: Flask) -> None:
    client = accounts_app.test_client()
    for value in ("Bearer mwg_not-a-real-token", "Bearer ", "Bearer ' OR '1'='1"):
        assert client.get("/auth/me", headers={"Authorization": value}).status_code == 401, value


def test_taking_a_role_from_a_user_takes_it_from_their_tokens(accounts_app: Flask, web: FlaskClient,
                                                               make_user) -> None:
    from webgis.accounts import manage

    user = make_user("planner", "staff")
    login(web, user.username)
    created = _create(web)
    manage.change_roles(accounts_app.extensions["engine"], "test", None, user.username, remove=["planner"])
    me = accounts_app.test_client().get("/auth/me", headers={"Authorization": f"Bearer {created['token']}"}).json
    assert me["roles"] == ["public", "staff"]


def test_the_config_token_still_stands_for_an_admin(accounts_app: Flask) -> None:
    me = accounts_app.test_client().get("/auth/me", headers={"Authorization": "Bearer test-token"}).json
    assert me["actor"] == "token:api" and "admin" in me["roles"]


def test_ogc_api_writes_follow_the_layer_roles_and_refusals_are_audited(accounts_app: Flask, make_user) -> None:
    from webgis.accounts import manage

    engine = accounts_app.extensions["engine"]
    planner, staff = make_user("planner"), make_user("staff")
    planner_token = manage.create_token(engine, "test", None, planner, "t").secret
    staff_token = manage.create_token(engine, "test", None, staff, "t").secret
    client = accounts_app.test_client()
    # schools: write [staff, admin]. A planner's token is refused (403, audited); an unknown id shows the staff may.
    refused = client.delete("/collections/schools/items/999999999",
                            headers={"Authorization": f"Bearer {planner_token}", "If-Match": "*"})
    assert refused.status_code == 403 and "staff" in refused.json["description"]
    denied = audit_events(accounts_app, event="access.denied")[0]
    assert denied["actor"].endswith(planner.username) and denied["details"]["collection"] == "schools"
    allowed = client.delete("/collections/schools/items/999999999",
                            headers={"Authorization": f"Bearer {staff_token}", "If-Match": "*"})
    assert allowed.status_code == 404
    assert client.delete("/collections/schools/items/999999999", headers={"If-Match": "*"}).status_code == 401
