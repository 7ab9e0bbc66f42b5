"""What row rules and server-side sessions cost per request: median ms, in process (Flask test client).

Pairs on the same database, each request repeated `--repeat` times after a warm-up:

1. complaints items (limit 100), one item and its z14 tile with an admin's API token (every
   row, no scope) and a staff member's token of one agency (the scope spelled into the
   statement, layers/rowsql.py); both pay the same token lookup;
2. `/auth/me` with a logged-in session: the session row checked (webgis/accounts/sessions.py)
   and, for comparison, with the check switched off in this process.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_rows.py [--repeat 300] [--database-url URL]

Without --database-url it works in its own database `medan_bench_rows` on the configured
server (created, migrated and seeded on first use).

Measured 2026-12-07 on the shared 2-CPU machine under load (load average 8-12: six
engineers' test runs), 500 repeats, three runs; medians in ms, admin / staff:

    items   5.1 / 9.3    5.4 / 7.7    8.4 / 8.0
    item    6.3 / 8.0    3.8 / 4.9    5.1 / 5.0
    tile    7.7 / 4.5    6.1 / 6.3    2.6 / 2.6
    /auth/me, session row checked / not: 2.7 / 3.6, 3.0 / 6.3, 1.8 / 1.1

The differences change sign from run to run: at this load they are below what the
machine can resolve. On the quiet machine (load about 1), two runs of 500:

    items   4.32 / 3.87  4.08 / 2.53
    item    3.02 / 2.81  1.96 / 1.87
    tile    2.78 / 2.36  1.85 / 2.36
    /auth/me, session row checked / not: 1.94 / 1.28, 1.51 / 1.29

The scope costs nothing measurable (a scoped reader gets fewer rows); the session
check one primary-key lookup, 0.2-0.7 ms.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import uuid
from collections.abc import Callable

from scratch import prepare_database  # benchmarks/ is the script directory


def median_ms(call: Callable[[], object], repeat: int) -> float:
    for _ in range(20):
        call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = prepare_database(args.database_url, "medan_bench_rows", ["kelurahan", "complaints"], "complaints")

    from sqlalchemy import text

    from tests.helpers.accounts import PASSWORD, build_app, login
    from webgis.accounts import manage, sessions

    app = build_app(url, LOGIN_RATE_LIMIT="100000 per minute", LOGIN_LOCKOUT_ATTEMPTS=100000)
    engine = app.extensions["engine"]
    with engine.connect() as conn:
        fid, lon, lat, agency = conn.execute(text(
            "SELECT fid, ST_X(geom), ST_Y(geom), agency FROM layers.complaints ORDER BY fid LIMIT 1")).one()
    user = manage.create_user(engine, "bench", None, f"b{uuid.uuid4().hex[:8]}", PASSWORD, roles=["staff"],
                              agencies=[agency])
    staff = {"Authorization": f"Bearer {manage.create_token(engine, 'bench', None, user, 'bench').secret}"}
    boss = manage.create_user(engine, "bench", None, f"a{uuid.uuid4().hex[:8]}", PASSWORD, roles=["admin"])
    admin = {"Authorization": f"Bearer {manage.create_token(engine, 'bench', None, boss, 'bench').secret}"}
    client = app.test_client()
    z, x, y = tile_of(lon, lat, 14)
    paths = {"items": "/collections/complaints/items?limit=100", "item": f"/collections/complaints/items/{fid}",
             "tile": f"/collections/complaints/tiles/WebMercatorQuad/{z}/{x}/{y}"}
    print(f"{'request':<8} {'admin (all rows)':>17} {'staff (one agency)':>19}")
    for name, path in paths.items():
        row = [median_ms(lambda h=h, p=path: client.get(p, headers=h), args.repeat) for h in (admin, staff)]
        print(f"{name:<8} {row[0]:>14.2f} ms {row[1]:>16.2f} ms")

    browser = app.test_client()
    login(browser, user.username)
    checked = median_ms(lambda: browser.get("/auth/me"), args.repeat)
    live = sessions.is_live
    sessions.is_live = lambda *a, **k: True  # this process only: the request without the session row check
    try:
        unchecked = median_ms(lambda: browser.get("/auth/me"), args.repeat)
    finally:
        sessions.is_live = live
    print(f"/auth/me with the session row checked {checked:.2f} ms, without {unchecked:.2f} ms")


if __name__ == "__main__":
    main()
