"""City-wide angkot trips A -> B: the web planner (services/angkot/planner.plan_trip) vs the CLI's
previous code path (services/analysis/transit.find_angkot: read the routes layer, reproject,
measure every route and every pair per request).

Two sets of N origin/destination pairs (seeded, deterministic), over a seeded database's
transit_routes: points drawn uniformly inside Kota Medan (most are beyond walking distance of
the synthetic network), and pairs of random stops anywhere in the city (nearly all have a trip). Each request is timed on its own; p50 and p95 are printed side
by side. The planner's first call (building its network: routes in UTM, every pair's transfer
candidates, the city outline) is timed apart: it happens once per version of the routes.

    DATABASE_URL=postgresql://webgis@127.0.0.1:31602/trip_dev \\
        PYTHONPATH=. .venv/bin/python benchmarks/bench_trip.py [--pairs 300]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import shapely

from layers import engine_for, read_layer
from services.analysis.transit import find_angkot
from services.angkot import planner


def _pairs(city: shapely.Geometry, n: int, seed: int = 20) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    points: list[tuple[float, float]] = []
    while len(points) < 2 * n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(city, x, y):
            points.append((float(x), float(y)))
    return list(zip(points[::2], points[1::2], strict=True))


def _timed(call: Callable[[tuple[float, float], tuple[float, float]], object],
           pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> tuple[np.ndarray, list[object]]:
    times, answers = [], []
    for a, b in pairs:
        started = time.perf_counter()
        answers.append(call(a, b))
        times.append((time.perf_counter() - started) * 1000)
    return np.array(times), answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args()
    engine = engine_for(os.environ["DATABASE_URL"])
    city = shapely.union_all(np.asarray(read_layer(engine, "kelurahan").to_crs(4326).geometry.values))
    planner._cache.clear()
    started = time.perf_counter()
    planner.network_for(engine)
    build_ms = (time.perf_counter() - started) * 1000
    print(f"{len(read_layer(engine, 'transit_routes'))} routes; the planner's network built once in {build_ms:.0f} ms")
    stops = read_layer(engine, "transit_stops").geometry
    rng = np.random.default_rng(7)
    picks = rng.integers(len(stops), size=(args.pairs, 2))
    stop_pairs = [((stops.iat[i].x, stops.iat[i].y), (stops.iat[j].x, stops.iat[j].y)) for i, j in picks]
    _compare(engine, f"{args.pairs} uniform points in the city", _pairs(city, args.pairs))
    _compare(engine, f"{args.pairs} pairs of random stops", stop_pairs)


def _compare(engine: object, title: str, pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> None:
    new, plans = _timed(lambda a, b: planner.plan_trip(engine, a, b), pairs)
    old, journeys = _timed(lambda a, b: find_angkot(engine, a, b), pairs)
    found_new = sum(bool(p.trips) for p in plans)
    found_old = sum(bool(j) for j in journeys)
    print(title)
    print(f"{'':28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'with a trip':>13}")
    for name, times, found in (("planner (services/angkot)", new, found_new),
                               ("previous CLI path", old, found_old)):
        print(f"{name:28}{np.percentile(times, 50):9.1f}{np.percentile(times, 95):9.1f}{times.max():9.1f}"
              f"{found:>13}")
    better = sum(p.trips[0].cost_m < j[0].cost_m - 1 for p, j in zip(plans, journeys, strict=True) if p.trips and j)
    print(f"trips cheaper than the previous path's best (transfer placed per trip): {better}")


if __name__ == "__main__":
    main()
