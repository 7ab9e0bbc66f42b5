"""A `limits` storage in PostgreSQL, so that every gunicorn worker counts against the same limit.

Flask-Limiter's default store is a dict in each process: with four workers a
"20 per minute" login limit is really 80. There is no Redis on the city's
machines, but there is PostgreSQL; the counters live in the UNLOGGED table
auth.rate_limits (migration 0010g), one row per key, incremented atomically by
INSERT ... ON CONFLICT DO UPDATE, which restarts a window that has expired.
Enough for the fixed-window strategy (the limiter's default and ours).

URI: `webgis-postgres://`. The database is the one of the application serving
the request (current_app.extensions["engine"]): Flask-Limiter keeps one
storage per Limiter, and our Limiter is module-level, so several apps in one
process (tests, the CLI) must not all count in whichever database was
initialised last. Outside a request the engine given as option `engine` is used.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from flask import current_app, has_app_context
from limits.storage import Storage
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

SCHEME = "webgis-postgres"
URI = f"{SCHEME}://"
# Expired counters are deleted on about one increment in PRUNE_ONE_IN: often
# enough to keep the table at the size of the active windows, rarely enough to
# cost nothing measurable per request.
PRUNE_ONE_IN = 200
# Flask-Limiter follows each hit (incr) with get and get_expiry for its
# X-RateLimit headers: two more round trips for numbers incr already had. The
# thread's last incr answers them for this long; the decision itself always
# comes from incr, so at worst a header lags another worker's hits by this much.
MEMO_SECONDS = 0.5

_INCR = text("""
    INSERT INTO auth.rate_limits AS r (key, count, expires_at)
    VALUES (:key, :amount, now() + make_interval(secs => :expiry))
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN r.expires_at <= now() THEN excluded.count ELSE r.count + excluded.count END,
        expires_at = CASE WHEN r.expires_at <= now() THEN excluded.expires_at ELSE r.expires_at END
    RETURNING count, extract(epoch FROM r.expires_at) AS expires""")
_GET = text("SELECT count FROM auth.rate_limits WHERE key = :key AND expires_at > now()")
_EXPIRY = text("SELECT extract(epoch FROM expires_at) FROM auth.rate_limits WHERE key = :key AND expires_at > now()")
_CLEAR = text("DELETE FROM auth.rate_limits WHERE key = :key")
_PRUNE = text("DELETE FROM auth.rate_limits WHERE expires_at <= now()")
_RESET = text("WITH gone AS (DELETE FROM auth.rate_limits RETURNING 1) SELECT count(*) FROM gone")


def default_uri(engine: Engine, logger: logging.Logger) -> str:
    """This storage when the database has its table; else per-process memory, said loudly.

    A database not yet migrated to 0010g (a developer's copy, a restore of an
    older dump) would otherwise turn every rate-limited request into a 500.
    """
    try:
        with engine.connect() as conn:
            present = conn.execute(text("SELECT to_regclass('auth.rate_limits') IS NOT NULL")).scalar_one()
    except SQLAlchemyError:
        present = False
    if present:
        return URI
    logger.warning("auth.rate_limits is missing (run: python -m webgis db migrate); "
                   "rate limits are counted per process until then")
    return "memory://"


class PostgresStorage(Storage):
    """Fixed-window counters in auth.rate_limits of the serving app's database."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._fallback_engine: Engine | None = options.get("engine")
        self._memo = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _engine(self) -> Engine:
        if has_app_context() and "engine" in current_app.extensions:
            return current_app.extensions["engine"]
        if self._fallback_engine is None:
            raise RuntimeError("the rate-limit storage needs an application context or an 'engine' option")
        return self._fallback_engine

    def _remembered(self, key: str) -> tuple[int, float] | None:
        memo = getattr(self._memo, "last", None)
        if memo and memo[0] == (id(self._engine()), key) and time.monotonic() - memo[3] < MEMO_SECONDS and memo[2] > time.time():
            return memo[1], memo[2]
        return None

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        engine = self._engine()
        with engine.begin() as conn:
            row = conn.execute(_INCR, {"key": key, "amount": amount, "expiry": float(expiry)}).one()
            if random.randrange(PRUNE_ONE_IN) == 0:
                conn.execute(_PRUNE)
        self._memo.last = ((id(engine), key), int(row.count), float(row.expires), time.monotonic())
        return int(row.count)

    def get(self, key: str) -> int:
        if (remembered := self._remembered(key)) is not None:
            return remembered[0]
        with self._engine().connect() as conn:
            return int(conn.execute(_GET, {"key": key}).scalar_one_or_none() or 0)

    def get_expiry(self, key: str) -> float:
        if (remembered := self._remembered(key)) is not None:
            return remembered[1]
        # Like the memory storage: a key with no live window "expires" now.
        with self._engine().connect() as conn:
            expires = conn.execute(_EXPIRY, {"key": key}).scalar_one_or_none()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as conn:
                conn.execute(text("SELECT 1 FROM auth.rate_limits LIMIT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        self._memo.last = None
        with self._engine().begin() as conn:
            return int(conn.execute(_RESET).scalar_one())

    def clear(self, key: str) -> None:
        self._memo.last = None
        with self._engine().begin() as conn:
            conn.execute(_CLEAR, {"key": key})

    def prune(self) -> int:
        """Delete expired counters now; returns how many (also done now and then by incr)."""
        with self._engine().begin() as conn:
            return conn.execute(_PRUNE).rowcount
