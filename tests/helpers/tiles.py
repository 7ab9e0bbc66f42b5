"""Tile arithmetic written independently of the code under test, MVT decoding, known places."""

from __future__ import annotations

import math

import mapbox_vector_tile
from sqlalchemy import text

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


def point_of(engine, layer: str, where: str, params: dict) -> tuple[int, float, float]:  # noqa: ANN001
    """fid, lon, lat of one feature (test-only SQL on a fixed layer name)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT fid, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "  # noqa: S608
                 f"FROM layers.{layer} WHERE {where} ORDER BY fid LIMIT 1"), params).one()
    return row[0], row[1], row[2]
