"""10,000 PBB-P2 bills computed, issued (SPPT row + verifiable document) and rendered as PDFs.

Three measurements on the same 10,000 synthetic parcels (generated inside the real kelurahan):

1. **assessment**: the declared tariff over every parcel (`services.pbb.rules.assess_frame`);
2. **issue**: `services.pbb.billing.issue_year`: reading the parcels with their zone values,
   assessing, one SPPT row and one document (code with its HMAC check) per taxed parcel, in
   transactions of 500;
3. **PDF**: every SPPT rendered as its PDF with the QR of /verifikasi/<code>
   (`services.engine.documents.pdf_bytes`), in 1 process and in `--workers` processes.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_pbb.py                  # 10,000 parcels
    PYTHONPATH=. .venv/bin/python benchmarks/bench_pbb.py --parcels 2000 --pdf-sample 500

Works in its own database `medan_bench_pbb` on the configured server (created, migrated and
seeded once); each run replaces that database's parcels and SPPTs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import geopandas as gpd
from scratch import prepare_database  # benchmarks/ is the script directory
from sqlalchemy import text

BENCH_DB = "medan_bench_pbb"
SEED_LAYERS = ["kota", "kecamatan", "kelurahan", "land_value_zones"]
YEAR = 2026


def _parcels(engine, n: int) -> gpd.GeoDataFrame:  # noqa: ANN001
    from layers import read_layer
    from services.pbb.seed import generate_tax_parcels

    kelurahan = read_layer(engine, "kelurahan")
    per_kelurahan = -(-n // len(kelurahan)) + 10  # a few blocks are cut by their kelurahan's edge
    return generate_tax_parcels(kelurahan, per_kelurahan=per_kelurahan).head(n)


def _render(args: tuple[str, list[str]]) -> tuple[int, int]:
    from layers import engine_for
    from services.engine.documents import pdf_bytes

    url, codes = args
    engine = engine_for(url)
    return len(codes), sum(len(pdf_bytes(engine, code)) for code in codes)


def _render_all(url: str, codes: list[str], workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    if workers == 1:
        _, size = _render((url, codes))
    else:
        chunks = [codes[i::workers * 4] for i in range(workers * 4)]
        # Spawned, not forked: a fork of a process holding an engine's pool and threads can hang.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            size = sum(s for _, s in pool.map(_render, [(url, c) for c in chunks]))
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--pdf-sample", type=int, default=0, help="render only this many PDFs (0: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from layers import engine_for, load_frame
    from services.pbb.billing import issue_year
    from services.pbb.rules import assess_frame

    url = prepare_database(args.database_url, BENCH_DB, SEED_LAYERS, probe_layer="land_value_zones")
    engine = engine_for(url)
    parcels = _parcels(engine, args.parcels)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM pbb.sppt"))
        conn.execute(text("DELETE FROM documents.documents WHERE service = 'pbb'"))
    load_frame(engine, "tax_parcels", parcels, actor="bench", mode="replace", source="synthetic")
    print(f"{len(parcels):,} parcels in {parcels['kode_kel'].nunique()} kelurahan")

    with engine.connect() as conn:
        frame = conn.execute(text("SELECT p.luas_tanah_m2, z.nilai_per_m2, p.luas_bangunan_m2, p.kelas_bangunan "
                                  "FROM layers.tax_parcels p JOIN layers.land_value_zones z USING (kode_znt)"))
        import pandas as pd

        frame = pd.DataFrame(frame.mappings().all())
    started = time.perf_counter()
    assessed = assess_frame(frame)
    assess_s = time.perf_counter() - started
    print(f"assessment   {len(assessed):>7,} bills   {assess_s * 1000:8.1f} ms   {len(assessed) / assess_s:>12,.0f} bills/s")

    started = time.perf_counter()
    report = issue_year(engine, YEAR)
    issue_s = time.perf_counter() - started
    print(f"issue        {report.issued:>7,} SPPTs   {issue_s:8.2f} s    {report.issued / issue_s:>12,.0f} SPPT/s"
          f"   ({report.not_taxed} under the allowance)")

    with engine.connect() as conn:
        codes = list(conn.execute(text("SELECT document_code FROM pbb.sppt WHERE tahun = :y ORDER BY nop"),
                                  {"y": YEAR}).scalars())
    if args.pdf_sample:
        codes = codes[: args.pdf_sample]
    for workers in sorted({1, args.workers}):
        # One process renders a sample (it is the slow row); the pool renders every bill.
        sample = codes if workers > 1 or len(codes) <= 2000 else codes[:2000]
        seconds, size = _render_all(url, sample, workers)
        print(f"PDF x{workers}       {len(sample):>7,} PDFs    {seconds:8.2f} s    {len(sample) / seconds:>12,.0f} PDF/s"
              f"   {size / len(sample) / 1024:.1f} KB each")


if __name__ == "__main__":
    main()
