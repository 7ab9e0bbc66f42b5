"""Homepage benchmark in headless Chromium: time to interactive, and drawing a big point layer.

    .venv/bin/python benchmarks/bench_homepage.py --database-url postgresql://webgis@127.0.0.1:54329/medan_bench
    .venv/bin/python benchmarks/bench_homepage.py --url http://127.0.0.1:5000     # an already running server

With --database-url it serves that database with gunicorn (as `webgis serve`
does) on a free port. Load 1,000,000 points first (--load-points 1000000
does it: geodata.synthetic.population.generate_sample_points + layers.load_frame,
replacing the layer's rows in THAT database).

Figures come from the page's own Performance API marks:
  medan:interactive        map created, basemap tiles drawn, permalink layers loaded
  medan:drawn:<layer>:<n>  the layer's n-th complete draw (GeoJSON added, or every visible tile rendered;
                           for a point layer: every visible canvas tile decoded and drawn)
Time to interactive is measured with an empty browser cache (a first visit) and
again in the same browser (a second visit: scripts and styles from its cache).
A layer draw is measured after switching the layer on (first draw) and after a
700 px pan (only new tiles); each run is a fresh browser, so the browser cache
never helps, while the server's tile cache is warm from the second run on.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import admin_access  # noqa: E402  (after the path is set)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAYER = "sample_points"
CITY = "12/3.6000/98.6700"
STREET = "16/3.5900/98.6785"


def load_points(database_url: str, n: int) -> None:
    from sqlalchemy import text

    from geodata.synthetic.population import generate_sample_points
    from layers import load_frame, read_layer
    from layers.db import engine_for

    engine = engine_for(database_url)
    started = time.perf_counter()
    frame = generate_sample_points(read_layer(engine, "kelurahan"), n=n)
    report = load_frame(engine, LAYER, frame, actor="bench:homepage", mode="replace", source="synthetic")
    with engine.begin() as conn:
        conn.execute(text(f"ANALYZE layers.{LAYER}"))
    print(f"loaded {report.inserted:,} points into {LAYER} in {time.perf_counter() - started:.1f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int) -> Iterator[str]:
    from webgis.cli.serve import gunicorn_command

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), **admin_access.SERVER_ENV}
    command = [*gunicorn_command(f"127.0.0.1:{port}", workers), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _mark(page: Any, name: str, timeout_ms: int = 120_000) -> float:
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=name, timeout=timeout_ms)
    return page.evaluate("(n) => performance.getEntriesByName(n)[0].startTime", name)


def time_to_interactive(browser: Any, base: str, runs: int) -> tuple[list[float], list[float]]:
    """(first visits, second visits) in ms from navigation start to medan:interactive."""
    first, second = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})  # empty browser cache each run
        page = context.new_page()
        page.goto(base + "/peta")
        first.append(_mark(page, "medan:interactive"))
        page.goto(base + "/peta?second-visit")
        second.append(_mark(page, "medan:interactive"))
        context.close()
    return first, second


def time_layer_draw(browser: Any, base: str, view: str) -> dict[str, float]:
    # sample_points is data for testing: only an admin's map lists it.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, extra_http_headers=admin_access.HEADERS)
    page = context.new_page()
    page.goto(f"{base}/peta#map={view}")
    _mark(page, "medan:interactive")
    source = page.evaluate("(id) => Medan.layerById(id).source", LAYER)
    page.evaluate("(id) => { performance.mark('bench:toggle'); Medan.setLayer(id, true); }", LAYER)
    toggled = page.evaluate("performance.getEntriesByName('bench:toggle')[0].startTime")
    first = _mark(page, f"medan:drawn:{LAYER}:1") - toggled
    page.evaluate("() => { performance.mark('bench:pan'); Medan.state.map.panBy([700, 0], {animate: false}); }")
    panned = page.evaluate("performance.getEntriesByName('bench:pan')[0].startTime")
    after_pan = _mark(page, f"medan:drawn:{LAYER}:2") - panned
    tiles = page.evaluate(
        "(id) => performance.getEntriesByType('resource').filter(e => e.name.includes('/collections/' + id + '/tiles/')).length",
        LAYER)
    points, work = page.evaluate("(id) => [Medan.state.active[id].pointsDrawn || 0, Medan.state.active[id].workMs || 0]",
                                 LAYER)
    context.close()
    return {"source": source, "first_draw_ms": first, "after_pan_ms": after_pan, "tile_requests": tiles,
            "points_drawn": points, "work_ms": work}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an already running server")
    parser.add_argument("--database-url", help="serve this database with gunicorn")
    parser.add_argument("--load-points", type=int, default=0, help="first replace sample_points with N points")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.url and not args.database_url:
        parser.error("give --url or --database-url")
    if args.load_points:
        load_points(args.database_url, args.load_points)
    from playwright.sync_api import sync_playwright

    server = gunicorn(args.database_url, args.workers) if not args.url else _given(args.url)
    with server as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            report(browser, base, args.runs)
        finally:
            browser.close()


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


def _figures(values: list[float]) -> str:
    return (f"median {statistics.median(values):.0f} ms, min {min(values):.0f}, max {max(values):.0f} "
            f"(runs: {', '.join(f'{v:.0f}' for v in values)})")


def report(browser: Any, base: str, runs: int) -> None:
    first, second = time_to_interactive(browser, base, runs)
    print(f"navigation -> interactive (default layers drawn), {runs} runs:")
    print(f"  first visit (empty browser cache):   {_figures(first)}")
    print(f"  second visit (same browser):         {_figures(second)}")
    for name, view in (("city zoom 12", CITY), ("street zoom 16", STREET)):
        results = [time_layer_draw(browser, base, view) for _ in range(runs)]
        r = results[-1]
        print(f"{LAYER} ({r['source']}) at {name}, {runs} runs, fresh browser each:")
        print(f"  first draw:          {_figures([x['first_draw_ms'] for x in results])}")
        print(f"  after a 700 px pan:  {_figures([x['after_pan_ms'] for x in results])}")
        print(f"  last run: {r['tile_requests']} tile requests, {r['points_drawn']:,} points decoded and drawn "
              f"in {r['work_ms']:.0f} ms of main-thread time")


if __name__ == "__main__":
    main()
