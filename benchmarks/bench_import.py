"""Import N synthetic points from a GeoPackage: the platform vs ogr2ogr, then read them back.

In one run, on the same file and the same server:

1. N uniform points inside Medan (geodata.synthetic.population.generate_sample_points) are
   written to a GeoPackage in a temporary directory (not timed);
2. the platform imports it into the `sample_points` layer
   (layers.files.import_file, mode="replace", validation on: declared types,
   allowed values, unique `kode`, geometry type/validity, Medan extent; a
   history event recorded for every row; GiST index and unique key rebuilt
   after the COPY, then ANALYZE), and
   `ogr2ogr -f PostgreSQL` (COPY, GiST index) loads the same file into the
   schema `bench_ogr`;
3. the platform's history cost is measured on its own: the same import with the
   history triggers disabled inside a transaction that is rolled back;
4. the layer is read back as a GeoDataFrame with layers.read_layer and
   with geopandas.read_postgis (SELECT *, incl. geom) on the same table.

Each measurement runs --repeat times (default 3); the table shows the median
(and min–max). Before every import run both targets are emptied (the layer
table and its history rows are truncated, the ogr2ogr table is dropped by
-overwrite), so each run loads into an empty table.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_import.py              # 1,000,000 points
    PYTHONPATH=. .venv/bin/python benchmarks/bench_import.py --points 100000 --repeat 1

Without --database-url it uses the database `medan_bench` on the configured
server (the project-local cluster unless DATABASE_URL is set), creating,
migrating and seeding `kelurahan` there when needed. It never touches another
database.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

LAYER = "sample_points"
OGR_SCHEMA = "bench_ogr"
BENCH_DATABASE = "medan_bench"


def default_database_url() -> str:
    from config.settings import get_settings
    from geodata.cluster import database_on_server

    return database_on_server(get_settings(), BENCH_DATABASE)


def prepare_database(url: str) -> Engine:
    """Create, migrate and seed kelurahan (needed by the generator) when missing."""
    from geodata.cluster import ensure_database
    from geodata.migrate import upgrade
    from geodata.seed import seed_all
    from layers import count_features
    from layers.db import engine_for

    parsed = make_url(url)
    ensure_database(parsed.set(database="postgres").render_as_string(False), parsed.database)
    upgrade(url)
    engine = engine_for(url)
    if count_features(engine, "kelurahan") == 0:
        seed_all(engine, only=["kelurahan"], echo=lambda _m: None)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {OGR_SCHEMA}"))
    return engine


def write_points(engine: Engine, n: int, directory: Path, name: str = "sample_points.gpkg") -> Path:
    from geodata.synthetic.population import generate_sample_points
    from layers import read_layer

    kelurahan = read_layer(engine, "kelurahan").reset_index(drop=True)
    frame = generate_sample_points(kelurahan, n=n)
    # GeoPackage stores datetimes in UTC ("...Z"); VERSION=1.2 keeps the file readable
    # without warnings by older GDAL builds (Debian 12's ogr2ogr is GDAL 3.6).
    frame["waktu"] = frame["waktu"].dt.tz_convert("UTC")
    path = directory / name
    pyogrio.write_dataframe(frame, path, layer=LAYER, driver="GPKG", dataset_options={"VERSION": "1.2"})
    return path


def reset_layer(engine: Engine) -> None:
    """Empty the benchmark's layer and its history (this benchmark database only)."""
    with engine.begin() as conn:
        conn.execute(text(f'TRUNCATE layers."{LAYER}"'))
        conn.execute(text("DELETE FROM core.feature_history WHERE layer = :layer"), {"layer": LAYER})
    settle(engine)


