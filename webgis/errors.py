"""HTTP errors: one hierarchy, one handler.

Every error raised with a status derives from `layers.errors.StatusError`
(status, OGC exception code, message, problems): the core's LayerError, the
services' ServiceError and the web's ApiError family below. One handler,
registered for them, for an unknown layer and for Werkzeug's HTTP errors,
turns each into the response the asking face expects:

- a face that answers errors in its own shape says so once with
  `answer_errors_with(blueprint, face)`: Open311 GeoReport v2 answers the spec's
  error list (webgis/open311/v2.py), the citizen report form re-renders itself
  with the reasons (webgis/citizen/complaints.py);
- everything else answers the JSON problem ({"code", "description", "problems"})
  or, for a browser, an HTML page.

A 401 always names the scheme (WWW-Authenticate), a 429 keeps its Retry-After.
While PostgreSQL cannot be reached (a restart, a failover, a full connection
slot list) every face answers 503 with Retry-After instead of a 500: the pool
reconnects by itself within a second (pool_pre_ping), so the client may retry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg2
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template_string, request
from flask.sansio.blueprints import BlueprintSetupState
from sqlalchemy.exc import InterfaceError as PoolInterfaceError
from sqlalchemy.exc import OperationalError as PoolOperationalError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import IntegerConverter

from layers.errors import StatusError
from layers.registry import UnknownLayer


class ApiError(StatusError):
    """An error the web layer itself raises (a bad parameter, a refused principal, ...)."""

    status = 400
    code = "InvalidParameterValue"


class BadRequest(ApiError):
    pass


class NotFound(ApiError):
    status = 404
    code = "NotFound"


class Unauthorized(ApiError):
    status = 401
    code = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "Forbidden"


class PreconditionFailed(ApiError):
    status = 412
    code = "PreconditionFailed"


class PayloadTooLarge(ApiError):
    status = 413
    code = "PayloadTooLarge"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "UnsupportedMediaType"


class PreconditionRequired(ApiError):
    status = 428
    code = "PreconditionRequired"


@dataclass(frozen=True)
class Refusal:
    """An error as every face answers it; `error` is what was raised, for a face that tells kinds apart."""

    status: int
    code: str
    description: str
    problems: list[str]
    error: Exception


# A face's own answer to a refusal, or None to leave it to the JSON problem / HTML page.
ErrorFace = Callable[[Refusal], Response | None]
ERROR_FACES = "error_faces"  # app.extensions key: full blueprint name -> ErrorFace
# app.extensions key: URL prefix -> ErrorFace, for requests no route matched (a 404 or 405 of the router
# belongs to no blueprint, yet /open311/v2/requests.csv must answer in the Open311 error format).
ERROR_FACE_PREFIXES = "error_face_prefixes"
AUTHENTICATE = 'Bearer realm="Medan WebGIS"'
HTML_ERROR = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ status }}</title></head>
<body><h1>{{ status }}</h1><p>{{ description }}</p>
{% if problems %}<ul>{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul>{% endif %}</body></html>"""


def answer_errors_with(blueprint: Blueprint, face: ErrorFace) -> None:
    """Let `blueprint`'s requests answer errors through `face` (recorded per app on registration)."""

    def record(state: BlueprintSetupState) -> None:
        name = f"{state.name_prefix}.{state.name}".lstrip(".")
        state.app.extensions.setdefault(ERROR_FACES, {})[name] = face
        if state.url_prefix:
            state.app.extensions.setdefault(ERROR_FACE_PREFIXES, {})[state.url_prefix.rstrip("/") + "/"] = face

    blueprint.record_once(record)


def _wants_html() -> bool:
    if request.args.get("f") in ("json", "geojson", "mvt"):
        return False
    if request.args.get("f") == "html":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes["application/json"]


def error_response(status: int, code: str, description: str, problems: list[str] | None = None) -> Response:
    """The JSON problem, or an HTML page for a browser."""
    if _wants_html():
        body = render_template_string(HTML_ERROR, status=status, description=description, problems=problems)
        response = Response(body, status=status, mimetype="text/html")
    else:
        payload = {"code": code, "description": description}
        if problems:
            payload["problems"] = problems
        response = jsonify(payload)
        response.status_code = status
    if status == 401:  # RFC 9110: a 401 names the scheme that would be accepted
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    return response


def refusal_of(error: Exception) -> Refusal:
    """What any error the handler receives says, in the terms every face uses."""
    if isinstance(error, StatusError):
        return Refusal(error.status, error.code, error.message, [str(p) for p in error.problems], error)
    if isinstance(error, UnknownLayer):
        return Refusal(404, "NotFound", f"no collection {error.args[0]!r}", [], error)
    if isinstance(error, HTTPException):
        description = error.description or error.name
        if error.code == 429:  # Flask-Limiter's description is only the limit ("3 per 1 minute")
            description = f"too many requests of this kind from your address (limit: {description}); try again later"
        return Refusal(error.code or 500, error.name.replace(" ", ""), description, [], error)
    raise TypeError(f"no refusal for {type(error).__name__}")


