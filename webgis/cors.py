"""CORS for the public read APIs: a web map on another origin may read them, never with credentials.

What answers cross-origin (issue 17 item 4): GET and HEAD of the OGC API
(landing, conformance, api, collections, items, queryables), the vector tiles
and the Open311 GeoReport reads, to the origins of the setting
`WEBGIS_WEB_CORS_ALLOW_ORIGINS` ("*" by default: anonymous reads are public;
a comma-separated list of origins narrows it; empty switches CORS off).
Preflights (OPTIONS with Access-Control-Request-Method) are answered for
those reads only.

What never does:
- writes (POST, PUT, PATCH, DELETE): a preflight for them is answered without
  any Access-Control-Allow-* header, so a browser does not send them;
- authenticated requests: a request carrying a Cookie or an Authorization
  header gets no Access-Control-Allow-Origin, and Authorization is not an
  allowed request header, so a foreign page can neither use a visitor's session
  nor read what their roles show; Access-Control-Allow-Credentials is never sent.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CORS_BLUEPRINTS = frozenset({"ogcapi", "tiles", "open311.v2"})
READ_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_REQUEST_HEADERS = "Accept, Accept-Language, If-None-Match, Range"
EXPOSED_HEADERS = "Content-Crs, Content-Disposition, ETag, Link, Location"
PREFLIGHT_MAX_AGE = "86400"


def init_cors(app: Flask) -> None:
    origins = [o.strip() for o in app.config["SETTINGS"].web.cors_allow_origins.split(",") if o.strip()]
    app.config.setdefault("CORS_ALLOW_ORIGINS", origins)
    app.after_request(_cors_headers)


def read_headers(origin: str | None, allowed: list[str]) -> list[tuple[str, str]]:
    """The CORS headers of an anonymous GET/HEAD answer to `origin` (none when it may not read).

    Also used by the cached-tile lane (webgis/tiles/lane.py), which answers before Flask.
    """
    if not origin:
        return []
    if "*" in allowed:
        return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]
    if origin not in allowed:
        return []
    return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
            ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]


def _is_cors_read() -> bool:
    if request.blueprint not in CORS_BLUEPRINTS:
        return False
    if request.method == "OPTIONS":
        return request.headers.get("Access-Control-Request-Method", "").upper() in READ_METHODS
    return request.method in READ_METHODS


def _cors_headers(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if not origin or not _is_cors_read():
        return response
    if "Authorization" in request.headers or "Cookie" in request.headers:
        return response  # never from another origin with a visitor's credentials
    granted = read_headers(origin, current_app.config["CORS_ALLOW_ORIGINS"])
    if not granted:
        return response
    headers = response.headers
    for name, value in granted:
        if name == "Vary":
            response.vary.add(value)  # merged with the others (Cookie, Accept-Encoding), never a second header
        elif name != "Access-Control-Expose-Headers" or request.method != "OPTIONS":
            headers[name] = value
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
