"""Running Alembic from Python: `webgis db migrate` and the test fixtures call this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from layers.db import sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def _ensure_version_schema(database_url: str) -> None:
    # The version table lives in `core`, which the first migration would create
    # too late for Alembic to record itself.
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS core"))
    engine.dispose()


def upgrade(database_url: str, revision: str = "heads") -> None:
    _ensure_version_schema(database_url)
    command.upgrade(alembic_config(database_url), revision)


def autogenerate(database_url: str, message: str) -> None:
    """Write a new migration for whatever the declarations changed."""
    _ensure_version_schema(database_url)
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
