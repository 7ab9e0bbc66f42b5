"""Vector tile throughput: uncached vs cached, at zooms 12, 14 and 16, through gunicorn.

    DATABASE_URL=postgresql://webgis@127.0.0.1:54329/medan_tiles_bench \\
        .venv/bin/python -m benchmarks.bench_tiles [--workers 4] [--seconds 15] [--concurrency 8]

The database must hold the sample_points layer (load 1,000,000 points with
geodata.synthetic.population.generate_sample_points and layers.load_frame). The
server runs twice: as deployed (tiles at zooms <= CACHE_MAX_ZOOM are cached in
PostgreSQL) and with the cache switched off (`uncached_app`), so "uncached" is
the pure render path. Requests go round-robin over the tiles that cover the
layer at each zoom, driven by wrk (C, so the client hardly competes for the
CPU). "raw" is the same tile SQL run directly through psycopg2 threads.

With --tipg-python PATH (the python of a venv with `pip install tipg uvicorn
gunicorn`), tipg serves the same database with the same number of workers and
is driven with the same tiles in the same run, so the figures share the load
of the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from flask import Flask

from config.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
LAYER = "sample_points"
ZOOMS = (12, 14, 16)
MAX_TILES_PER_ZOOM = 200


def cached_app(settings: Settings | None = None) -> Flask:
    """The app as deployed. The schema check is skipped: only sample_points is read, and
    the benchmark database need not carry layers declared after it was loaded."""
    from webgis.app import create_app

    return create_app(settings, verify_schema=False)


def uncached_app() -> Flask:
    """The app with the tile cache switched off (gunicorn factory for the uncached run)."""
    settings = get_settings()
    return cached_app(settings.model_copy(update={"web": settings.web.model_copy(update={"tile_cache_max_zoom": -1})}))


def tiles_covering(engine, z: int) -> list[tuple[int, int, int]]:  # noqa: ANN001
    from layers.tiles.bounds import layer_bounds
    from webgis.tiles.metadata import tile_col_row

    x0, y0, x1, y1 = layer_bounds(engine, [LAYER])
    c0, r0 = tile_col_row(x0, y1, z)
    c1, r1 = tile_col_row(x1, y0, z)
    tiles = [(z, x, y) for x in range(c0, c1 + 1) for y in range(r0, r1 + 1)]
    random.Random(z).shuffle(tiles)
    return tiles[:MAX_TILES_PER_ZOOM]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app_spec: str, workers: int, port: int, python: str = sys.executable,
                 extra: tuple[str, ...] = (), env: dict[str, str] | None = None) -> subprocess.Popen:
    command = [python, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", *extra, app_spec]
    server = subprocess.Popen(command, cwd=ROOT, start_new_session=True, env={**os.environ, **(env or {})})
    return server


def _get(port: int, path: str, timeout: float) -> bytes:
    """A GET as an admin: sample_points is data for testing, which the web serves only to admins."""
    from benchmarks.admin_access import HEADERS

    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=HEADERS)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def wait_until_serving(port: int, path: str, workers: int) -> None:
    """Until every worker answers (a loaded machine takes seconds to import the apps)."""
    deadline = time.monotonic() + 120
    answered = 0
    while answered < 2 * workers:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        try:
            _get(port, path, 60)
            answered += 1
        except OSError:
            time.sleep(0.5)


def fetch_all(port: int, paths: list[str], concurrency: int) -> None:
    """Request every tile once, so the cached run measures hits only."""
    from concurrent.futures import ThreadPoolExecutor

    def get(path: str) -> None:
        _get(port, path, 120)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(get, paths))


def wrk(port: int, paths: list[str], seconds: int, concurrency: int) -> dict[str, float]:
    from benchmarks.admin_access import HEADERS

    script = "paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n" + (
        "i = 0\nrequest = function()\n  i = i % #paths + 1\n"
        "  return wrk.format(\"GET\", paths[i])\nend\n"
        "done = function(summary, latency, requests)\n"
        "  io.write(string.format(\"p50 %f p95 %f p99 %f non2xx %d\\n\", latency:percentile(50),"
        " latency:percentile(95), latency:percentile(99), summary.errors.status))\nend\n")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    threads = min(2, concurrency)
    headers = [arg for name, value in HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", *headers, "-s", f.name,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p = re.search(r"p50 ([\d.]+) p95 ([\d.]+) p99 ([\d.]+) non2xx (\d+)", out)
    return {"rps": rate, "p50": float(p.group(1)) / 1000, "p95": float(p.group(2)) / 1000,
            "p99": float(p.group(3)) / 1000, "errors": int(p.group(4))}


def raw_rate(url: str, tiles: list[tuple[int, int, int]], seconds: int, concurrency: int) -> float:
    """The tile statement straight through psycopg2, `concurrency` threads."""
    import psycopg2

    from layers.db import libpq_url
    from layers.tiles.grid import tile_params
    from layers.tiles.query import tile_query

    query = tile_query((LAYER,))
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def run(slot: int) -> None:
        conn = psycopg2.connect(libpq_url(url))
        conn.autocommit = True
        cur = conn.cursor()
        i = slot
        while time.monotonic() < stop:
            z, x, y = tiles[i % len(tiles)]
            cur.execute(query.statement, tile_params([LAYER], z, x, y))
            cur.fetchone()
            done[slot] += 1
            i += concurrency
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tipg-python", help="python of a venv with tipg, uvicorn and gunicorn")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    from benchmarks import admin_access
    from layers import count_features, engine_for
    from layers.tiles.cache import clear_cache

    engine = engine_for(url)
    print(f"{LAYER}: {count_features(engine, LAYER):,} features; {args.workers} gunicorn workers, "
          f"concurrency {args.concurrency}, {args.seconds} s per run")
    tiles = {z: tiles_covering(engine, z) for z in ZOOMS}
    paths = {z: [f"/collections/{LAYER}/tiles/WebMercatorQuad/{z}/{x}/{y}" for _, x, y in ts]
             for z, ts in tiles.items()}
    servers = [("uncached", "benchmarks.bench_tiles:uncached_app()", sys.executable, (), {}, paths),
               ("cached", "benchmarks.bench_tiles:cached_app()", sys.executable, (), {}, paths)]
    if args.tipg_python:
        tipg_paths = {z: [p.replace(f"/collections/{LAYER}/", f"/collections/layers.{LAYER}/") for p in ps]
                      for z, ps in paths.items()}
        servers.insert(0, ("tipg", "tipg.main:app", args.tipg_python, ("-k", "uvicorn.workers.UvicornWorker"),
                           {"TIPG_DB_SCHEMAS": '["layers"]'}, tipg_paths))
    results: dict[tuple[str, int], dict[str, float]] = {}
    for mode, app_spec, python, extra, env, mode_paths in servers:
        port = free_port()
        server = start_server(app_spec, args.workers, port, python, extra, {**env, **admin_access.SERVER_ENV})
        try:
            wait_until_serving(port, mode_paths[ZOOMS[-1]][0], args.workers)
            for z in ZOOMS:
                if mode == "cached":
                    clear_cache(engine)
                fetch_all(port, mode_paths[z], args.concurrency)  # warm up, and fill the cache
                results[(mode, z)] = wrk(port, mode_paths[z], args.seconds, args.concurrency)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
    raw = {z: raw_rate(url, tiles[z], args.seconds, args.concurrency) for z in ZOOMS}
    report(results, raw, {z: len(t) for z, t in tiles.items()}, [s[0] for s in servers])


def report(results: dict[tuple[str, int], dict[str, float]], raw: dict[int, float],
           tiles: dict[int, int], modes: list[str]) -> None:
    print(f"{'zoom':>4} {'tiles':>5} {'server':>9} {'req/s':>8} {'p50/p95/p99 ms':>20} {'x raw':>6}")
    for z in ZOOMS:
        print(f"{z:>4} {tiles[z]:>5} {'raw SQL':>9} {raw[z]:>8.1f}")
        for mode in modes:
            r = results[(mode, z)]
            print(f"{'':>4} {'':>5} {mode:>9} {r['rps']:>8.1f} {r['p50']:>8.1f}/{r['p95']:>5.1f}/{r['p99']:>5.1f} "
                  f"{r['rps'] / raw[z]:>6.2f}" + (f"  ({r['errors']} non-2xx)" if r["errors"] else ""))
        speedup = results[("cached", z)]["rps"] / max(results[("uncached", z)]["rps"], 1e-9)
        print(f"{'':>4} {'':>5} cached/uncached {speedup:.1f}x")


if __name__ == "__main__":
    main()
