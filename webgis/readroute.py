"""Reads that may be slightly stale go to a streaming replica; writes, and a client's reads
right after its own write, go to the primary (read-your-writes).

Which views read through `read_engine()`: items, single items, tiles rendered outside the
tile cache, search, the catalogue and its downloads, the map page's configuration. Everything
else (sessions, rate limits, CSRF, the tile cache, which is an UNLOGGED table a replica does
not have, and every write) keeps the primary, `app.extensions["engine"]`.

Read-your-writes: after any request that may write (not GET/HEAD/OPTIONS) the primary's WAL
position goes into the `webgis_wal` cookie; a read carrying it is given only a replica that
has replayed that far (layers.readrouting). A request with an Authorization header (API
token: scripts and GIS clients, which keep no cookie) reads from the primary.

A read that fails on a replica (stopped, restarted, a query cancelled by recovery) takes the
replica out of rotation and is answered again, whole, from the primary: ReadAgainOnPrimary
calls the app a second time with the replicas out of reach, so only a response already being
streamed when the replica died can fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Engine

from layers.readrouting import ReadReplicas, lsn_number, read_replicas, write_position
from webgis.errors import UNREACHABLE, answer_unreachable_database

WAL_COOKIE = "webgis_wal"
# Long enough for any replica in rotation to have replayed the write (its lag is at most
# WEBGIS_DB_REPLICA_MAX_LAG_S, plus a check and the WAL writer's delay); after that the
# cookie changes nothing.
WAL_COOKIE_MAX_AGE_S = 60
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
READ_AGAIN = "webgis.read_from_primary"  # WSGI environ: this is the second try, from the primary
REPLICA_FAILED = "webgis.replica_failed"  # WSGI environ: the first try failed on a replica

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def init_read_routing(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    urls = settings.replica_urls
    app.extensions["read_replicas"] = read_replicas(
        settings.effective_database_url, urls, max_lag_s=settings.db.replica_max_lag_s,
        check_interval_s=settings.db.replica_check_interval_s,
        transaction_pooled=settings.db.pool_mode == "transaction") if urls else None
    if not urls:
        return
    app.after_request(_remember_write_position)
    for kind in UNREACHABLE:  # replaces webgis.errors' handler, which it then calls
        app.register_error_handler(kind, _unreachable)
    app.wsgi_app = ReadAgainOnPrimary(app.wsgi_app)  # type: ignore[method-assign]


def replicas() -> ReadReplicas | None:
    return current_app.extensions.get("read_replicas")


def read_engine() -> Engine:
    """The engine for this request's reads that may be slightly stale (see the module docstring)."""
    chosen = g.get("read_engine")
    if chosen is not None:
        return chosen
    chosen = current_app.extensions["engine"]
    pool = replicas()
    if pool is not None and _may_read_from_replica():
        after = _written_position()
        url = pool.choose(after) if after is not None else None
        if url is not None:
            chosen, g.read_replica_url = pool.engine_of(url), url
    g.read_engine = chosen
    return chosen


def _may_read_from_replica() -> bool:
    return (request.method in SAFE_METHODS and not request.environ.get(READ_AGAIN)
            and "Authorization" not in request.headers)


def _written_position() -> int | None:
    """The WAL position of this client's last write (0: none); None when the cookie is unreadable."""
    raw = request.cookies.get(WAL_COOKIE)
    if not raw:
        return 0
    try:
        return lsn_number(raw)
    except ValueError:
        return None


def _remember_write_position(response: Response) -> Response:
    if request.method in SAFE_METHODS:
        return response
    try:
        with current_app.extensions["engine"].connect() as conn:
            position = write_position(conn.connection)
    except UNREACHABLE:
        return response  # the primary is away: nothing was written
    response.set_cookie(WAL_COOKIE, position, max_age=WAL_COOKIE_MAX_AGE_S, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response


def _unreachable(error: Exception) -> Response:
    url = g.get("read_replica_url")
    if url is not None:
        replicas().mark_down(url)  # type: ignore[union-attr]
        request.environ[REPLICA_FAILED] = True
    return answer_unreachable_database(error)


class ReadAgainOnPrimary:
    """WSGI middleware: a GET or HEAD whose read failed on a replica is answered again from the primary."""

    def __init__(self, then: WSGIApp):
        self.then = then

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.then(environ, start_response)
        started: list[Any] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers, exc_info]
            return _no_write

        body = self.then(environ, hold)
        if not environ.pop(REPLICA_FAILED, False):
            start_response(*started)
            return body
        if hasattr(body, "close"):
            body.close()
        environ[READ_AGAIN] = True
        return self.then(environ, start_response)


def _no_write(_data: bytes) -> None:
    raise RuntimeError("the read-again middleware does not support WSGI write()")
