"""Connections to PostGIS: one SQLAlchemy engine per database URL, per process."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url


def sqlalchemy_url(database_url: str) -> str:
    """The same URL with the psycopg2 driver named (SQLAlchemy 2.1 defaults to psycopg 3)."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def libpq_url(database_url: str) -> str:
    """The same URL as libpq/psycopg2 and command-line tools read it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@lru_cache(maxsize=16)
def engine_for(database_url: str) -> Engine:
    return create_engine(sqlalchemy_url(database_url), pool_size=8, max_overflow=16, pool_recycle=1800)