def settle(engine: Engine) -> None:
    """Flush dirty pages so one run's writes are not paid for by the next one.

    The reset deletes a million history rows per run; VACUUM clears them so each
    run inserts into the same history table instead of an ever more bloated one.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM core.feature_history"))
        with contextlib.suppress(Exception):  # needs superuser (or pg_checkpoint); only a nicety
            conn.execute(text("CHECKPOINT"))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def platform_import(engine: Engine, path: Path) -> int:
    from layers.files import import_file

    report = import_file(engine, LAYER, path, actor="bench", mode="replace")
    return report.inserted


def platform_import_without_history(engine: Engine, path: Path) -> int:
    """The same import with the history triggers off, in a transaction that is rolled back."""
    from layers.files import import_file

    with engine.connect() as conn:
        outer = conn.begin()
        conn.execute(text(f'ALTER TABLE layers."{LAYER}" DISABLE TRIGGER history_insert'))
        conn.execute(text(f'ALTER TABLE layers."{LAYER}" DISABLE TRIGGER history_delete'))
        try:
            report = import_file(conn, LAYER, path, actor="bench", mode="replace")
            return report.inserted
        finally:
            outer.rollback()


def ogr_import(url: str, path: Path) -> None:
    parsed = make_url(url)
    parts = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database,
             "user": parsed.username, "password": parsed.password}
    dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v)
    subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", f"PG:{dsn}", str(path), LAYER,
         "-nln", f"{OGR_SCHEMA}.{LAYER}", "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST",
         "-overwrite"],
        check=True, env={**os.environ, "PG_USE_COPY": "YES"},
    )


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def read_platform(engine: Engine) -> int:
    from layers import read_layer

    return len(read_layer(engine, LAYER))


def read_geopandas(engine: Engine) -> int:
    return len(gpd.read_postgis(f'SELECT * FROM layers."{LAYER}"', engine, geom_col="geom"))


class Figures:
    def __init__(self) -> None:
        self.runs: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float) -> None:
        self.runs.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.runs[name])

    def spread(self, name: str) -> str:
        values = self.runs[name]
        return f"{min(values):.2f}–{max(values):.2f}" if len(values) > 1 else "-"


def print_table(figures: Figures, n: int, rows: list[tuple[str, str, str | None]]) -> None:
    print()
    print(f"{'measurement':<44} {'median s':>9} {'min–max s':>12} {'features/s':>12} {'ratio':>8}")
    print("-" * 89)
    for label, name, versus in rows:
        if name not in figures.runs:
            continue
        seconds = figures.median(name)
        ratio = f"{figures.median(versus) / seconds:.2f}x" if versus else ""
        print(f"{label:<44} {seconds:>9.2f} {figures.spread(name):>12} {n / seconds:>12,.0f} {ratio:>8}")
    print()
    print("ratio = the other tool's median time / this one's (above 1: this one is faster)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="number of points (default 1,000,000)")
    parser.add_argument("--database-url", help=f"PostGIS to use (default: {BENCH_DATABASE} on the configured server)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown (default 3)")
    parser.add_argument("--file", help="use this GeoPackage (layer sample_points) instead of writing one")
    parser.add_argument("--skip-history-cost", action="store_true", help="do not measure the import without history")
    args = parser.parse_args(argv)
    if shutil.which("ogr2ogr") is None:
        parser.error("ogr2ogr is not installed (Debian: apt-get install gdal-bin)")

    url = args.database_url or default_database_url()
    engine = prepare_database(url)
    figures = Figures()
    n = args.points
    if args.file:
        n = pyogrio.read_info(Path(args.file), layer=LAYER)["features"]
    print(f"benchmark: {n:,} points, {args.repeat} run(s) each, database {make_url(url).database}, "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} at start")

    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        if args.file:
            path = Path(args.file)
            print(f"using {path} ({n:,} points)")
        else:
            seconds, path = timed(lambda: write_points(engine, n, Path(tmp)))
            print(f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {seconds:.1f} s (not counted)")
        # Warm up (imports, registry, connection pool) on a small file, not timed.
        platform_import(engine, write_points(engine, 100, Path(tmp), "warmup.gpkg"))
        read_platform(engine)
        read_geopandas(engine)
        for run in range(1, args.repeat + 1):
            if not args.skip_history_cost:
                reset_layer(engine)
                seconds, inserted = timed(lambda: platform_import_without_history(engine, path))
                if inserted != n:
                    raise SystemExit(f"platform import without history: expected {n} rows, got {inserted}")
                figures.add("platform_nohistory", seconds)
                print(f"run {run}: platform import, history off (rolled back) {seconds:7.2f} s")

            reset_layer(engine)
            seconds, inserted = timed(lambda: platform_import(engine, path))
            loaded = count_rows(engine, f'layers."{LAYER}"')
            history = count_rows(engine, f"core.feature_history WHERE layer = '{LAYER}'")
            if inserted != n or loaded != n or history != n:
                raise SystemExit(f"platform import: expected {n} rows and history rows, "
                                 f"got inserted={inserted} table={loaded} history={history}")
            figures.add("platform", seconds)
            print(f"run {run}: platform import  {seconds:7.2f} s  ({loaded:,} rows, {history:,} history rows)")

            settle(engine)
            seconds, _ = timed(lambda: ogr_import(url, path))
            loaded = count_rows(engine, f"{OGR_SCHEMA}.{LAYER}")
            if loaded != n:
                raise SystemExit(f"ogr2ogr: expected {n} rows, got {loaded}")
            figures.add("ogr2ogr", seconds)
            print(f"run {run}: ogr2ogr          {seconds:7.2f} s  ({loaded:,} rows)")

        # The layer holds the last platform import: read it back.
        with engine.connect() as conn:
            conn.execute(text(f'ANALYZE layers."{LAYER}"'))
            conn.commit()
        for run in range(1, args.repeat + 1):
            seconds, count = timed(lambda: read_platform(engine))
            assert count == n, count
            figures.add("read_layer", seconds)
            seconds, count = timed(lambda: read_geopandas(engine))
            assert count == n, count
            figures.add("read_postgis", seconds)
            print(f"run {run}: read_layer {figures.runs['read_layer'][-1]:6.2f} s, "
                  f"read_postgis {figures.runs['read_postgis'][-1]:6.2f} s")

    if "platform_nohistory" in figures.runs:
        history_cost = figures.median("platform") - figures.median("platform_nohistory")
        figures.runs["history"] = [max(history_cost, 1e-9)]
    print_table(figures, n, [
        ("import: platform (import_file, validated)", "platform", "ogr2ogr"),
        ("import: ogr2ogr -f PostgreSQL (COPY, GiST)", "ogr2ogr", "platform"),
        ("import: platform without history (rollback)", "platform_nohistory", None),
        ("  of which history (difference of medians)", "history", None),
        ("read: layers.read_layer", "read_layer", "read_postgis"),
        ("read: geopandas.read_postgis (SELECT *)", "read_postgis", "read_layer"),
    ])
    ratio = figures.median("ogr2ogr") / figures.median("platform")
    verdict = "meets" if ratio >= 1.0 else "misses"
    print(f"platform vs ogr2ogr: {ratio:.2f}x ({verdict} the target of at least 1.0x)")
    print(f"imported {n:,} features; load average {os.getloadavg()[0]:.2f} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
