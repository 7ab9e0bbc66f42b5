"""Cached public tiles, answered before the request reaches Flask.

A cached tile is one indexed lookup, yet through Flask a hit cost about 1.6 ms of
worker CPU on this 2-core machine: request context, URL matching, eight request
hooks, session, a Response object. That capped cached z16 tiles near 800 req/s.

This WSGI layer answers the tile requests of the homepage and of map clients
itself: a GET of /collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}
(query: nothing or `properties=`) or of /tiles/WebMercatorQuad/{z}/{x}/{y}
(query: `collections=` and `properties=`), with no credentials (no Cookie, no
Authorization) and no If-None-Match, whose tile the cache holds and is not
empty. The layers and properties are chosen by the same functions the tile
views call (collection_tile_layers, multi_tile_layers), for the anonymous public, and the answer carries the same bytes and
headers (tests compare the two). Everything else (a miss, any error, a caller
who may be logged in, a conditional request, any other parameter) goes on to
Flask unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask

from layers.access import ANONYMOUS
from layers.errors import LayerError
from layers.registry import UnknownLayer
from layers.tiles.cache import Tile, cached_tile
from layers.tiles.grid import TILE_MATRIX_SET
from layers.tiles.selection import TileLayer
from webgis.cors import read_headers
from webgis.errors import UNREACHABLE
from webgis.security import security_headers
from webgis.tiles.encoding import encoded_tile
from webgis.tiles.metadata import MVT
from webgis.tiles.views import collection_tile_layers, multi_tile_layers, names_of, tile_headers

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

ZXY = r"(\d{1,2})/(\d{1,8})/(\d{1,8})"
COLLECTION_TILE = re.compile(rf"/collections/([A-Za-z0-9_\-]+)/tiles/{TILE_MATRIX_SET}/{ZXY}")
MULTI_TILE = re.compile(rf"/tiles/{TILE_MATRIX_SET}/{ZXY}")
# Any of these means the answer may depend on who asks, or is conditional: Flask decides.
PERSONAL = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH")


class CachedTileLane:
    """WSGI middleware in front of the Flask app (`app.wsgi_app`); see the module docstring."""

    def __init__(self, app: Flask, then: WSGIApp):
        self.app = app
        self.then = then

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        tile = None
        if environ.get("REQUEST_METHOD") == "GET" and not any(name in environ for name in PERSONAL):
            tile = self._cached(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        if tile is None:
            return self.then(environ, start_response)
        body, etag, encoding = encoded_tile(tile.etag, tile.data, environ.get("HTTP_ACCEPT_ENCODING"))
        headers = [("Content-Type", MVT), ("Content-Length", str(len(body))), *tile_headers(tile, etag)]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        secure = environ.get("wsgi.url_scheme") == "https"
        headers += security_headers({name.lower() for name, _ in headers}, secure, self.app.config["CSP_HEADER"])
        headers += read_headers(environ.get("HTTP_ORIGIN"), self.app.config["CORS_ALLOW_ORIGINS"])
        start_response("200 OK", headers)
        return [body]

    def _cached(self, path: str, query: str) -> Tile | None:
        address = self._address(path, query)
        if address is None:
            return None
        layers, z, x, y = address
        if not layers or z > self.app.config["SETTINGS"].web.tile_cache_max_zoom:
            return None
        try:
            tile = cached_tile(self.app.extensions["engine"], layers, z, x, y)
        except UNREACHABLE:
            return None  # the database is away: Flask answers (503 with Retry-After, webgis/errors.py)
        return tile if tile is not None and not tile.empty else None

    @staticmethod
    def _address(path: str, query: str) -> tuple[tuple[TileLayer, ...], int, int, int] | None:
        """What the tile view would put into this tile for the anonymous public, or None."""
        pairs = parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        if len(params) != len(pairs):
            return None  # a repeated parameter: Flask's reading of it decides
        try:
            if match := COLLECTION_TILE.fullmatch(path):
                if set(params) - {"properties"}:
                    return None
                z, x, y = int(match[2]), int(match[3]), int(match[4])
                layers = collection_tile_layers(match[1], z, x, y, ANONYMOUS, names_of(params.get("properties")))
            elif match := MULTI_TILE.fullmatch(path):
                if set(params) - {"collections", "properties"}:
                    return None
                z, x, y = int(match[1]), int(match[2]), int(match[3])
                layers = multi_tile_layers(names_of(params.get("collections")), z, x, y, ANONYMOUS,
                                           names_of(params.get("properties")))
            else:
                return None
            return layers, z, x, y
        except (LayerError, UnknownLayer):
            return None  # unknown, hidden, out of range, a bad property: Flask gives the error answer


def install(app: Flask) -> None:
    app.wsgi_app = CachedTileLane(app, app.wsgi_app)  # type: ignore[method-assign]
