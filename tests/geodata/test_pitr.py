"""Restore drill: WAL archiving with pgBackRest brings the database back to a moment between two writes.

A throwaway project-local cluster of its own (its own port and data directory,
so the session's cluster is never restarted) is driven through the real
commands: `db start`, `db pitr setup`, `db pitr backup`, two writes, then
`db pitr restore --to <moment between them>`, in place and as a copy beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest

from config.settings import PROJECT_ROOT, LocalClusterSettings
from geodata.cluster import LocalCluster

pytestmark = pytest.mark.skipif(shutil.which("pgbackrest") is None, reason="pgbackrest not installed")

DRILL_PORT = int(os.environ.get("WEBGIS_TEST_PITR_PORT", "25512"))
COPY_PORT = DRILL_PORT + 3

Cli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def drill_dir() -> Iterator[Path]:
    """A folder under the checkout's .var/, not pytest's tmp_path: every pytest session on the machine
    resets /tmp/pytest-of-<user> to mode 0700, which would lock the postgres user out mid-test."""
    parent = PROJECT_ROOT / ".var"
    parent.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-pitr-", dir=parent))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def drill_cluster(drill_dir: Path) -> Iterator[tuple[LocalCluster, Cli]]:
    settings = LocalClusterSettings(data_dir=drill_dir / "pg", port=DRILL_PORT)
    cluster = LocalCluster(settings)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEBGIS_DATABASE_URL")}
    env |= {"WEBGIS_PG_PORT": str(DRILL_PORT), "WEBGIS_PG_DATA_DIR": str(settings.data_dir)}

    def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "webgis", "db", *args], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        assert (result.returncode == 0) == ok, result.stdout + result.stderr
        return result

    try:
        yield cluster, cli
    finally:
        copy = drill_dir / "copy"
        if (copy / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", "pg_ctl", "stop", "-D", str(copy)]
                           if os.geteuid() == 0 else ["pg_ctl", "stop", "-D", str(copy)], capture_output=True)
        cluster.stop()


def _write(url: str, statement: str) -> datetime:
    """Run and commit one statement; the server's clock just after the commit."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            cur.execute("SELECT clock_timestamp()")
            return cur.fetchone()[0]
    finally:
        conn.close()


def _show(url: str, setting: str) -> str:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting(%s)", (setting,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _names(url: str) -> list[str]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM drill ORDER BY name")
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def test_restore_to_a_moment_between_two_writes(drill_cluster: tuple[LocalCluster, Cli], drill_dir: Path) -> None:
    cluster, cli = drill_cluster
    cli("start")
    url = cluster.url()
    _write(url, "CREATE TABLE drill (name text PRIMARY KEY)")
    cli("pitr", "restore", "--to", datetime.now(UTC).isoformat(), "--yes", ok=False)  # nothing set up yet
    cli("pitr", "setup")
    assert _show(url, "archive_mode") == "on"
    assert _show(url, "archive_timeout") == "1min"  # a quiet database's last writes wait at most a minute
    assert "full" in cli("pitr", "backup").stdout
    time.sleep(1.0)  # pgBackRest keeps the backup's end in whole seconds: the next second is reachable

    first_done = _write(url, "INSERT INTO drill VALUES ('first')")
    time.sleep(1.0)
    moment = first_done + timedelta(milliseconds=500)
    time.sleep(1.0)
    _write(url, "INSERT INTO drill VALUES ('second')")
    assert _names(url) == ["first", "second"]

    # A moment before the backup ended, or in the future, is refused and changes nothing.
    refused = cli("pitr", "restore", "--to", (first_done - timedelta(days=1)).isoformat(), "--yes", ok=False)
    assert "before the end of the oldest backup" in refused.stderr
    cli("pitr", "restore", "--to", (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "--yes", ok=False)
    assert _names(url) == ["first", "second"]

    # A copy beside the cluster, on its own port: the live database is untouched.
    copy = cli("pitr", "restore", "--to", moment.isoformat(), "--into", str(drill_dir / "copy"),
               "--port", str(COPY_PORT))
    assert f":{COPY_PORT}/" in copy.stdout
    assert _names(f"postgresql://{cluster.settings.user}@127.0.0.1:{COPY_PORT}/medan") == ["first"]
    assert _names(url) == ["first", "second"]

    # In place: the cluster comes back at the moment; what it was is kept aside.
    restored = cli("pitr", "restore", "--to", moment.isoformat(), "--yes")
    assert _names(url) == ["first"]
    aside = [p for p in cluster.data_dir.parent.iterdir() if p.name.startswith("pg.before-restore-")]
    assert len(aside) == 1 and (aside[0] / "PG_VERSION").exists(), restored.stdout

    # It keeps archiving on its new timeline: a later write is reachable by the next restore.
    after = _write(url, "INSERT INTO drill VALUES ('third')")
    time.sleep(1.0)
    cli("pitr", "restore", "--to", (after + timedelta(milliseconds=500)).isoformat(), "--yes")
    assert _names(url) == ["first", "third"]