def _face() -> ErrorFace | None:
    faces = current_app.extensions.get(ERROR_FACES, {})
    if request.url_rule is None:  # the router refused it: the face of the blueprint whose URLs these are
        prefixes = current_app.extensions.get(ERROR_FACE_PREFIXES, {})
        return next((prefixes[p] for p in sorted(prefixes, key=len, reverse=True) if request.path.startswith(p)),
                    None)
    return next((faces[name] for name in request.blueprints if name in faces), None)


def answer(error: Exception) -> Response:
    """The one error handler: the asking face's answer, else the JSON problem or HTML page."""
    refusal = refusal_of(error)
    if isinstance(error, StatusError) and refusal.status >= 500:
        current_app.logger.error("%s: %s", type(error).__name__, error)
    face = _face()
    response = face(refusal) if face else None
    if response is None:
        response = error_response(refusal.status, refusal.code, refusal.description, refusal.problems)
    if refusal.status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    if isinstance(error, MethodNotAllowed) and error.valid_methods:  # RFC 9110 15.5.6: a 405 lists what is allowed
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if refusal.status == 429 and isinstance(error, HTTPException) and error.response is not None \
            and "Retry-After" in error.response.headers:
        response.headers["Retry-After"] = error.response.headers["Retry-After"]
    return response


def refuse_nul_characters() -> None:
    """A NUL in the path, a query value, a form field or a JSON string is a 400 naming where it is,
    everywhere: PostgreSQL text cannot hold one, and psycopg2 raises ValueError (a 500) wherever
    such a value would reach a query. Only a body that holds a NUL at all is walked."""
    if "\x00" in request.path:
        raise BadRequest("the path contains a NUL character")
    for source, values in (("query parameter", request.args), ("form field", _form_fields())):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise BadRequest(f"{source} {key.replace(chr(0), '?')!r} contains a NUL character")
    if request.is_json:
        raw = request.get_data(cache=True)
        if b"\\u0000" in raw or b"\x00" in raw:
            where = _nul_in(request.get_json(silent=True), "body")
            if where is not None:
                raise BadRequest(f"{where} contains a NUL character")


def _form_fields() -> MultiDict:
    """The form fields of a form post (not its files), without reading any other body."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form
    return MultiDict()


def _nul_in(value: Any, where: str) -> str | None:
    """Where in a decoded JSON document a string (or a key) holds a NUL, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = f"{where}.{key.replace(chr(0), '?')}" if "\x00" in key else _nul_in(item, f"{where}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{where}[{index}]")
            if found:
                return found
    return None


# Path and query integers are ids and page marks of bigint columns: a larger one names nothing.
BIGINT_MAX = 2**63 - 1


def int_arg(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """An integer query parameter, or 400 naming it when it is not one or out of range."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"query parameter {name!r} must be a whole number, not {raw[:40]!r}") from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"query parameter {name!r} must be between {minimum} and {maximum}")
    return value


def refuse_unknown_parameters(allowed: set[str]) -> None:
    """A query parameter the resource does not take is a 400 that names it and what is taken."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise BadRequest(f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


# What the driver and the pool raise when the server is gone or refuses connections
# (psycopg2's OperationalError also covers a cancelled statement and a serialization
# failure: both are worth retrying too).
UNREACHABLE = (PoolOperationalError, PoolInterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)
RETRY_AFTER_SECONDS = 2


class DatabaseUnavailable(ApiError):
    status = 503
    code = "ServiceUnavailable"


def answer_unreachable_database(error: Exception) -> Response:
    """503 + Retry-After while PostgreSQL is unreachable; logged once per request, without the SQL."""
    current_app.logger.warning("database unavailable: %s", str(getattr(error, "orig", error)).splitlines()[0:1])
    response = answer(DatabaseUnavailable("the database is unavailable for a moment; try again in a few seconds"))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


class BoundedInteger(IntegerConverter):
    """`<int:...>` in a route matches only what a bigint column can hold (a larger id names nothing: 404),
    where Werkzeug's own converter passes any length on to a query that fails with a 500."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 - Werkzeug's names
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, BIGINT_MAX if max is None else max, signed)


def register_error_handlers(app: Flask) -> None:
    # Before any blueprint is registered: rules compile their converters when they are added.
    app.url_map.converters["int"] = BoundedInteger
    app.before_request(refuse_nul_characters)
    for kind in (StatusError, UnknownLayer, HTTPException):
        app.register_error_handler(kind, answer)
    for kind in UNREACHABLE:
        app.register_error_handler(kind, answer_unreachable_database)
