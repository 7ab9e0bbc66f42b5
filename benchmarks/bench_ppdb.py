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
   their distances, kept within the radius (`applicant_distances` below). No
   ranking, no seats: the floor the allocation is compared with.

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
from sqlalchemy import Float, Integer, bindparam, text

BENCH_DB = "medan_bench_ppdb"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "schools"]
LEVEL_SHARE = {"SD": 0.45, "SMP": 0.25, "SMA": 0.15, "SMK": 0.15}

# The benchmark's yardstick: PostGIS alone computing every applicant's k nearest
# public schools of a level within the zone radius, as fast as PostGIS does it:
# the level's schools once in UTM 47N (the allocation's metric) in a temporary
# table with its own GiST index, then one KNN index scan per home. (KNN on
# layers.schools itself loses the index to the level/status filter: the planner
# scans all schools per home, ten times slower.)
_YARDSTICK_SCHOOLS = text("""
    CREATE TEMP TABLE ppdb_yardstick_schools ON COMMIT DROP AS
    SELECT npsn, ST_Transform(geom, 32647) AS utm FROM layers.schools WHERE jenjang = :level AND status = 'Negeri'
""")
_YARDSTICK_INDEX = text("CREATE INDEX ON ppdb_yardstick_schools USING gist (utm)")
_YARDSTICK_ANALYZE = text("ANALYZE ppdb_yardstick_schools")
APPLICANT_DISTANCES_SQL = text("""
    WITH homes AS (
        SELECT id, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 32647) AS utm
        FROM unnest(CAST(:ids AS text[]), CAST(:lons AS float8[]), CAST(:lats AS float8[])) AS a(id, lon, lat)
    )
    SELECT h.id, s.npsn, s.distance_m
    FROM homes h CROSS JOIN LATERAL (
        SELECT z.npsn, ST_Distance(z.utm, h.utm) AS distance_m
        FROM ppdb_yardstick_schools z ORDER BY z.utm <-> h.utm LIMIT :k
    ) s
    WHERE s.distance_m <= :radius
""").bindparams(bindparam("radius", type_=Float), bindparam("k", type_=Integer))


def applicant_distances(engine, ids: list[str], lons: list[float], lats: list[float],  # noqa: ANN001
                        level: str, k: int, radius_m: float) -> int:
    """Run the yardstick; returns the number of (applicant, school) pairs within the radius."""
    with engine.begin() as conn:
        conn.execute(_YARDSTICK_SCHOOLS, {"level": level})
        conn.execute(_YARDSTICK_INDEX)
        conn.execute(_YARDSTICK_ANALYZE)
        rows = conn.execute(APPLICANT_DISTANCES_SQL, {"ids": list(ids), "lons": list(lons), "lats": list(lats),
                                                      "k": k, "radius": radius_m}).all()
    return len(rows)



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
