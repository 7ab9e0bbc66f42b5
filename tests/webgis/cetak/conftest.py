"""A database of the print tests' own, with the hand-made OpenStreetMap extract loaded (ODbL credits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine

from geodata.osm import import_extract
from layers.db import sqlalchemy_url
from tests.helpers.accounts import build_app
from tests.helpers.database import own_database

EXTRACT = Path(__file__).resolve().parents[2] / "geodata" / "data" / "medan_streets.osm"


@pytest.fixture(scope="package")
def print_database(server_url: str, template_database_url: str) -> Iterator[str]:
    with own_database(server_url, template_database_url) as url:
        engine = create_engine(sqlalchemy_url(url))
        with engine.begin() as conn:
            import_extract(conn, EXTRACT, actor="test")
        engine.dispose()
        yield url


@pytest.fixture(scope="package")
def print_app(print_database: str) -> Flask:
    return build_app(print_database)
