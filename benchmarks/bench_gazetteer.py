"""The place search (layers/search.py) and address placement with 200,000 streets and places loaded.

The seed's kelurahan, schools, health facilities, offices, transit stops and tourism sites, the
hand-made OSM file of real Medan streets and places (tests/layers/data/medan_places.osm), plus
`--streets` synthetic streets (osm_roads, default 150,000) and `--places` synthetic points of interest
(osm_pois, default 50,000): deterministic (numpy seed 20), each inside a real kelurahan, names built
from Medan-like words ("Jalan Pahlawan Melati 12", "Gang Kenanga 3", "Masjid Al-Ikhlas Sidorame 7"),
`source = "synthetic"`. Then each query kind is timed as the web answers it (`search` on the engine's
pool, the trigram threshold set per transaction), and the address resolver as Open311 calls it;
p50/p95 per kind in milliseconds. Target: p95 < 50 ms.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_gazetteer.py              # throwaway database, dropped after
    PYTHONPATH=. .venv/bin/python benchmarks/bench_gazetteer.py --keep       # keep medan_bench_gazetteer for a rerun
    PYTHONPATH=. .venv/bin/python benchmarks/bench_gazetteer.py --streets 20000 --places 5000 --repeat 5

Without --database-url it works in its own database `medan_bench_gazetteer` on the configured server
(created, migrated and seeded on first use; dropped at the end unless --keep).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from scratch import prepare_database  # benchmarks/ is the script directory

BENCH_DB = "medan_bench_gazetteer"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "schools", "health_facilities", "transit_routes",
               "transit_stops", "offices", "tourism_sites", "parks"]
EXTRACT = Path(__file__).resolve().parents[1] / "tests" / "layers" / "data" / "medan_places.osm"
SEED = 20

HEROES = ["Pahlawan", "Sudirman", "Diponegoro", "Kartini", "Imam Bonjol", "Teuku Umar", "Cut Nyak Dhien",
          "Sutomo", "Thamrin", "Hasanuddin", "Pattimura", "Gajah Mada", "Hayam Wuruk", "Juanda", "Antasari",
          "Gunung Krakatau", "Bukit Barisan", "Sei Deli", "Sei Batang Hari", "Tuasan", "Karya", "Bakti",
          "Sejahtera", "Pendidikan", "Kemuning", "Mawar", "Melati", "Kenanga", "Anggrek", "Flamboyan",
          "Cemara", "Beringin", "Durian", "Rambutan", "Mangga", "Jambu", "Amal", "Ikhlas", "Damai", "Merdeka"]
PREFIXES = ["Jalan", "Jalan", "Jalan", "Gang", "Jalan Pasar", "Jalan Sei"]
PLACES = ["Masjid Al-Ikhlas", "Masjid Nurul Huda", "Gereja HKBP", "Vihara", "Warung Kopi", "Toko", "Apotek",
          "Klinik", "Bengkel", "Kedai", "Rumah Makan", "Salon", "Laundry", "Mini Market", "Musholla"]

QUERIES = {
    "exact street": ["jalan gatot subroto", "jalan sisingamangaraja", "jalan ahmad yani", "jalan setia budi",
                     "jalan iskandar muda", "jalan balai kota"],
    "abbreviated": ["jln gatot subroto", "jl sm raja", "gg buntu", "jl kapt maulana lubis", "jl jend sudirman",
                    "jl hm yamin"],
    "typo": ["sisingamangraja", "istana maimon", "jalan iskandar mudah", "jl dr mansur", "setiabudi",
             "universitas sumatra utara"],
    "place": ["masjid raya", "masjid agung", "tjong a fie", "merdeka walk", "sun plaza", "pasar petisah"],
    "area": ["kel petisah tengah", "kesawan", "kec medan baru", "sei sikambing b", "kel mesjid", "helvetia"],
    "short": ["ma", "jl me", "gat", "pasar", "kena", "sd"],
}
ADDRESSES = ["Jl. Gatot Subroto No. 8, Kel. Sei Sikambing C Ii", "Jln. Sisingamangaraja No. 5, Medan",
             "Mesjid Raya Al Mashun, Medan", "Jl. Tidak Dikenal 9, Kel. Petisah Tengah",
             "Jl. Kapten Maulana Lubis No. 2, Kel. Petisah Tengah", "Gg. Buntu no 7"]


def _points_in_kelurahan(kelurahan: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points, each inside a kelurahan (uniform over the city's area, by rejection)."""
    city = shapely.union_all(kelurahan.geometry.values)
    shapely.prepare(city)
    xmin, ymin, xmax, ymax = city.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])
        inside = xy[shapely.contains_xy(city, xy[:, 0], xy[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.concatenate(found)[:n]


def synthetic_frames(kelurahan: gpd.GeoDataFrame, streets: int, places: int) -> tuple[gpd.GeoDataFrame, ...]:
    rng = np.random.default_rng(SEED)
    starts = _points_in_kelurahan(kelurahan, streets, rng)
    # Streets of 50 to 400 m, in any direction (degrees at Medan's latitude: 1e-5 deg ~ 1.1 m).
    length = rng.uniform(0.00045, 0.0036, streets)
    angle = rng.uniform(0, np.pi, streets)
    ends = starts + np.column_stack([np.cos(angle) * length, np.sin(angle) * length])
    lines = shapely.multilinestrings([[[tuple(a), tuple(b)]] for a, b in zip(starts, ends, strict=True)])
    heroes = rng.choice(HEROES, (streets, 2))
    prefixes = rng.choice(PREFIXES, streets)
    numbers = rng.integers(1, 40, streets)
    road_names = [f"{p} {a} {b} {k}" if k % 3 else f"{p} {a} {k}" for p, (a, b), k in
                  zip(prefixes, heroes, numbers, strict=True)]
    roads = gpd.GeoDataFrame({
        "osm_id": [f"synthetic/way/{i}" for i in range(streets)], "nama": road_names,
        "kelas": rng.choice(["residential", "tertiary", "service", "unclassified"], streets),
        "satu_arah": rng.random(streets) < 0.1, "ref": None}, geometry=lines, crs=4326)
    at = _points_in_kelurahan(kelurahan, places, rng)
    kinds = rng.choice(PLACES, places)
    words = rng.choice(HEROES, places)
    pois = gpd.GeoDataFrame({
        "osm_id": [f"synthetic/node/{i}" for i in range(places)],
        "nama": [f"{k} {w} {n}" for k, w, n in zip(kinds, words, rng.integers(1, 30, places), strict=True)],
        "kategori": "amenity", "jenis": "synthetic", "agama": None},
        geometry=shapely.points(at), crs=4326)
    return roads, pois


def load(engine, streets: int, places: int) -> None:  # noqa: ANN001
    from geodata.osm import import_extract
    from layers import count_features, load_frame, read_layer

    if count_features(engine, "osm_roads") >= streets:
        print("synthetic streets and places already loaded")
        return
    with engine.begin() as conn:
        import_extract(conn, EXTRACT, actor="bench")
    roads, pois = synthetic_frames(read_layer(engine, "kelurahan"), streets, places)
    started = time.perf_counter()
    load_frame(engine, "osm_roads", roads, actor="bench", source="synthetic")
    load_frame(engine, "osm_pois", pois, actor="bench", source="synthetic")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE layers.osm_roads")
        conn.exec_driver_sql("ANALYZE layers.osm_pois")
    print(f"loaded {streets:,} streets and {places:,} places in {time.perf_counter() - started:.0f} s")


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _timed(engine, queries: list[str], repeat: int, kinds: frozenset[str] | None) -> tuple[float, float]:  # noqa: ANN001
    from layers.search import search

    times = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            search(engine, q, kinds=kinds)
            times.append((time.perf_counter() - started) * 1000)
    return _percentiles(times)


def measure(engine, repeat: int) -> None:  # noqa: ANN001
    from layers.model import GAZETTEER_KINDS
    from layers.search import search
    from services.engine.gazetteer import resolve_address

    for queries in QUERIES.values():  # warm the pool, the plan cache and the pages
        for q in queries:
            search(engine, q)
            search(engine, q, kinds=GAZETTEER_KINDS)
    print("milliseconds; 'places': /peta/search.json?places=1 (the gazetteer's layers: /lapor, /ppdb, addresses);"
          " 'all': every public layer (the /peta box)")
    print(f"{'kind':<14} {'queries':>7} {'places p50':>10} {'p95':>6} {'all p50':>8} {'p95':>6}   first place found")
    worst = 0.0
    for kind, queries in QUERIES.items():
        p50, p95 = _timed(engine, queries, repeat, GAZETTEER_KINDS)
        all50, all95 = _timed(engine, queries, repeat, None)
        worst = max(worst, p95)
        first = search(engine, queries[0], kinds=GAZETTEER_KINDS)
        shown = f"{first[0]['name']} ({first[0]['area']})" if first else "-"
        print(f"{kind:<14} {len(queries) * repeat:>7} {p50:>10.1f} {p95:>6.1f} {all50:>8.1f} {all95:>6.1f}"
              f"   {queries[0]!r} -> {shown}")
    times = []
    for _ in range(repeat):
        for address in ADDRESSES:
            started = time.perf_counter()
            resolve_address(engine, address)
            times.append((time.perf_counter() - started) * 1000)
    p50, p95 = _percentiles(times)
    print(f"{'address':<14} {len(times):>7} {p50:>10.1f} {p95:>6.1f}   {ADDRESSES[0]!r} -> "
          f"{resolve_address(engine, ADDRESSES[0]).label}")
    print(f"place search p95, worst kind: {worst:.1f} ms (target < 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--streets", type=int, default=150_000)
    parser.add_argument("--places", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    from config.settings import get_settings
    from geodata.cluster import database_on_server, drop_database
    from layers import engine_for

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, "tourism_sites")
    engine = engine_for(url)
    try:
        load(engine, args.streets, args.places)
        measure(engine, args.repeat)
    finally:
        engine.dispose()
        if args.database_url is None and not args.keep:
            drop_database(database_on_server(get_settings(), "postgres"), BENCH_DB)


if __name__ == "__main__":
    main()
