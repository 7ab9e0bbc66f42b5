"""Replicas, a pooler and several web instances of the test cluster, on loopback (tests/scaleout/)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from config.settings import LocalClusterSettings, get_settings


def local_primary() -> LocalClusterSettings:
    settings = get_settings()
    if not settings.uses_local_cluster:
        pytest.skip("replicas, pooler and instances are made around the project-local cluster")
    return settings.pg


def scaleout_port(offset: int) -> int:
    """Ports for these tests: after the test cluster's own (WEBGIS_PG_PORT), in its block."""
    return local_primary().port + offset


@contextmanager
def local_replica(port: int) -> Iterator[str]:
    """A streaming replica of the test cluster on `port` (its postgres database URL), removed after."""
    from geodata.replicas import add_replica, remove_replica

    primary = local_primary()
    remove_replica(primary, port)  # left over from an interrupted run
    replica = add_replica(primary, port)
    try:
        yield replica.url("postgres")
    finally:
        remove_replica(primary, port)


def on_port(database_url: str, port: int) -> str:
    return make_url(database_url).set(port=port).render_as_string(hide_password=False)


def run_sql(url: str, statement: str) -> object:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return cur.fetchone()[0] if cur.description else None
    finally:
        conn.close()


def wait_for(condition: Callable[[], object], timeout: float, what: str, step: float = 0.05) -> float:
    """Seconds until `condition()` held; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        time.sleep(step)
    return time.monotonic() - started
