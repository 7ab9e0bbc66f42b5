"""PPDB zoning allocation for 50,000 applicants across all public schools: time, and the ratio to PostGIS alone.

The applicants are random homes inside the kelurahan polygons, split over the
levels as Medan's enrolment roughly is (SD 45 %, SMP 25 %, SMA 15 %, SMK 15 %),
with random birth dates and registration times (the tie-breakers). Two
measurements on the same applicants and schools:

1. **allocation**: `services.ppdb.allocate_applicants(engine, applicants, level)`
   per level: reading the schools layer, validating the applicants, every
   applicant's nearest `choices_per_applicant` schools within the zone radius
   (UTM 47N), ranking per school with the declared tie-breakers, deferred
   acceptance, the admitted lists and placements.
2. **PostGIS alone**: only the distances the allocation needs, for the same
   applicants: the level's public schools in UTM 47N in a temporary table with a
   GiST index, then for each home its k nearest schools by KNN (`<->`) with
   their distances, kept within the radius (layers/ppdb_sql.py
   `applicant_distances`). No ranking, no seats: the floor the allocation is
   compared with.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ppdb.py                 # 50,000 applicants, 3 runs
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ppdb.py --applicants 5000 --repeat 1
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ppdb.py --database-url postgresql://.../db

Without --database-url it works in its own database `medan_bench_ppdb` on the
configured server (created, migrated and seeded with kelurahan and schools on
first use). It only reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd
import shapely
from scratch import prepare_database  # benchmarks/ is the script directory

BENCH_DB = "medan_bench_ppdb"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "schools"]
LEVEL_SHARE = {"SD": 0.45, "SMP": 0.25, "SMA": 0.15, "SMK": 0.15}




def applicants(engine, n: int, seed: int = 2026) -> dict[str, pd.DataFrame]:  # noqa: ANN001
    """n random homes inside the city, split over the levels, with tie-breaker fields."""
    from layers import read_layer

    kel = read_layer(engine, "kelurahan", columns=[])
    city = shapely.union_all(kel.geometry.values)
    shapely.prepare(city)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = city.bounds
    lon = np.empty(0)
    lat = np.empty(0)
    while len(lon) < n:  # rejection sampling, vectorised
        x, y = rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)
        inside = shapely.contains_xy(city, x, y)
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    lon, lat = lon[:n], lat[:n]
    levels = rng.choice(list(LEVEL_SHARE), size=n, p=list(LEVEL_SHARE.values()))
    born = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 6 * 365, n), unit="D")
    registered = pd.Timestamp("2026-06-01T08:00") + pd.to_timedelta(rng.integers(0, 7 * 24 * 3600, n), unit="s")
    frame = pd.DataFrame({"id": [f"A{i:06d}" for i in range(n)], "lon": lon, "lat": lat, "level": levels,
                          "birth_date": born, "registered_at": registered})
    return {level: frame.loc[frame["level"] == level].drop(columns="level").reset_index(drop=True)
            for level in LEVEL_SHARE}


def allocation(engine, groups: dict[str, pd.DataFrame]) -> tuple[float, dict[str, tuple[int, int]]]:  # noqa: ANN001
    from services.ppdb import allocate_applicants

    started = time.perf_counter()
    placed: dict[str, tuple[int, int]] = {}
    for level, frame in groups.items():
        result = allocate_applicants(engine, frame, level)
        placed[level] = (len(frame) - len(result.unplaced), len(frame))
    return time.perf_counter() - started, placed


def postgis_alone(engine, groups: dict[str, pd.DataFrame]) -> tuple[float, int]:  # noqa: ANN001
    from layers.ppdb_sql import applicant_distances
    from services.ppdb import DEFAULT_RULE

    started = time.perf_counter()
    pairs = 0
    for level, frame in groups.items():
        pairs += applicant_distances(engine, frame["id"].tolist(), frame["lon"].tolist(), frame["lat"].tolist(),
                                     level, DEFAULT_RULE.choices_per_applicant, DEFAULT_RULE.zone_radius_m[level])
    return time.perf_counter() - started, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--applicants", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from layers import engine_for

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "schools")
    engine = engine_for(url)
    groups = applicants(engine, args.applicants)
    print(f"{args.applicants} applicants ({', '.join(f'{k} {len(v)}' for k, v in groups.items())}), "
          f"{args.repeat} run(s), {os.cpu_count()} CPUs")
    allocation(engine, {k: v.head(50) for k, v in groups.items()})  # warm up imports and the connection pool
    alloc_times, sql_times = [], []
    for _ in range(args.repeat):
        seconds, placed = allocation(engine, groups)
        alloc_times.append(seconds)
        seconds, pairs = postgis_alone(engine, groups)
        sql_times.append(seconds)
    alloc, sql = statistics.median(alloc_times), statistics.median(sql_times)
    print(f"{'':44} {'seconds':>8} {'vs PostGIS':>10}")
    print(f"{'allocation (allocate_applicants, 4 levels)':44} {alloc:8.2f} {alloc / sql:10.2f}")
    print(f"{'PostGIS alone (KNN distances within radius)':44} {sql:8.2f} {1.0:10.2f}")
    print("placed: " + ", ".join(f"{k} {p}/{n}" for k, (p, n) in placed.items()) + f"; PostGIS pairs: {pairs}")


if __name__ == "__main__":
    main()
