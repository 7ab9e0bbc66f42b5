"""Rate limits shared by every worker: counters in PostgreSQL (webgis/ratelimit.py).

The second "worker" is a separate Python process on the same database, as a
gunicorn worker is: within one process Flask-Limiter's module-level limiter
would share even a memory store, which proves nothing. The memory:// control
shows the same split of attempts escaping the limit without the shared store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import text

from config.settings import PROJECT_ROOT
from tests.helpers.accounts import build_app, login
from webgis import ratelimit
from webgis.security import limiter

ROOT = PROJECT_ROOT
WORKER = """
import json, sys
from tests.helpers.accounts import build_app, login
url, storage, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = build_app(url, LOGIN_RATE_LIMIT="5 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000, RATELIMIT_STORAGE_URI=storage)
print(json.dumps([login(app.test_client(), "nobody-here", "wrong-password-x").status_code for _ in range(attempts)]))
"""


def _other_worker(database_url: str, storage: str, attempts: int) -> list[int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "security")])}
    done = subprocess.run([sys.executable, "-c", WORKER, database_url, storage, str(attempts)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _attempts(app, n: int) -> list[int]:  # noqa: ANN001
    return [login(app.test_client(), "nobody-here", "wrong-password-x").status_code for _ in range(n)]


def test_two_workers_on_one_database_share_the_login_limit(isolated_database_url: str) -> None:
    app = build_app(isolated_database_url, LOGIN_RATE_LIMIT="5 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)
    assert app.config["RATELIMIT_STORAGE_URI"] == ratelimit.URI  # the default, not something the test chose
    assert _attempts(app, 2) == [401, 401]
    assert _other_worker(isolated_database_url, ratelimit.URI, 2) == [401, 401]
    # The 5th attempt overall is the last allowed, in whichever worker it lands.
    assert _attempts(app, 2) == [401, 429]
    assert _other_worker(isolated_database_url, ratelimit.URI, 1) == [429]
    with app.extensions["engine"].connect() as conn:
        count = conn.execute(text("SELECT max(count) FROM auth.rate_limits WHERE key LIKE '%accounts.login%'")).scalar()
    assert count == 7  # every attempt counted once, refused ones included


def test_without_the_shared_store_each_worker_counts_alone(isolated_database_url: str) -> None:
    """The control: per-process memory lets the same split of attempts through."""
    app = build_app(isolated_database_url, LOGIN_RATE_LIMIT="5 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000,
                    RATELIMIT_STORAGE_URI="memory://")
    try:
        limiter.reset()
        assert _attempts(app, 4) == [401] * 4
        assert _other_worker(isolated_database_url, "memory://", 4) == [401] * 4
    finally:
        limiter.reset()


def test_an_expired_window_restarts_and_expired_rows_are_pruned(isolated_database_url: str) -> None:
    app = build_app(isolated_database_url)
    engine = app.extensions["engine"]
    storage = ratelimit.PostgresStorage(ratelimit.URI, engine=engine)
    assert storage.check()
    assert [storage.incr("k1", 60), storage.incr("k1", 60), storage.incr("k1", 60, amount=3)] == [1, 2, 5]
    assert storage.get("k1") == 5 and storage.get("unknown") == 0
    storage.incr("k2", 60)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auth.rate_limits SET expires_at = now() - interval '1 second' WHERE key = 'k1'"))
    assert storage.get("k1") == 0  # an expired window counts nothing
    assert storage.prune() == 1  # k1 gone, k2 alive
    assert storage.incr("k1", 60) == 1
    assert storage.get_expiry("k1") > storage.get_expiry("unknown") - 1
    storage.clear("k1")
    assert storage.get("k1") == 0 and storage.get("k2") == 1
    assert storage.reset() == 1


def test_a_database_without_the_table_falls_back_to_memory_and_keeps_working(isolated_database_url: str) -> None:
    from layers.db import engine_for

    engine = engine_for(isolated_database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE auth.rate_limits"))
    engine.dispose()
    app = build_app(isolated_database_url, LOGIN_RATE_LIMIT="5 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)
    try:
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
        assert _attempts(app, 1) == [401]  # not a 500 from a missing table
    finally:
        limiter.reset()
