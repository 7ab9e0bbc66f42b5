"""The project-local PostGIS cluster: init, start, status, stop, in its own directory and port."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from config.settings import PROJECT_ROOT, LocalClusterSettings
from geodata.cluster import LocalCluster, ensure_database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: pytest makes its base directory private
    # (0700) at every session start, and the cluster runs as the postgres user.
    path = PROJECT_ROOT / ".var" / f"test-cluster-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_private_cluster_starts_creates_postgis_and_stops(cluster_dir: Path) -> None:
    cluster = LocalCluster(LocalClusterSettings(data_dir=cluster_dir / "pg", port=_free_port()))
    assert not cluster.is_running()
    assert cluster.start() is True
    try:
        assert cluster.is_running()
        assert cluster.start() is False  # already running: nothing to do
        assert ensure_database(cluster.url("postgres"), "medan") is True
        assert ensure_database(cluster.url("postgres"), "medan") is False
        with psycopg2.connect(cluster.url("medan")) as conn, conn.cursor() as cur:
            cur.execute("SELECT postgis_lib_version(), inet_server_addr()::text")
            version, address = cur.fetchone()
        assert version.startswith("3.")
        assert address.startswith("127.0.0.1")
    finally:
        assert cluster.stop() is True
    assert not cluster.is_running()
    assert (cluster_dir / "pg" / "PG_VERSION").exists()
