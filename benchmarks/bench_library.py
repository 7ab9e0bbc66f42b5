"""The library's catalogue search and a reservation round: how long a reader waits.

The synthetic catalogue (480 titles) is seeded, then grown to `--titles` by copying its titles with a
volume number (a city library of 100,000 titles is the size to plan for). Each query of QUERIES
(exact, one word, an author, typos) is asked `--repeat` times as /perpustakaan/katalog asks it;
then `--repeat` reserve + cancel rounds of one member. Median and 95th percentile in ms.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_library.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_library.py --titles 480 --database-url postgresql://...

It works in its own database `medan_bench_library` (created, migrated and seeded on first use).
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

BENCH_DB = "medan_bench_library"
SEED_LAYERS = ["kelurahan", "library_branches", "library_mobile_stops"]
QUERIES = ["Sejarah Kesultanan Deli", "sejarah kesultanan deil", "kesultanan", "Rahmat Nasution",
           "kulinr warisan", "pasar tradisional medan", "dongeng anak", "kopi kedai"]
GROW = """
INSERT INTO library.titles (kode_judul, judul, pengarang, penerbit, tahun, subjek, bahasa, source)
SELECT t.kode_judul || '-V' || v, t.judul || ' (Jilid ' || v || ')', t.pengarang, t.penerbit, t.tahun, t.subjek,
       t.bahasa, 'synthetic'
FROM library.titles t CROSS JOIN generate_series(2, :volumes) v
WHERE t.kode_judul NOT LIKE '%-V%'
ORDER BY v, t.kode_judul LIMIT :extra
"""


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return f"median {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from layers import engine_for
    from layers.access import ANONYMOUS, Principal
    from services.library import catalogue, members, network, reservations
    from services.library.seed import seed_catalogue

    engine = engine_for(prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "library_branches"))
    seed_catalogue(engine)
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM library.titles")).scalar_one()
        if have < args.titles:
            volumes = args.titles // 480 + 2
            conn.execute(text(GROW), {"volumes": volumes, "extra": args.titles - have})
        conn.execute(text("ANALYZE library.titles"))
        have = conn.execute(text("SELECT count(*) FROM library.titles")).scalar_one()
    print(f"catalogue: {have:,} titles")
    for query in QUERIES:
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            found = catalogue.search(engine, query)
            times.append((time.perf_counter() - started) * 1000)
        print(f"search {query!r:<30} {_percentiles(times)}  first: {found[0]['judul'] if found else '-'}")

    branches = network.branch_names(engine, ANONYMOUS)
    with engine.begin() as conn:
        user_id = conn.execute(text("SELECT coalesce(max(user_id), 900000) + 1 FROM library.members")).scalar_one()
    reader = Principal(actor=f"bench:{user_id}", roles=frozenset({"citizen"}), user_id=user_id)
    members.join(engine, reader, members.Application(nama="Pembaca Uji", email="uji@contoh.id", cabang_asal="PK-PUSAT"),
                 set(branches))
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        booked = reservations.reserve(engine, reader, "JD-00001", "PK-PUSAT", branches)
        reservations.cancel(engine, reader, booked["kode_pesan"])
        times.append((time.perf_counter() - started) * 1000)
    print(f"reserve + cancel (two transactions, history, outbox) {_percentiles(times)}")


if __name__ == "__main__":
    main()
