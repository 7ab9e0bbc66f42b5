"""The project-local PostGIS cluster: init, start, status, stop, in its own directory and port."""

from __future__ import annotations

import socket
from pathlib import Path

import psycopg2

from geodata.cluster import LocalCluster, ensure_database
from webgis.settings import LocalClusterSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_private_cluster_starts_creates_postgis_and_stops(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    cluster = LocalCluster(LocalClusterSettings(data_dir=tmp_path / "pg", port=_free_port()))
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
    assert (tmp_path / "pg" / "PG_VERSION").exists()
