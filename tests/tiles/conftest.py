"""Helpers for the tile tests: tile arithmetic written independently of the code under test,
MVT decoding, and an app on a database of its own for tests that edit layers."""

from __future__ import annotations

import math
from collections.abc import Iterator

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from tests.conftest import settings_for

# A school from the Kemendikbud seed file (geodata/data/medan_sekolah.geojson).
KNOWN_SCHOOL_NPSN = "10210692"
KNOWN_SCHOOL_NAME = "SDS NAHDHATUL ULAMA"
# Open sea in the Strait of Malacca, ~50 km north-east of the city: no layer has data there.
SEA = (99.20, 3.98)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data)


def features_by_fid(layer: dict) -> dict[int, dict]:
    return {f["properties"]["fid"]: f for f in layer["features"]}


@pytest.fixture
def edit_app(isolated_database_url: str) -> Iterator:
    """An app on a fresh seeded database, for tests that commit edits."""
    from layers.db import engine_for
    from webgis.app import create_app

    settings = settings_for(isolated_database_url, api_token="test-token")
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    engine_for(isolated_database_url).dispose()


def point_of(engine, layer: str, where: str, params: dict) -> tuple[int, float, float]:  # noqa: ANN001
    """fid, lon, lat of one feature (test-only SQL on a fixed layer name)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT fid, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "  # noqa: S608
                 f"FROM layers.{layer} WHERE {where} ORDER BY fid LIMIT 1"), params).one()
    return row[0], row[1], row[2]
