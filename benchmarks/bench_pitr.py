"""How long point-in-time recovery of the seeded city takes (pgBackRest), beside a pg_dump restore.

A throwaway project-local cluster (its own port and folder under .var/, stopped
and deleted at the end) is migrated and seeded with Medan's data, then:

1. `pitr setup` (archive_command, stanza) and a full backup: time and size;
2. a write, a moment, a second write;
3. `pitr restore --to <moment>` in place: time from the command's start until the
   cluster accepts writes again (archive check, stop, set aside, restore, WAL
   replay, promotion), and a check that the first write is there, not the second;
4. the same data by today's path: `db backup` (pg_dump -Fc) and `db restore`
   into an empty database, for scale.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_pitr.py [--port 25514]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from sqlalchemy import create_engine

from config.settings import PROJECT_ROOT, LocalClusterSettings
from geodata.cluster import LocalCluster, ensure_database
from geodata.pitr import Pitr
from layers.db import sqlalchemy_url


def execute(url: str, statement: str) -> object:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return cur.fetchone()[0] if cur.description else None
    finally:
        conn.close()


def seed_city(cluster: LocalCluster) -> str:
    from geodata.migrate import upgrade
    from geodata.seed import seed_all

    ensure_database(cluster.url("postgres"), cluster.settings.database)
    url = cluster.url()
    upgrade(url)
    engine = create_engine(sqlalchemy_url(url))
    seed_all(engine, echo=lambda _message: None)
    engine.dispose()
    return url


def dump_and_restore(url: str, folder: Path) -> tuple[float, float, int]:
    from webgis.backup import dump, restore

    start = time.perf_counter()
    path = dump(url, folder / "medan.dump")
    dumped = time.perf_counter() - start
    start = time.perf_counter()
    restore(path, url.rsplit("/", 1)[0] + "/medan_from_dump")
    return dumped, time.perf_counter() - start, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=25514)
    args = parser.parse_args()
    (PROJECT_ROOT / ".var").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-pitr-", dir=PROJECT_ROOT / ".var"))
    cluster = LocalCluster(LocalClusterSettings(data_dir=folder / "pg", port=args.port))
    try:
        cluster.start()
        start = time.perf_counter()
        url = seed_city(cluster)
        print(f"seeded the city in {time.perf_counter() - start:.1f} s; database "
              f"{execute(url, 'SELECT pg_size_pretty(pg_database_size(current_database()))')}, "
              f"{execute(url, 'SELECT count(*) FROM core.feature_history')} history rows")
        pitr = Pitr(cluster)
        start = time.perf_counter()
        pitr.setup()
        print(f"pitr setup (archive_command, restart, stanza, check): {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        entry = pitr.backup("full")
        print(f"full backup: {time.perf_counter() - start:.1f} s, {entry['info']['size'] / 1e6:.0f} MB of data, "
              f"{entry['info']['repository']['size'] / 1e6:.0f} MB in the repository (lz4)")
        execute(url, "CREATE TABLE bench_marker (what text)")
        execute(url, "INSERT INTO bench_marker VALUES ('first')")
        time.sleep(1.0)
        moment = datetime.now(UTC)
        time.sleep(1.0)
        execute(url, "INSERT INTO bench_marker VALUES ('second')")
        report = pitr.restore(moment)
        kept = execute(url, "SELECT string_agg(what, ',') FROM bench_marker")
        print(f"PITR restore in place to a moment between two writes: {report.seconds:.1f} s "
              f"(until the cluster accepts writes); rows after it: {kept}")
        dumped, restored, size = dump_and_restore(url, folder)
        print(f"for scale, today's path: pg_dump -Fc {dumped:.1f} s ({size / 1e6:.0f} MB), "
              f"pg_restore into an empty database {restored:.1f} s")
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
