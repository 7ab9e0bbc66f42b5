"""Admin pages: users and their roles and agencies, and the audit log browser."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from layers.model import ROLES
from webgis.accounts import audit, manage, store
from webgis.accounts.principal import client_ip, current_user, deny, principal_from_request
from webgis.accounts.store import AccountError
from webgis.accounts.views import login_page
from webgis.errors import int_arg

blueprint = Blueprint("accounts_admin", __name__, url_prefix="/admin")


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


@blueprint.after_request
def _no_store(response):  # noqa: ANN001, ANN202
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_page(view: Callable[..., Any]) -> Callable[..., Any]:
    @login_page
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not principal_from_request().is_admin:
            raise deny("only an admin may manage accounts")
        return view(*args, **kwargs)

    return wrapper


def _actor() -> str:
    return principal_from_request().actor


@blueprint.get("/users")
@admin_page
def users(error: str | None = None, status: int = 200) -> Any:
    return render_template("accounts/admin_users.html", users=store.list_users(_engine()), roles=ROLES,
                           user=current_user(), error=error), status


@blueprint.post("/users")
@admin_page
def user_create() -> Any:
    form = request.form
    try:
        manage.create_user(
            _engine(), _actor(), client_ip(), form.get("username", ""), form.get("password", ""),
            roles=form.getlist("roles") or ["citizen"],
            agencies=[a.strip() for a in form.get("agencies", "").split(",") if a.strip()],
            display_name=form.get("display_name", "").strip()[:200],
        )
    except AccountError as exc:
        return users(error=str(exc), status=400)
    return redirect(url_for(".users"))


@blueprint.get("/users/<username>")
@admin_page
def user_detail(username: str, error: str | None = None, status: int = 200) -> Any:
    target = store.get_user(_engine(), username=username)
    if target is None:
        return users(error=f"no user {username!r}", status=404)
    return render_template("accounts/admin_user.html", target=target, roles=ROLES, user=current_user(),
                           error=error), status


@blueprint.post("/users/<username>")
@admin_page
def user_update(username: str) -> Any:
    target = store.get_user(_engine(), username=username)
    if target is None:
        return users(error=f"no user {username!r}", status=404)
    form, engine, actor, ip = request.form, _engine(), _actor(), client_ip()
    wanted_roles = set(form.getlist("roles"))
    wanted_agencies = {a.strip() for a in form.get("agencies", "").split(",") if a.strip()}
    try:
        manage.change_roles(engine, actor, ip, target.username,
                            add=wanted_roles - target.roles, remove=target.roles - wanted_roles)
        manage.change_agencies(engine, actor, ip, target.username,
                               add=wanted_agencies - target.agencies, remove=target.agencies - wanted_agencies)
        manage.set_active(engine, actor, ip, target.username, form.get("active") == "on")
    except AccountError as exc:
        return user_detail(username, error=str(exc), status=400)
    return redirect(url_for(".user_detail", username=target.username))


@blueprint.get("/audit")
@admin_page
def audit_log() -> Any:
    args = request.args
    before = int_arg("before")
    events = audit.search(_engine(), event=args.get("event") or None, actor=args.get("actor") or None,
                          before_id=before, limit=100)
    older = events[-1]["id"] if len(events) == 100 else None
    return render_template("accounts/audit.html", events=events, known_events=audit.EVENTS, user=current_user(),
                           event=args.get("event", ""), actor=args.get("actor", ""), older=older)
