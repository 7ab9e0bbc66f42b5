"""Who is making this request: a session cookie, an API token, or nobody.

`principal_from_request()` is the one place the web turns a request into a
`layers.access.Principal`; views and webgis/auth.py ask it, then ask
layers/access.py what that principal may do.

Three ways in, checked in this order:
1. `Authorization: Bearer mwg_...`: an API token (auth.api_tokens).
2. `Authorization: Bearer <settings.web.api_token>`: the *config token*, an
   admin-equivalent bootstrap/interim credential kept so that deployments and
   tests written before accounts existed keep working. Empty = off. Prefer
   real tokens: the config token cannot be scoped, listed or revoked except by
   changing the configuration.
3. The session cookie set by /login, valid while its server-side session is
   live (webgis/accounts/sessions.py: logout, a password change, a role or
   agency change and deactivation end it at once), the user is active and its
   `session_epoch` is unchanged.
A Bearer header that does not match is refused with 401, never downgraded to
anonymous: a script with a stale token should learn it at once.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request, session

from layers.access import ANONYMOUS, Principal, account_of
from webgis.accounts import audit, sessions, store, tokens
from webgis.errors import ApiError, Forbidden, Unauthorized

CONFIG_TOKEN_ACTOR = "token:api"
SESSION_USER = "uid"
SESSION_EPOCH = "epoch"
SESSION_ID = "sid"
SESSION_SUPPORTER = "supporter"  # an anonymous citizen's random id, in the signed session cookie

F = TypeVar("F", bound=Callable[..., Any])


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def principal_from_request() -> Principal:
    """The principal of this request (cached for the request); Unauthorized for a bad token."""
    if "principal_error" in g:  # a refused token is refused (and audited) once per request
        raise g.principal_error
    if "principal" not in g:
        try:
            g.principal = _resolve()
        except Unauthorized as exc:
            g.principal_error = exc
            raise
    return g.principal


def _resolve() -> Principal:
    token = bearer_token()
    if token is not None:
        return _principal_for_bearer(token)
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return ANONYMOUS
    user = store.get_user(_engine(), user_id=user_id)
    if user is None or not user.active or user.session_epoch != session.get(SESSION_EPOCH) or not \
            sessions.is_live(_engine(), session.get(SESSION_ID), user.id,
                             current_app.config["PERMANENT_SESSION_LIFETIME"]):
        session.clear()
        return ANONYMOUS
    g.user = user
    return user.principal()


def _principal_for_bearer(token: str) -> Principal:
    if not token:
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    configured = current_app.config["SETTINGS"].web.api_token
    # Constant-time comparison so the config token cannot be guessed byte by byte from timings.
    if configured and hmac.compare_digest(token.encode(), configured.encode()):
        return Principal(actor=CONFIG_TOKEN_ACTOR, roles=frozenset({"admin"}), token_id=0)
    try:
        return tokens.principal_for_token(_engine(), token)
    except tokens.InvalidToken as exc:
        # Audited: a stale script and someone trying stolen or guessed tokens look alike until one reads the log.
        # A platform token's first 10 characters are its listed prefix (they identify it, and 38 random
        # characters stay unknown); of anything else (a mistyped config token) nothing is kept.
        prefix = token[:10] if token.startswith(tokens.PREFIX) else None
        audit_event("token.refused", actor="anonymous", reason=str(exc), prefix=prefix, method=request.method)
        raise Unauthorized(str(exc)) from None


def rate_limit_identity() -> str | None:
    """The verified account or token a rate limit counts this request against; None when anonymous.

    Only a verified identity gets a counter of its own: an unknown token (or
    Open311 `api_key`) counts against the client's address, so inventing keys
    buys no fresh budget.
    """
    try:
        principal = principal_from_request()
    except ApiError:
        return None
    if principal.is_anonymous and request.blueprint == "open311.v2":
        return _open311_key_identity()
    return None if principal.is_anonymous else principal.actor


def _open311_key_identity() -> str | None:
    """GeoReport v2 names its key in the `api_key` parameter, not in a header."""
    key = request.values.get("api_key")
    if not key:
        return None
    configured = current_app.config["SETTINGS"].web.api_token
    if configured and hmac.compare_digest(key.encode(), configured.encode()):
        return CONFIG_TOKEN_ACTOR
    try:
        return tokens.principal_for_token(_engine(), key).actor
    except tokens.InvalidToken:
        return None


def supporter_for(principal: Principal) -> str:
    """Who gives a +1 (one per report, services.complaints.workflow.support): the account, the
    token, or for the anonymous public a random id kept in the signed session cookie."""
    account = account_of(principal)
    if account is not None:
        return account
    if principal.token_id is not None:
        return f"token:{principal.token_id}"
    anonymous = session.get(SESSION_SUPPORTER)
    if not isinstance(anonymous, str) or not anonymous:
        anonymous = session[SESSION_SUPPORTER] = secrets.token_urlsafe(12)
    return f"anon:{anonymous}"


def current_user() -> store.User | None:
    """The logged-in user of a session request (not of a token request)."""
    principal_from_request()
    return g.get("user")


def client_ip() -> str | None:
    return request.remote_addr


def audit_event(event: str, actor: str | None = None, **details: Any) -> None:
    """Record an event for this request (actor defaults to the request's principal)."""
    if actor is None:
        actor = g.principal.actor if "principal" in g else "anonymous"
    details.setdefault("path", request.path)
    audit.record(_engine(), event, actor, client_ip(), details)


def audit_csrf_refusal(reason: str) -> None:
    """Audit a refused CSRF check (webgis.security calls this through init_security)."""
    try:
        actor = principal_from_request().actor
    except ApiError:
        actor = "anonymous"
    audit_event("csrf.refused", actor=actor, reason=reason, method=request.method)


def deny(description: str, **details: Any) -> Forbidden | Unauthorized:
    """The error for a refused request, audited: 401 for nobody, 403 for someone without the right."""
    principal = principal_from_request()
    audit_event("access.denied", reason=description, method=request.method, **details)
    if principal.is_anonymous:
        return Unauthorized(f"log in or send an API token: {description}")
    return Forbidden(description)


def require_roles(*roles: str) -> Callable[[F], F]:
    """Only principals holding one of `roles` (admin always) may call the view."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not principal_from_request().has_any(roles):
                raise deny(f"this needs one of the roles {', '.join(roles)}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def require_login(view: F) -> F:
    """A logged-in user (session) or a user's token; not the anonymous public."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        principal = principal_from_request()
        if principal.user_id is None:
            raise Unauthorized("log in first")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
