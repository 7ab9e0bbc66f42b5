"""Backups: `pg_dump -Fc` of the whole database, and a restore into an EMPTY database.

Restoring refuses a database that already has tables of ours: merging a dump
into live data is how backups destroy things. The restore creates the
database when it does not exist (PostGIS comes with the dump's CREATE EXTENSION).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url

from layers.db import libpq_url


class BackupError(RuntimeError):
    """pg_dump/pg_restore failed or the target is not empty; the message says why."""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
        if not candidates:
            raise BackupError(f"{name} not found (apt-get install postgresql-client-15)")
        found = str(candidates[0])
    return found


def dump(database_url: str, path: Path) -> Path:
    """Write a custom-format dump (compressed, restorable table by table) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    result = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
         "--dbname", libpq_url(database_url)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    # Renamed only when complete, so a crash never leaves a truncated file under the real name.
    partial.replace(path)
    return path


def _ensure_empty_database(database_url: str) -> None:
    url = make_url(libpq_url(database_url))
    maintenance = url.set(database="postgres").render_as_string(hide_password=False)
    conn = psycopg2.connect(maintenance)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
                return
    finally:
        conn.close()
    conn = psycopg2.connect(libpq_url(database_url))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'tiger', 'topology') "
                        "AND table_name <> 'spatial_ref_sys'")
            if cur.fetchone()[0]:
                raise BackupError(f"database {url.database!r} is not empty; restore only into an empty database")
    finally:
        conn.close()


def restore(path: Path, database_url: str) -> None:
    """Restore a dump made by `dump` into an empty (or not yet existing) database, in one transaction."""
    if not Path(path).is_file():
        raise BackupError(f"no dump file {path}")
    _ensure_empty_database(database_url)
    result = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
         "--dbname", libpq_url(database_url), str(path)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
