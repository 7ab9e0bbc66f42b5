"""The one SQL statement that renders a set of layers into a tile, and stores it.

Per layer, the features whose bounding box meets the tile grown by its buffer,
transformed to Web Mercator, simplified to the zoom (lines and polygons;
points are kept as they are), clipped by ST_AsMVTGeom and encoded by ST_AsMVT
as one MVT layer named by the layer id, carrying `fid` (also the MVT feature
id) and the properties chosen by layers.tiles.selection only. The statement is
composed once per set of layers from the declarations (identifiers quoted,
values bound).

Speed of a cold tile: the rendered bytes are written into the cache by the same
statement that renders them (they never travel back to PostgreSQL as a 2x hex
literal), and the ETag is md5 computed next to the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from psycopg2 import sql

from layers.access import RowScope
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.rowsql import scope_sql
from layers.schema import LAYER_SCHEMA
from layers.tiles.grid import BUFFER, EXTENT
from layers.tiles.selection import TileLayer, as_tile_layers

# Per-layer cap: at z12-z14 the 1,000,000-point benchmark layer has 25k-300k points
# per tile, more than a browser can draw usefully; like tipg's default we keep the
# first 10,000 the GiST index returns and say so in the tileset metadata.
MAX_FEATURES_PER_TILE = 10_000


def _property_column(spec: LayerSpec, name: str) -> sql.Composable:
    column = sql.Identifier(name)
    if spec.prop(name).type in ("date", "datetime"):
        # MVT has no date type: ISO 8601 text (as in the items' JSON), whatever the session's
        # DateStyle. The JSON string unquoted by btrim: #>> '{}' parsed it again (~6% of a z16 tile).
        return sql.SQL("btrim(to_json({c})::text, '\"') AS {c}").format(c=column)
    return column


# A point needs no clipping (the selection box is the tile plus its buffer) nor
# simplification, so its tile coordinates are computed with the spherical Mercator
# formula directly from lon/lat: about twice as fast as ST_Transform + ST_AsMVTGeom,
# which dominates a 10,000-point tile. Same grid, same rounding.
POINT_TILE_GEOM = sql.SQL(
    "ST_MakePoint(round(ST_X(geom) * env.kx + env.cx), round(asinh(tan(radians(ST_Y(geom)))) * env.ky + env.cy))"
)


def _mvt_geometry(spec: LayerSpec) -> sql.Composable:
    if spec.geometry == "Point":
        return POINT_TILE_GEOM
    geom = sql.SQL("ST_Transform(geom, 3857)")
    if "Point" not in spec.geometry:
        geom = sql.SQL("ST_Simplify({}, env.tolerance, true)").format(geom)
    return sql.SQL("ST_AsMVTGeom({}, env.bounds, {}, {}, true)").format(geom, sql.Literal(EXTENT), sql.Literal(BUFFER))


def _layer_sql(spec: LayerSpec, properties: Sequence[str], scope: RowScope | None = None) -> sql.Composed:
    """ST_AsMVT of one layer with these properties and rows; parameters come from the statement's `env` row.

    The row scope is spelled out as literals, so the statement's text, hence the
    cache key, is different for every scope."""
    columns = [_property_column(spec, name) for name in properties]
    condition = scope_sql(scope)
    rows = sql.SQL("") if condition is None else sql.SQL(" AND {}").format(condition)
    return sql.SQL(
        "(SELECT coalesce(ST_AsMVT(t, {name}, {extent}, 'mvt_geom', 'fid'), ''::bytea) FROM ("
        "SELECT fid, fid AS fid, {columns}{geom} AS mvt_geom "
        "FROM {table} WHERE geom && env.selection{rows} LIMIT {cap}"
        ") t WHERE mvt_geom IS NOT NULL)"
    ).format(
        name=sql.Literal(spec.id), extent=sql.Literal(EXTENT),
        columns=sql.SQL("").join(sql.Composed([c, sql.SQL(", ")]) for c in columns),
        geom=_mvt_geometry(spec), table=sql.Identifier(LAYER_SCHEMA, spec.table), cap=sql.Literal(MAX_FEATURES_PER_TILE),
        rows=rows,
    )


@dataclass(frozen=True)
class TileQuery:
    statement: sql.Composed
    key: str  # the cache key: a hash of the statement (so of the columns put in) and the layer ids
    # The same render without the INSERT into the cache: a statement holding a data-modifying
    # WITH is refused in a read-only transaction (a read replica's), even when it writes nothing.
    read_statement: sql.Composed


@lru_cache(maxsize=256)
def tile_query(layers: tuple[TileLayer | str, ...]) -> TileQuery:
    """The statement rendering these layers into one tile, composed once per set.

    It returns (mvt, etag) and, when %(store)s is true, also writes them into the
    cache in the same statement, so the bytes are never sent back to the server.
    `rendered` is MATERIALIZED: a plain subquery would be pulled up and the render
    expression evaluated twice (once for the bytes, once for their md5).
    """
    registry = get_registry()
    chosen = as_tile_layers(layers)
    parts = sql.SQL(" || ").join(_layer_sql(registry.get(t.id), t.properties, t.scope) for t in chosen)
    rendering = sql.SQL(
        "WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS bounds, "
        "ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326) AS selection, "
        "%(tolerance)s::float8 AS tolerance, %(kx)s::float8 AS kx, %(cx)s::float8 AS cx, "
        "%(ky)s::float8 AS ky, %(cy)s::float8 AS cy), "
        "rendered AS MATERIALIZED (SELECT {parts} AS m FROM env), "
        "tile AS (SELECT m AS mvt, md5(m) AS etag FROM rendered)").format(parts=parts)
    statement = rendering + sql.SQL(
        ", stored AS (INSERT INTO tiles.cache (key, z, x, y, layers, envelope, etag, mvt) "
        "SELECT %(key)s, %(z)s, %(x)s, %(y)s, %(layers)s, env.selection, tile.etag, tile.mvt "
        "FROM tile, env WHERE %(store)s "
        "ON CONFLICT (key, z, x, y) DO UPDATE SET layers = EXCLUDED.layers, envelope = EXCLUDED.envelope, "
        "etag = EXCLUDED.etag, mvt = EXCLUDED.mvt, created_at = now() RETURNING 1) "
        "SELECT mvt, etag FROM tile")
    read_statement = rendering + sql.SQL(" SELECT mvt, etag FROM tile")
    # The statement's text changes whenever a declaration, the columns put in or this
    # module's SQL does, so tiles cached by another recipe are never served (they age out).
    recipe = hashlib.blake2b(repr(statement).encode(), digest_size=6).hexdigest()
    return TileQuery(statement, f"{recipe}:{','.join(t.id for t in chosen)}", read_statement)


def etag_of(data: bytes) -> str:
    """md5 hex of the bytes: what the render statement computes next to them (not for security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
