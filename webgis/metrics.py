"""Prometheus metrics of a web instance (the official client, prometheus_client), at GET /metrics.

Series:
- ``webgis_http_requests_total{family,method,status}`` and
  ``webgis_http_request_duration_seconds{family}``: every request, counted at the outermost
  WSGI layer so the cached-tile lane (webgis/tiles/lane.py, answered before Flask) counts too
  (family ``tiles_cache``); elsewhere the family is the blueprint (``ogcapi``, ``tiles``,
  ``pages``, ``open311``, ``operator``, ...), ``static``, or ``unmatched`` (404 before routing).
  The time is until the response is handed to the server (a streamed download's body is not in it);
- ``webgis_db_pool_in_use`` / ``webgis_db_pool_capacity``: the SQLAlchemy pool's checked-out
  connections and its size plus overflow, summed over the live workers;
- ``webgis_db_replica_lag_seconds{replica}`` and ``webgis_db_replica_lag_bytes{replica}``: from
  the primary's pg_stat_replication at scrape time, so every streaming replica shows
  however it was configured, and the series are empty without replicas;
- ``webgis_outbox_pending`` / ``webgis_outbox_oldest_pending_seconds``: the notification
  outbox's backlog, when a ``notify.outbox`` table exists (else absent).

gunicorn runs several worker processes: each writes its counters to files under
PROMETHEUS_MULTIPROC_DIR (set, and emptied, by webgis/gunicorn_hooks.py before any worker
starts) and a scrape, answered by any worker, adds them up (prometheus_client's
multiprocess mode); a dead worker's gauges are dropped (``live*`` modes). Without that
variable (the development server, tests) the process's own registry is served.

Only admins (or the configured API token) may read /metrics: request rates and pool use
are operational facts, not public ones; Prometheus sends the token as a bearer token.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from webgis.accounts.principal import require_roles

log = logging.getLogger(__name__)
blueprint = Blueprint("metrics", __name__)
FAMILY_KEY = "webgis.route_family"
LANE_FAMILY = "tiles_cache"  # answered by the cached-tile lane before Flask
# From a cached tile (~1 ms) to a heavy analysis page (seconds).
DURATION_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@lru_cache(maxsize=1)
def series() -> dict[str, Any]:
    """The process's request and pool series, made once (several apps in one test process share them)."""
    return {
        "requests": Counter("webgis_http_requests", "HTTP requests by route family, method and status",
                            ["family", "method", "status"]),
        "duration": Histogram("webgis_http_request_duration_seconds", "Time to answer, by route family",
                              ["family"], buckets=DURATION_BUCKETS),
        "pool_in_use": Gauge("webgis_db_pool_in_use", "Database connections checked out of the pool",
                             multiprocess_mode="livesum"),
        "pool_capacity": Gauge("webgis_db_pool_capacity", "Database pool size plus overflow",
                               multiprocess_mode="livesum"),
    }


class RequestMetrics:
    """The outermost WSGI layer: counts and times every request, whoever answers it."""

    def __init__(self, then: Callable[..., Iterable[bytes]]) -> None:
        self.then = then
        self.requests, self.duration = series()["requests"], series()["duration"]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["500"]

        def recording_start_response(code: str, headers: list, *exc: Any) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, *exc)

        try:
            return self.then(environ, recording_start_response)
        finally:
            family = environ.get(FAMILY_KEY, LANE_FAMILY)
            self.requests.labels(family, environ.get("REQUEST_METHOD", ""), status[0]).inc()
            self.duration.labels(family).observe(time.perf_counter() - started)


def _note_family() -> None:
    rule = request.url_rule
    request.environ[FAMILY_KEY] = request.blueprint or (rule.endpoint if rule is not None else "unmatched")


def watch_pool(engine: Engine) -> None:
    """Pool use from SQLAlchemy's checkout/checkin events (each worker its own, summed at scrape)."""
    in_use = series()["pool_in_use"]
    pool = engine.pool
    size = getattr(pool, "size", lambda: 0)() + max(0, getattr(pool, "_max_overflow", 0))
    series()["pool_capacity"].set(size)
    event.listen(pool, "checkout", lambda *_: in_use.inc())
    event.listen(pool, "checkin", lambda *_: in_use.dec())


class DatabaseFacts:
    """Read at scrape time from the primary: replica lag and the outbox backlog (one short query each)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        lag_s = GaugeMetricFamily("webgis_db_replica_lag_seconds",
                                  "Replay lag of each streaming replica (0 while no WAL is waiting)", labels=["replica"])
        lag_b = GaugeMetricFamily("webgis_db_replica_lag_bytes", "WAL not yet replayed by each replica",
                                  labels=["replica"])
        with self.engine.begin() as conn:  # set_config(..., true): for this transaction only (PgBouncer-safe)
            conn.execute(text("SELECT set_config('statement_timeout', '1000', true)"))
            for r in conn.execute(text(
                    "SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text) AS name, "
                    "coalesce(extract(epoch FROM replay_lag), 0) AS lag_s, "
                    "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) AS lag_b "
                    "FROM pg_stat_replication")):
                lag_s.add_metric([r.name], float(r.lag_s))
                lag_b.add_metric([r.name], float(r.lag_b))
            yield lag_s
            yield lag_b
            yield from _outbox(conn)


def _outbox(conn: Any) -> Iterator[Metric]:  # a SQLAlchemy Connection
    if conn.execute(text("SELECT to_regclass('notify.outbox')")).scalar_one() is None:
        return
    try:  # the pending rows only: the outbox's partial index, not a scan of everything ever sent
        row = conn.execute(text(
            "SELECT count(*) AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest "
            "FROM notify.outbox WHERE status = 'pending'")).one()
    except DBAPIError as exc:  # an outbox of another shape: its backlog is not ours to guess
        log.warning("metrics: cannot read the outbox backlog: %s", exc.orig)
        return
    yield GaugeMetricFamily("webgis_outbox_pending", "Messages in the notification outbox waiting to be sent",
                            value=row.pending)
    yield GaugeMetricFamily("webgis_outbox_oldest_pending_seconds", "Age of the oldest message waiting",
                            value=float(row.oldest))


@blueprint.get("/metrics")
@require_roles("admin")
def metrics() -> Response:
    """Prometheus text exposition: the workers' series (summed) and the database's facts."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
    else:
        workers = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseFacts(current_app.extensions["engine"]))
    body = generate_latest(workers) + generate_latest(database)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def init_metrics(app: Flask) -> None:
    """Count every request (wrap last: outermost) and watch the pool; /metrics is the blueprint's."""
    # First of the request hooks: one that refuses the request (CSRF, rate limit) stops the rest.
    app.before_request_funcs.setdefault(None, []).insert(0, _note_family)
    watch_pool(app.extensions["engine"])
    app.wsgi_app = RequestMetrics(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(blueprint)
