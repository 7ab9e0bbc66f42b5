"""HTTP errors: one small hierarchy, turned into responses in one place.

Each error carries its status and an OGC-style exception code; API routes
answer JSON ({"code", "description", "problems"}), pages answer HTML.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from layers.errors import LayerError
from layers.registry import UnknownLayer


class ApiError(Exception):
    status = 400
    code = "InvalidParameterValue"

    def __init__(self, description: str, problems: list[str] | None = None):
        super().__init__(description)
        self.description = description
        self.problems = problems or []


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


AUTHENTICATE = 'Bearer realm="Medan WebGIS"'
HTML_ERROR = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ status }}</title></head>
<body><h1>{{ status }}</h1><p>{{ description }}</p>
{% if problems %}<ul>{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul>{% endif %}</body></html>"""


def _wants_html() -> bool:
    if request.args.get("f") in ("json", "geojson", "mvt"):
        return False
    if request.args.get("f") == "html":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes["application/json"]


def error_response(status: int, code: str, description: str, problems: list[str] | None = None) -> Response:
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


def refuse_nul_characters() -> None:
    """A NUL in the path or a query value is a 400 everywhere: PostgreSQL text cannot hold one, and
    psycopg2 raises ValueError (a 500) wherever such a value would reach a query."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise BadRequest("the request contains a NUL character")


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.description, exc.problems)

    @app.errorhandler(LayerError)
    def _layer_error(exc: LayerError) -> Response:
        code = {404: "NotFound", 412: "PreconditionFailed"}.get(exc.status, "InvalidParameterValue")
        if exc.status >= 500:
            app.logger.error("layer error: %s", exc)
        return error_response(exc.status, code, exc.message, [str(p) for p in exc.problems])

    @app.errorhandler(UnknownLayer)
    def _unknown_layer(exc: UnknownLayer) -> Response:
        return error_response(404, "NotFound", f"no collection {exc.args[0]!r}")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        description = exc.description or exc.name
        if exc.code == 429:  # Flask-Limiter's description is only the limit ("3 per 1 minute")
            description = f"too many requests of this kind from your address (limit: {description}); try again later"
        response = error_response(exc.code or 500, exc.name.replace(" ", ""), description)
        if exc.code == 429 and exc.response is not None and "Retry-After" in exc.response.headers:
            response.headers["Retry-After"] = exc.response.headers["Retry-After"]
        return response
