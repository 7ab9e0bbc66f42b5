"""Throwaway databases and settings for apps under test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from config.settings import Settings, get_settings
from geodata.cluster import LocalCluster, drop_database, ensure_database


def maintenance_url() -> tuple[str, LocalCluster | None, bool]:
    """A URL of the server's maintenance database; starts the local cluster if needed."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        return make_url(settings.database_url).set(database="postgres").render_as_string(False), None, False
    cluster = LocalCluster(settings.pg)
    started = cluster.start()
    return cluster.url("postgres"), cluster, started


def database_url_on(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def clone_database(server_url: str, template_url: str) -> str:
    name = f"medan_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name, template=make_url(template_url).database)
    return database_url_on(server_url, name)


@contextmanager
def own_database(server_url: str, template_url: str) -> Iterator[str]:
    """A seeded database of one's own, cloned from the template and dropped afterwards: for
    tests that commit (through the web app, the payments ledger) without touching the shared one."""
    from layers.db import engine_for

    url = clone_database(server_url, template_url)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        drop_database(server_url, make_url(url).database)


def settings_for(database_url: str, **web: object) -> Settings:
    # One client IP sends the whole suite's CQL2 queries within minutes; the limit's
    # own test (tests/security/test_expensive_queries.py) sets a small one.
    web.setdefault("expensive_query_rate_limit", "100000 per minute")
    web.setdefault("expensive_query_rate_limit_per_address", "100000 per minute")
    settings = Settings(database_url=database_url)
    for key, value in web.items():
        setattr(settings.web, key, value)
    return settings


def public_count(engine, layer_id: str) -> int:  # noqa: ANN001
    """How many rows of a layer the anonymous public reaches (a public layer may have a row rule:
    an agenda's public events, public records)."""
    from sqlalchemy import func, select

    from layers.access import ANONYMOUS, row_scope
    from layers.registry import get_registry
    from layers.rowsql import scope_clause
    from layers.tables import layer_table

    table = layer_table(layer_id)
    scope = row_scope(get_registry().get(layer_id), ANONYMOUS)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(scope_clause(scope, table.c))).scalar_one()
