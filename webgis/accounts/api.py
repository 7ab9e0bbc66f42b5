"""The accounts JSON API under /auth, for scripts and notebooks (token) or the browser (session + CSRF)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from webgis.accounts import audit, manage, store, tokens
from webgis.accounts.principal import (
    client_ip,
    principal_from_request,
    require_login,
    require_roles,
)
from webgis.accounts.store import AccountError
from webgis.errors import BadRequest, NotFound, int_arg

blueprint = Blueprint("accounts_api", __name__, url_prefix="/auth")


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def _body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # JSON nested thousands deep: Python's decoder gives up (a 500 otherwise)
        raise BadRequest("the JSON is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{name} must be a list of strings")
    return value


@blueprint.after_request
def _no_store(response):  # noqa: ANN001, ANN202
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/me")
def me() -> Any:
    p = principal_from_request()
    return jsonify({"actor": p.actor, "anonymous": p.is_anonymous, "roles": sorted(p.roles),
                    "agencies": sorted(p.agencies), "user_id": p.user_id, "token_id": p.token_id})


@blueprint.get("/tokens")
@require_login
def token_list() -> Any:
    return jsonify({"tokens": tokens.list_tokens(_engine(), principal_from_request().user_id)})


@blueprint.post("/tokens")
@require_login
def token_create() -> Any:
    body, principal = _body(), principal_from_request()
    owner = store.get_user(_engine(), user_id=principal.user_id)
    days = body.get("expires_in_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool)):
        raise BadRequest("expires_in_days must be an integer")
    # A token may not create a token with more roles than itself holds.
    roles = _strings(body.get("roles"), "roles") or sorted(principal.roles & owner.roles)  # type: ignore[union-attr]
    if principal.token_id is not None and set(roles) - principal.roles:
        raise BadRequest("a token cannot create a token with roles beyond its own")
    try:
        token = manage.create_token(_engine(), principal.actor, client_ip(), owner, str(body.get("name", "")),
                                    roles=roles, expires_in_days=days)  # type: ignore[arg-type]
    except AccountError as exc:
        raise BadRequest(str(exc)) from None
    return jsonify({"id": token.id, "token": token.secret, "prefix": token.prefix, "roles": list(token.roles),
                    "expires_at": token.expires_at,
                    "note": "this is the only time the token is shown; store it now"}), 201


@blueprint.delete("/tokens/<int:token_id>")
@require_login
def token_revoke(token_id: int) -> Any:
    try:
        manage.revoke_token(_engine(), client_ip(), token_id, principal_from_request())
    except AccountError as exc:
        raise NotFound(str(exc)) from None
    return "", 204


def _user_json(user: store.User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "active": user.active,
            "roles": sorted(user.roles), "agencies": sorted(user.agencies)}


@blueprint.get("/users")
@require_roles("admin")
def user_list() -> Any:
    return jsonify({"users": [_user_json(u) for u in store.list_users(_engine())]})


@blueprint.post("/users")
@require_roles("admin")
def user_create() -> Any:
    body = _body()
    try:
        user = manage.create_user(_engine(), principal_from_request().actor, client_ip(),
                                  str(body.get("username", "")), str(body.get("password", "")),
                                  roles=_strings(body.get("roles"), "roles") or ["citizen"],
                                  agencies=_strings(body.get("agencies"), "agencies"))
    except AccountError as exc:
        raise BadRequest(str(exc)) from None
    return jsonify(_user_json(user)), 201


@blueprint.post("/users/<username>/roles")
@require_roles("admin")
def user_roles(username: str) -> Any:
    body = _body()
    try:
        roles = manage.change_roles(_engine(), principal_from_request().actor, client_ip(), username,
                                    add=_strings(body.get("add"), "add"), remove=_strings(body.get("remove"), "remove"))
    except AccountError as exc:
        raise BadRequest(str(exc)) from None
    return jsonify({"username": username, "roles": sorted(roles)})


@blueprint.get("/audit")
@require_roles("admin")
def audit_log() -> Any:
    args = request.args
    events = audit.search(_engine(), event=args.get("event") or None, actor=args.get("actor") or None,
                          before_id=int_arg("before"), limit=int_arg("limit", 100, minimum=1))
    return jsonify({"events": events})
