"""UMKM marketplace search (services/umkm/market.py) over 100,000 products: p50/p95 per kind of query.

Three kinds, each with misspelt product words as citizens type them: text only; text near a point
(2 km); text in a kelurahan. Beside each, the same match done without the trigram index (a
sequential `word_similarity` scan, the peer a naive implementation would be), to show what the
index buys. The products are the seed's, multiplied: random names from the seed's catalogue with a
number, on the verified seeded businesses, so every row joins the public register.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_umkm_search.py [--products 100000] [--queries 200]

Works in its own database `medan_bench_umkm` on the configured server (created, migrated and seeded
once; the extra products are added once).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from scratch import prepare_database  # benchmarks/ is the script directory
from sqlalchemy import text

from layers import engine_for
from services.umkm import market, queries
from services.umkm.seed import CATALOGUE

BENCH_DB = "medan_bench_umkm"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "umkm_businesses", "umkm_products"]
NAMES = [name for _stems, offers in CATALOGUE.values() for name, _price in offers]
TYPOS = ["bika ambn", "bolu merant", "ulos ragi", "sambel andaliman", "kopi sidikalng", "jeruk brastagi",
         "tas anyam", "minyak goren", "servis motor", "madu huttan", "kemeja batk", "gula aern"]

FILL = text("""
    INSERT INTO layers.umkm_products (kode_produk, case_ref, nama_usaha, nama_produk, harga, uraian, kode_kel,
                                      nama_kel, nama_kec, dibuat, source, geom)
    SELECT 'BENCH-' || g, b.case_ref, b.nama_usaha, (CAST(:names AS text[]))[1 + g % :n] || ' ' || g, 1000 + g % 500000,
           NULL, b.kode_kel, b.nama_kel, b.nama_kec, now(), 'synthetic', b.geom
    FROM generate_series(1, :count) g
    JOIN LATERAL (SELECT * FROM layers.umkm_public ORDER BY case_ref OFFSET g % 40 LIMIT 1) b ON true""")

NAIVE = text("""
    SELECT p.kode_produk FROM layers.umkm_products p JOIN layers.umkm_public b ON b.case_ref = p.case_ref
    WHERE word_similarity(core.search_key(:q), core.search_key(p.nama_produk || ' ' || p.nama_usaha)) >= 0.45
    ORDER BY word_similarity(core.search_key(:q), core.search_key(p.nama_produk || ' ' || p.nama_usaha)) DESC
    LIMIT 50""")


def _fill(engine, count: int) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM layers.umkm_products WHERE kode_produk LIKE 'BENCH-%'")
                            ).scalar_one()
        if have >= count:
            return
        conn.execute(text("DELETE FROM layers.umkm_products WHERE kode_produk LIKE 'BENCH-%'"))
        print(f"adding {count:,} products (once)...")
        conn.execute(FILL, {"names": NAMES, "n": len(NAMES), "count": count})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE layers.umkm_products"))


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    engine = engine_for(prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "umkm_products"))
    _fill(engine, args.products)
    with engine.connect() as conn:
        places = conn.execute(text("SELECT kode_kel, ST_X(geom), ST_Y(geom) FROM layers.umkm_public")).all()
        total = conn.execute(text("SELECT count(*) FROM layers.umkm_products")).scalar_one()
    rng = random.Random(20261207)
    kinds = {
        "text": lambda q: market.Search(q=q),
        "text + 2 km": lambda q: market.Search(q=q, lon=(p := rng.choice(places))[1], lat=p[2], radius_km=2),
        "text + kelurahan": lambda q: market.Search(q=q, kode_kel=rng.choice(places)[0]),
    }
    print(f"{total:,} products; {args.queries} queries per kind (misspelt words)")
    for label, make in kinds.items():
        times = []
        for _ in range(args.queries):
            asked = make(rng.choice(TYPOS))
            start = time.perf_counter()
            market.search(engine, asked)
            times.append(time.perf_counter() - start)
        print(f"  {label:18s} {_percentiles(times)}")
    naive = []
    for _ in range(max(10, args.queries // 10)):
        with engine.begin() as conn:
            conn.execute(queries.set_similarity(market.WORD_SIMILARITY))
            start = time.perf_counter()
            conn.execute(NAIVE, {"q": rng.choice(TYPOS)}).all()
            naive.append(time.perf_counter() - start)
    print(f"  {'peer: no index':18s} {_percentiles(naive)}   (word_similarity over every row)")


if __name__ == "__main__":
    main()
