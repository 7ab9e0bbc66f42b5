"""Driving routes (services/routing) on a city-sized synthetic street grid: build time and route times.

A deterministic synthetic grid over Kota Medan (streets every `--spacing` metres, kept where
they lie inside the city's outline, so every street is inside real kelurahan; source
"synthetic"): every 10th line primary, every 5th secondary, the rest residential, every 7th
residential line one-way. With the default 100 m that is about 25,000 junctions and 50,000
edges, about a real city's drivable graph (Medan's OSM drivable network is of that order).
It is loaded into `osm_roads` of the benchmark's own database, the graph rebuilt (timed),
then `--routes` city-wide routes (A and B at least `--min-km` apart, random but seeded) are
asked through `services.routing.planner.route`, side by side:
- window: pgRouting given the edges around A and B (the planner's default);
- whole graph: pgRouting given every edge (the window turned off);
each with and without congestion avoidance, against the seeded traffic_congestion layer
(synthetic levels on the seeded ATCS intersections). Prints p50/p95/max in milliseconds.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_routing.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_routing.py --spacing 150 --routes 50

Without --database-url it works in its own database `medan_bench_routing` on the configured
server, created, migrated and seeded (kelurahan, kota, atcs_intersections, traffic_congestion).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import text

from benchmarks.scratch import prepare_database
from geodata.osm import city_outline
from layers import load_frame
from layers.db import engine_for
from services.routing import planner
from services.routing.graph import rebuild

SEED = 20
METRES_PER_DEGREE = 111_320.0


def grid(outline: shapely.Geometry, spacing_m: float) -> gpd.GeoDataFrame:
    """Streets along grid lines, split where they leave the city, as osm_roads features."""
    xmin, ymin, xmax, ymax = outline.bounds
    dy = spacing_m / METRES_PER_DEGREE
    dx = dy / math.cos(math.radians((ymin + ymax) / 2))
    xs, ys = np.arange(xmin, xmax, dx), np.arange(ymin, ymax, dy)
    lines, rows = [], []
    for axis, fixed, running in (("row", ys, xs), ("col", xs, ys)):
        for i, value in enumerate(fixed):
            coords = ([(x, value) for x in running] if axis == "row" else [(value, y) for y in running])
            inside = shapely.contains_xy(outline, np.array([c[0] for c in coords]), np.array([c[1] for c in coords]))
            run: list[tuple[float, float]] = []
            for c, keep in zip([*coords, None], [*inside, False], strict=True):
                if keep:
                    run.append((round(c[0], 7), round(c[1], 7)))
                    continue
                if len(run) >= 2:
                    kelas = "primary" if i % 10 == 0 else "secondary" if i % 5 == 0 else "residential"
                    rows.append({"osm_id": f"synthetic/{axis}/{i}/{len(rows)}", "nama": f"Jalan Sintetis {axis} {i}",
                                 "kelas": kelas, "satu_arah": kelas == "residential" and i % 7 == 0, "ref": None})
                    lines.append(shapely.MultiLineString([run]))
                run = []
    return gpd.GeoDataFrame(rows, geometry=lines, crs="EPSG:4326")


def pairs(engine, n: int, min_km: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:  # noqa: ANN001
    with engine.connect() as conn:
        points = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM routing.vertices ORDER BY id")).all()
    rng = np.random.default_rng(SEED)
    out = []
    while len(out) < n:
        a, b = (points[int(i)] for i in rng.integers(0, len(points), 2))
        if planner._metres(tuple(a), tuple(b)) >= min_km * 1000:
            out.append(((a[0] + 2e-5, a[1] + 2e-5), (b[0] - 2e-5, b[1] - 2e-5)))  # beside a junction, not on it
    return out


def timed(engine, routes: list, avoid: bool) -> list[float]:  # noqa: ANN001
    times = []
    for a, b in routes:
        started = time.perf_counter()
        planner.route(engine, a, b, avoid_congestion=avoid)
        times.append((time.perf_counter() - started) * 1000)
    return times


def bare_dijkstra(engine, routes: list) -> list[float]:  # noqa: ANN001
    """The floor any pgRouting query pays: pgr_dijkstra over every edge between the junctions
    nearest A and B, with no points on edges, no congestion, no geometry."""
    times = []
    with engine.connect() as conn:
        for a, b in routes:
            ends = [conn.execute(text("SELECT id FROM routing.vertices ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:x, :y), "
                                      "4326) LIMIT 1"), {"x": p[0], "y": p[1]}).scalar_one() for p in (a, b)]
            started = time.perf_counter()
            conn.execute(text("SELECT count(*) FROM pgr_dijkstra('SELECT id, source, target, cost, reverse_cost "
                              "FROM routing.edges', :a, :b)"), {"a": ends[0], "b": ends[1]}).scalar_one()
            times.append((time.perf_counter() - started) * 1000)
    return times


def _row(label: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=20)
    return f"{label:<34} p50 {statistics.median(times):7.1f} ms   p95 {q[18]:7.1f} ms   max {max(times):7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--spacing", type=float, default=100.0, help="metres between grid streets")
    parser.add_argument("--routes", type=int, default=100)
    parser.add_argument("--min-km", type=float, default=8.0)
    args = parser.parse_args()
    url = prepare_database(args.database_url, "medan_bench_routing",
                           ["kelurahan", "kota", "atcs_intersections", "traffic_congestion"], "kota")
    engine = engine_for(url)
    streets = grid(city_outline(engine), args.spacing)
    started = time.perf_counter()
    load_frame(engine, "osm_roads", streets, actor="benchmark", mode="replace", source="synthetic")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    build = rebuild(engine, actor="benchmark")
    built = time.perf_counter() - started
    with engine.begin() as conn:  # the seed's levels, made current (older than max_age_min they are not used)
        conn.execute(text("UPDATE layers.traffic_congestion SET updated = date_trunc('second', now()), "
                          "level = CASE WHEN fid % 3 = 0 THEN 'macet' ELSE level END, "
                          "queue_avg_m = CASE WHEN fid % 3 = 0 THEN 150 ELSE coalesce(queue_avg_m, 40) END"))
        levels = dict(conn.execute(text("SELECT level, count(*) FROM layers.traffic_congestion GROUP BY level")).all())
    print(f"synthetic grid every {args.spacing:.0f} m: {len(streets)} streets loaded in {loaded:.1f} s; graph "
          f"{build.vertices} junctions, {build.edges} edges built in {built:.1f} s")
    print(f"congestion layer: {levels}")
    routes = pairs(engine, args.routes, args.min_km)
    mean_km = statistics.mean(planner._metres(a, b) for a, b in routes) / 1000
    print(f"{len(routes)} city-wide routes, A to B {mean_km:.1f} km apart on average (straight line)")
    timed(engine, routes[:5], True)  # warm the caches and the connection pool
    print(_row("window, avoiding congestion", timed(engine, routes, True)))
    print(_row("window, usual route only", timed(engine, routes, False)))
    print(_row("peer: bare pgr_dijkstra, junctions", bare_dijkstra(engine, routes)))
    margin = planner.WINDOW_MARGIN_M
    planner.WINDOW_MARGIN_M = 1e9  # the window holds the whole city: pgRouting reads every edge
    try:
        print(_row("whole graph, avoiding congestion", timed(engine, routes, True)))
        print(_row("whole graph, usual route only", timed(engine, routes, False)))
    finally:
        planner.WINDOW_MARGIN_M = margin


if __name__ == "__main__":
    main()
