"""The lon/lat box of layers' features, for the tileset metadata."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg2 import sql
from sqlalchemy import Engine

from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA


def layer_bounds(engine: Engine, layer_ids: Sequence[str]) -> tuple[float, float, float, float] | None:
    """The lon/lat box of these layers' features (None when they are all empty)."""
    registry = get_registry()
    boxes = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT ST_Extent(geom)::geometry AS box FROM {}").format(
            sql.Identifier(LAYER_SCHEMA, registry.get(i).table))
        for i in layer_ids
    )
    statement = sql.SQL(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(box) AS e FROM ({}) b) s"
    ).format(boxes)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(statement)
        row = cursor.fetchone()
        connection.rollback()
    finally:
        connection.close()
    return None if row is None or row[0] is None else (row[0], row[1], row[2], row[3])
