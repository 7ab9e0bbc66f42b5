"""Account pages: log in and out, change the password, manage one's API tokens.

Thin: parse the form, call store/manage, render. Every form carries the
session's CSRF token (webgis/security.py enforces it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from layers.model import ROLES
from webgis.accounts import manage, sessions, store, throttle, tokens
from webgis.accounts.principal import (
    SESSION_EPOCH,
    SESSION_ID,
    SESSION_USER,
    audit_event,
    client_ip,
    current_user,
    deny,
    principal_from_request,
)
from webgis.accounts.store import AccountError
from webgis.security import rate_limit

blueprint = Blueprint("accounts", __name__, static_folder="static", static_url_path="/accounts/static")

LOGIN_FAILED = "Nama pengguna atau kata sandi salah. / Wrong username or password."
SLOWED_DOWN = ("Terlalu banyak percobaan gagal; coba lagi dalam {0} detik. / "
               "Too many failed attempts; try again in {0} seconds.")


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


@blueprint.after_request
def _no_store(response: Response) -> Response:
    # Account pages show tokens, roles and the audit log: never keep them in a shared cache or history.
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Where to go after login: a local path only, never another site (open-redirect guard)."""
    if not target or any(c in target for c in "\\\r\n\t") or not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


# Each role's own desk, the first role a user holds in this order winning: an admin manages
# users (and reaches every desk from there), an operator watches devices, staff work their
# agency's queue, everyone else starts on the citizens' map.
LANDING = (("admin", "accounts_admin.users"), ("operator", "operator.index"), ("staff", "open311.desk.queue"),
           ("planner", "pages.catalogue"))


def landing_page(roles: frozenset[str]) -> str:
    """Where a user with `roles` lands after logging in when no (safe) `next` was asked for."""
    endpoint = next((e for role, e in LANDING if role in roles), "pages.homepage")
    return url_for(endpoint)


def login_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page for logged-in users: anonymous visitors are sent to /login and back.

    A form post without a session is refused (401, or 403 for an API token) and
    audited instead: redirecting it would drop its body and log nothing.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.method not in ("GET", "HEAD"):
                raise deny("this form needs a logged-in browser session (scripts use the JSON API under /auth)")
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def login_policy(config: Any) -> throttle.Policy:
    """The slow-down of failed logins from the app's settings (webgis/security.py sets the defaults)."""
    return throttle.Policy(free=config["LOGIN_LOCKOUT_ATTEMPTS"], address_free=config["LOGIN_ADDRESS_FREE_ATTEMPTS"],
                           window_minutes=config["LOGIN_LOCKOUT_MINUTES"], burst=config["LOGIN_BURST_ATTEMPTS"])


@blueprint.route("/login", methods=["GET", "POST"])
@rate_limit("LOGIN_RATE_LIMIT", "20 per minute", methods=["POST"])
def login() -> Any:
    # Empty when none was asked for: then the user's own desk decides (landing_page), after the password.
    next_url = safe_next(request.values.get("next"), fallback="")
    if request.method == "GET":
        return render_template("accounts/login.html", next_url=next_url, error=None)
    username = store.normalise_username(request.form.get("username", ""))[:100]
    password = request.form.get("password", "")
    config = current_app.config
    policy = login_policy(config)
    wait = throttle.wait_seconds(_engine(), username, client_ip(), policy)
    if wait > 0:  # too soon after failures: not checked, not counted (webgis/accounts/throttle.py)
        audit_event("login.throttled", actor="anonymous", username=username, wait_s=math.ceil(wait))
        page = render_template("accounts/login.html", next_url=next_url, error=SLOWED_DOWN.format(math.ceil(wait)))
        return page, 429, {"Retry-After": str(math.ceil(wait))}
    user = store.authenticate(_engine(), username, password)
    if user is None:
        audit_event("login.failed", actor="anonymous", username=username)
        for key, value, count in throttle.bursts(_engine(), username, client_ip(), policy):
            audit_event("login.burst", actor="anonymous", key=key, value=value, failures=count)
            current_app.logger.warning("login burst: %d failed logins for %s %s", count, key, value)
        return render_template("accounts/login.html", next_url=next_url, error=LOGIN_FAILED), 401
    # A fresh session: nothing from before the login (a planted value, an old CSRF token) survives it.
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_EPOCH] = user.session_epoch
    session[SESSION_ID] = sessions.start(_engine(), user.id)
    session.permanent = True
    g.pop("principal", None)
    audit_event("login", actor=user.actor, username=user.username)
    return redirect(next_url or landing_page(user.roles))


@blueprint.post("/logout")
def logout() -> Any:
    user = current_user()
    if user is not None:
        audit_event("logout", actor=user.actor)
    # Ended server-side: a copy of this cookie (captured, or in another tab) stops working now.
    sessions.end(_engine(), session.get(SESSION_ID), "logout")
    session.clear()
    return redirect(url_for("accounts.login"))


@blueprint.get("/account")
@login_page
def account() -> Any:
    return render_template("accounts/account.html", user=current_user(), message=None, error=None)


@blueprint.post("/account/password")
@login_page
def change_password() -> Any:
    user = current_user()
    assert user is not None
    new = request.form.get("new_password", "")
    error = None
    if new != request.form.get("confirm_password", ""):
        error = "Kata sandi baru tidak sama. / The new passwords differ."
    else:
        try:
            store.change_password(_engine(), user, request.form.get("current_password", ""), new,
                                  keep_session=session.get(SESSION_ID))
        except AccountError as exc:
            error = str(exc)
    if error:
        return render_template("accounts/account.html", user=user, message=None, error=error), 400
    # Other sessions end (epoch + 1); this one continues with the new epoch.
    session[SESSION_EPOCH] = store.get_user(_engine(), user_id=user.id).session_epoch  # type: ignore[union-attr]
    audit_event("password.changed", actor=user.actor)
    return render_template("accounts/account.html", user=user, message="Kata sandi diganti. / Password changed.",
                           error=None)


@blueprint.get("/account/tokens")
@login_page
def token_list() -> Any:
    return _tokens_page()


def _tokens_page(new_token: tokens.NewToken | None = None, error: str | None = None, status: int = 200) -> Any:
    user = current_user()
    assert user is not None
    rows = tokens.list_tokens(_engine(), user.id)
    roles = [r for r in ROLES if r in user.roles]
    return render_template("accounts/tokens.html", user=user, tokens=rows, roles=roles,
                           new_token=new_token, error=error), status


@blueprint.post("/account/tokens")
@login_page
def token_create() -> Any:
    user = current_user()
    assert user is not None
    days = request.form.get("expires_in_days", "").strip()
    try:
        token = manage.create_token(
            _engine(), user.actor, client_ip(), user, request.form.get("name", ""),
            roles=request.form.getlist("roles") or None, expires_in_days=int(days) if days else None,
        )
    except (AccountError, ValueError) as exc:
        return _tokens_page(error=str(exc), status=400)
    # Rendered, not redirected: the secret is shown on this one response and stored nowhere.
    return _tokens_page(new_token=token, status=201)


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@login_page
def token_revoke(token_id: int) -> Any:
    try:
        manage.revoke_token(_engine(), client_ip(), token_id, principal_from_request())
    except AccountError as exc:
        return _tokens_page(error=str(exc), status=404)
    return redirect(url_for("accounts.token_list"))
