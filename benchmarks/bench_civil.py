"""Civil registration's public figures: how long one kind-month of counts per kelurahan (with the
suppression rule) takes as the register grows.

`--cases` issued registrations (default 200,000, about five years of Medan's births, deaths and
moves) are spread over the kelurahan and 60 months in the scratch database's civil_cases, then each
of the 4 kinds x 12 months is asked as the public API asks it (stats.month_figures) and as the
choropleth's GeoJSON (stats.as_geojson): median and worst ms.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_civil.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_civil.py --cases 20000

It works in its own database `medan_bench_civil` (created, migrated and seeded on first use) and
replaces the benchmark's rows (case_ref BENCH-...) at each run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from scratch import prepare_database  # benchmarks/ is the script directory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

BENCH_DB = "medan_bench_civil"
SEED_LAYERS = ["kelurahan", "civil_cases"]
# Benchmark-only bulk rows: issued registrations at each kelurahan's inner point (no history: a bulk load).
FILL = """
INSERT INTO layers.civil_cases (case_ref, service, status, agency, submitted_at, state_since, kode_kel, nama_kel,
                                nama_kec, tanggal_lahir, tanggal_peristiwa, source, geom)
SELECT 'BENCH-' || g, (ARRAY['akta_kelahiran','akta_kematian','pindah_keluar','kedatangan'])[1 + g % 4], 'issued',
       'DISDUKCAPIL', now(), now(), k.kode_kel, k.nama_kel, k.nama_kec,
       to_char(date '2022-01-01' + (g * 7919 % 1826)::int, 'YYYY-MM-DD'),
       CASE WHEN g % 4 = 0 THEN NULL ELSE to_char(date '2022-01-01' + (g * 7919 % 1826)::int, 'YYYY-MM-DD') END,
       'synthetic', ST_PointOnSurface(k.geom)
FROM generate_series(1::bigint, :n) g
JOIN LATERAL (SELECT * FROM layers.kelurahan ORDER BY kode_kel OFFSET (g * 104729 % 151) LIMIT 1) k ON true
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from layers import engine_for
    from services.civil import stats

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, probe_layer="civil_cases")
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # bulk rows: no history triggers
        conn.execute(text("DELETE FROM layers.civil_cases WHERE case_ref LIKE 'BENCH-%'"))
        conn.execute(text(FILL), {"n": args.cases})
        conn.execute(text("ANALYZE layers.civil_cases"))
        total = conn.execute(text("SELECT count(*) FROM layers.civil_cases")).scalar_one()
    print(f"{total:,} applications in civil_cases")
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    for name, ask in (("counts (API)", lambda k, m: stats.month_figures(engine, k, m)),
                      ("choropleth GeoJSON", lambda k, m: stats.as_geojson(engine, stats.month_figures(engine, k, m)))):
        times, withheld, suppressed = [], 0, 0
        for kind in stats.KINDS:
            for month in months:
                started = time.perf_counter()
                figures = ask(kind, month)
                times.append((time.perf_counter() - started) * 1000)
                if name.startswith("counts"):
                    withheld += figures.total is None
                    suppressed += sum(c.count is None for c in figures.cells)
        print(f"{name:<20} {len(times)} kind-months   median {statistics.median(times):7.1f} ms   "
              f"worst {max(times):7.1f} ms")
        if name.startswith("counts"):
            print(f"{'':<20} cells '< 5': {suppressed:,}   totals withheld: {withheld}")


if __name__ == "__main__":
    main()
