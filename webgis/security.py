"""Web hardening applied to the whole application by `init_security(app)`.

- Session cookies: HttpOnly, SameSite=Lax, Secure unless the app runs in debug
  (browsers treat http://localhost as secure, so local serving still works).
  The signing key is app.config["SECRET_KEY"] when given, else one random key
  per database (auth.secrets) so that every gunicorn worker shares it and no
  default key ever exists.
- CSRF (Flask-WTF): a state-changing request must carry the session's token
  (form field `csrf_token` or header `X-CSRFToken`) when it is
  cookie-authenticated or is a form a foreign page could submit. Requests with
  `Authorization: Bearer` are exempt: browsers never attach that header on
  their own, so a foreign page cannot forge one. Anonymous JSON calls are
  exempt too: a cross-site JSON POST needs a CORS preflight we never grant,
  and without a cookie there is no ambient authority to abuse.
- Security headers on every response (pages, API, tiles, errors). No page may be framed
  (frame-ancestors 'none', X-Frame-Options DENY) except views marked `allow_framing`
  (the embeddable map, /peta/sematkan), whose frame-ancestors is EMBED_FRAME_ANCESTORS.
- Rate limits (Flask-Limiter): `rate_limit(CONFIG_KEY, default)` for any view;
  login uses LOGIN_RATE_LIMIT. A request that names an account or API token is
  counted against it; only anonymous requests are counted per client address,
  with a limit of their own (`per_address`) sized for carrier-grade NAT, where
  many citizens share one address. The counters live in the app's database
  (webgis/ratelimit.py, auth.rate_limits) so every gunicorn worker counts
  against the same limit; RATELIMIT_STORAGE_URI may name another store
  (memory:// for one process, redis://). Login lockout is kept in the
  database too (see accounts/views.py).
- Request size: MAX_CONTENT_LENGTH, set by the factory.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import partial, wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text

from webgis import ratelimit

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()


def who_is_counted() -> str | None:
    """The verified account or token this request is counted against; None when anonymous.

    Asked of the hook the factory passes to init_security (accounts resolves
    identities; this module must not import it). Cached for the request: the
    key and the choice of limit both need it.
    """
    if "rate_limit_identity" not in g:
        identify = current_app.extensions.get("rate_limit_identity")
        g.rate_limit_identity = identify() if identify is not None else None
    return g.rate_limit_identity


def rate_limit_key() -> str:
    identity = who_is_counted()
    return f"who:{identity}" if identity else f"addr:{get_remote_address()}"


limiter = Limiter(key_func=rate_limit_key, headers_enabled=True)

# Content types a cross-site HTML form can send without a CORS preflight.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Blueprints whose writes never read the session cookie (Open311 GeoReport:
# anonymous or api_key), so a forged cross-site form gains nothing a direct
# request would not; their standard clients post forms without a CSRF token.
CSRF_EXEMPT_BLUEPRINTS: set[str] = set()

CSP_DEFAULTS: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy(extra: dict[str, list[str]] | None = None,
                            frame_ancestors: list[str] | None = None) -> str:
    """The CSP header; `extra` adds sources (e.g. a basemap's tile host to img-src), never 'unsafe-inline' scripts;
    `frame_ancestors` replaces 'none' for a page others may frame (allow_framing)."""
    directives = {k: list(v) for k, v in CSP_DEFAULTS.items()}
    if frame_ancestors:
        directives["frame-ancestors"] = list(frame_ancestors)
    for name, sources in (extra or {}).items():
        if name == "script-src" and any("unsafe" in s for s in sources):
            raise ValueError("script-src must not allow unsafe-inline or unsafe-eval")
        directives.setdefault(name, []).extend(s for s in sources if s not in directives.get(name, []))
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class DatabaseKeySessionInterface(SecureCookieSessionInterface):
    """Signs session cookies with a key from auth.secrets when the config gives none."""

    def get_signing_serializer(self, app: Flask):  # noqa: ANN201
        if not app.secret_key:
            app.secret_key = _database_secret(app)
        return super().get_signing_serializer(app)

    def open_session(self, app: Flask, request: Request):  # noqa: ANN201
        # Most requests (API, tiles, scripts) carry no session cookie: an empty
        # session needs no signing serializer, which costs ~0.2 ms to build.
        if not request.cookies.get(self.get_cookie_name(app)):
            if not app.secret_key:  # CSRF tokens for a first form need the key too
                app.secret_key = _database_secret(app)
            return self.session_class()
        return super().open_session(app, request)


def _database_secret(app: Flask) -> str:
    with app.extensions["engine"].begin() as conn:
        conn.execute(text("INSERT INTO auth.secrets (name, value) VALUES ('session', :v) ON CONFLICT DO NOTHING"),
                     {"v": secrets.token_hex(32)})
        return conn.execute(text("SELECT value FROM auth.secrets WHERE name = 'session'")).scalar_one()


def init_security(app: Flask, on_csrf_refused: Callable[[str], None] | None = None,
                  rate_limit_identity: Callable[[], str | None] | None = None) -> None:
    """Sessions, CSRF, rate limits and security headers for `app`.

    `on_csrf_refused(reason)` is told of every refused CSRF check (the accounts
    package audits them); `rate_limit_identity()` names the verified account or
    token of a request (None when anonymous). Both are passed in so this module
    needs nothing of accounts.
    """
    app.extensions["on_csrf_refused"] = on_csrf_refused
    app.extensions["rate_limit_identity"] = rate_limit_identity
    # Set, not setdefault: Flask's own defaults (not Secure, no SameSite, 31 days) are already in the config.
    app.config.update(
        SESSION_COOKIE_SECURE=not app.debug,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="medan_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    # Shared by all workers through the database unless a deployment names another store.
    app.config.setdefault("RATELIMIT_STORAGE_URI", ratelimit.default_uri(app.extensions["engine"], app.logger))
    if app.config["RATELIMIT_STORAGE_URI"].startswith(ratelimit.SCHEME):
        # Used outside a request only (limiter.reset() in scripts); requests count in their own app's database.
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": app.extensions["engine"]}
    app.config.setdefault("CSP_EXTRA", _basemap_sources(app))
    app.config.setdefault("LOGIN_RATE_LIMIT", "20 per minute")
    app.config.setdefault("EXPENSIVE_QUERY_RATE_LIMIT", app.config["SETTINGS"].web.expensive_query_rate_limit)
    app.config.setdefault("EXPENSIVE_QUERY_RATE_LIMIT_PER_ADDRESS",
                          app.config["SETTINGS"].web.expensive_query_rate_limit_per_address)
    # Failed logins within LOGIN_LOCKOUT_MINUTES that cost nothing; each further one doubles the wait
    # (webgis/accounts/throttle.py: per username and per address, never a lock).
    app.config.setdefault("LOGIN_LOCKOUT_ATTEMPTS", 5)
    app.config.setdefault("LOGIN_LOCKOUT_MINUTES", 15)
    # Many people may share an address (a NAT, an office): it gets four times as many free failures.
    app.config.setdefault("LOGIN_ADDRESS_FREE_ATTEMPTS", 4 * app.config["LOGIN_LOCKOUT_ATTEMPTS"])
    app.config.setdefault("LOGIN_BURST_ATTEMPTS", 20)
    # The CSRF token lives as long as the session: a login form left open over lunch still works.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # We decide per request which writes need the token (see _csrf_protect), not per view.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.session_interface = DatabaseKeySessionInterface()
    csrf.init_app(app)
    limiter.init_app(app)
    # Only views decorated with rate_limit have limits (no default or application
    # limits), and the decorator checks them itself; the limiter's hook on every
    # other request cost ~0.5 ms of Python for nothing (single items, tiles).
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    # Nor its after-request hook (rate-limit headers are off and no limit uses
    # deduct_when) or its teardown (its per-request state lives on the request
    # context, which goes with the request): ~0.1 ms of every response.
    app.after_request_funcs[None] = [f for f in app.after_request_funcs[None] if not _owned_by(f, limiter)]
    app.teardown_request_funcs[None] = [f for f in app.teardown_request_funcs[None] if not _owned_by(f, limiter)]
    app.config["CSP_HEADER"] = content_security_policy(app.config["CSP_EXTRA"])
    # The embeddable map (allow_framing) may be framed by any site: that is what an embed code is for.
    app.config.setdefault("EMBED_FRAME_ANCESTORS", ["*"])
    app.config["CSP_HEADER_FRAMABLE"] = content_security_policy(app.config["CSP_EXTRA"],
                                                                app.config["EMBED_FRAME_ANCESTORS"])
    app.before_request(_csrf_protect)
    app.after_request(_security_headers)


def _basemap_sources(app: Flask) -> dict[str, list[str]]:
    """A configured raster basemap's origin may serve images (the homepage's map), nothing else."""
    url = getattr(app.config["SETTINGS"].web, "basemap_url", "") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return {}
    # Template placeholders such as {s}.tile.example.org become a wildcard host.
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return {"img-src": [f"{parts.scheme}://{host}"]}


def _owned_by(hook: Callable, extension: object) -> bool:
    """Whether a registered hook is a method of the extension (bound, or a partial over it)."""
    if isinstance(hook, partial):
        return bool(hook.args) and hook.args[0] is extension
    return getattr(hook, "__self__", None) is extension


def needs_csrf() -> bool:
    if request.method not in UNSAFE_METHODS:
        return False
    scheme = request.headers.get("Authorization", "").partition(" ")[0]
    if scheme.lower() == "bearer" or request.blueprint in CSRF_EXEMPT_BLUEPRINTS:
        return False
    if session.get("uid") is not None:
        return True
    return (request.mimetype or "") in FORM_TYPES or request.blueprint in ("accounts",)


def _csrf_protect() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True) and needs_csrf():
        try:
            csrf.protect()
        except CSRFError as exc:
            # A forged cross-site form and a page left open too long look alike here; the log tells them apart.
            on_refused = current_app.extensions.get("on_csrf_refused")
            if on_refused is not None:
                on_refused(exc.description)
            raise


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(self), camera=(), microphone=(), payment=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(present: set[str], secure: bool, csp: str) -> list[tuple[str, str]]:
    """The security headers a response lacks; `present` holds its header names in lower case."""
    wanted = [("Content-Security-Policy", csp), *SECURITY_HEADERS]
    if secure:
        wanted.append(HSTS)
    return [(name, value) for name, value in wanted if name.lower() not in present]


def allow_framing(view: F) -> F:
    """Let other sites frame this view's page (an embeddable map): its CSP's frame-ancestors
    is EMBED_FRAME_ANCESTORS and it has no X-Frame-Options; every other page keeps DENY."""
    @wraps(view)
    def framable(*args: Any, **kwargs: Any) -> Any:
        g.allow_framing = True
        return view(*args, **kwargs)
    return framable  # type: ignore[return-value]


def _security_headers(response: Response) -> Response:
    """Each header unless the view set its own. One pass over the names: Headers.setdefault
    raises and catches a KeyError per absent header, ~0.1 ms a response for seven."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    csp = current_app.config["CSP_HEADER"]
    if g.get("allow_framing"):
        present.add("x-frame-options")  # not sent: CSP frame-ancestors says who may frame the page
        csp = current_app.config["CSP_HEADER_FRAMABLE"]
    for name, value in security_headers(present, request.is_secure, csp):
        headers.add(name, value)
    return response


def rate_limit(config_key: str, default: str, methods: list[str] | None = None,
               exempt_when: Callable[[], bool] | None = None, scope: str | None = None,
               per_address: tuple[str, str] | None = None) -> Callable[[F], F]:
    """Limit a view per account/token, or per client address when anonymous.

    E.g. `@rate_limit("COMPLAINT_RATE_LIMIT", "10 per minute", per_address=("COMPLAINT_RATE_LIMIT_PER_ADDRESS",
    "60 per minute"))`. `per_address` (config key, default) is the limit of anonymous requests,
    counted per address; without it they get the same limit as an account. Limits are read
    from app.config at request time, so a deployment or a test can change them without
    touching the view. `exempt_when` lets cheap requests to the same view through uncounted;
    views given the same `scope` count against one budget instead of one each.
    """
    def limit() -> str:
        if per_address is not None and who_is_counted() is None:
            return current_app.config.get(per_address[0], per_address[1])
        return current_app.config.get(config_key, default)

    if scope:
        return limiter.shared_limit(limit, scope, methods=methods, exempt_when=exempt_when)  # type: ignore[return-value]
    return limiter.limit(limit, methods=methods, exempt_when=exempt_when)  # type: ignore[return-value]
