"""Mapbox Vector Tiles built by PostGIS, and the tile cache every worker shares.

One SQL statement per set of layers renders a tile: per layer, the features
whose bounding box meets the tile grown by its buffer, transformed to Web
Mercator, simplified to the zoom (lines and polygons; points are kept as
they are), clipped by ST_AsMVTGeom and encoded by ST_AsMVT as one MVT layer
named by the layer id, carrying `fid` (also the MVT feature id) and the
declared public properties only. The statements are composed once per set of
layers from the declarations (identifiers quoted, values bound).

The cache is an UNLOGGED table `tiles.cache` (migration 0005), so gunicorn's
workers share it, a hit costs one primary-key lookup, and a crash simply
empties it. Each row keeps the set of layers it rendered and the envelope its
features were selected by; a trigger on core.feature_history (which every
write to a layer table feeds, whatever path made it) deletes exactly the
cached tiles of the changed layer whose envelope meets the old or new
geometry of a changed row. See `_store` for why a tile rendered while an edit
commits is never cached stale.

Access: a tile is rendered from, and cached under, the set of layers actually
put into it, after the caller's read rights were applied (`can_read`). A
caller who may not read a layer can therefore never be served a cached tile
that contains it: such a tile lives under a different key.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from psycopg2 import sql
from sqlalchemy import Engine

from layers.errors import LayerError
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA

TILE_MATRIX_SET = "WebMercatorQuad"
MAX_ZOOM = 22  # the deepest tile matrix served (WebMercatorQuad defines 0..24)
EXTENT = 4096  # MVT coordinate units per tile side (ST_AsMVT's default)
BUFFER = 64  # units kept around the tile so symbols and lines are not cut at the edge
# Per-layer cap: at z12-z14 the 1,000,000-point benchmark layer has 25k-300k points
# per tile, more than a browser can draw usefully; like tipg's default we keep the
# first 10,000 the GiST index returns and say so in the tileset metadata.
MAX_FEATURES_PER_TILE = 10_000
# Zooms that are cached: below 17 tiles are few (Medan is ~50 x 110 tiles at z16)
# and dear to render; deeper ones are cheap (few features each) and too many to keep.
CACHE_MAX_ZOOM = 16
# In one statement that changes more rows than this, a layer's cached tiles are
# all dropped rather than matched row by row (bulk loads; see migration 0005).
BULK_CHANGE_ROWS = 10_000
# Namespace of the advisory locks shared with the invalidation trigger (migration 0005).
LOCK_CLASS = 7469
WEB_MERCATOR_HALF_WIDTH = 20037508.342789244
MAX_LATITUDE = 85.0511287798066

CacheState = Literal["hit", "miss", "bypass"]
ReadRule = Callable[[LayerSpec], bool]


class TileOutOfRange(LayerError):
    """A tile outside the tile matrix set or the layer's declared zoom range."""

    status = 404


def public_only(spec: LayerSpec) -> bool:
    """The read rule until accounts exist (issue 5): only public layers are served."""
    return spec.access.is_public


@dataclass(frozen=True)
class Tile:
    data: bytes  # the MVT; empty when no feature falls in the tile
    etag: str  # strong: a hash of the bytes
    layers: tuple[str, ...]  # the layers rendered into it
    cache: CacheState

    @property
    def empty(self) -> bool:
        return not self.data


# ---------------------------------------------------------------- which layers

def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"zoom {z} is outside 0..{MAX_ZOOM} of {TILE_MATRIX_SET}")
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise TileOutOfRange(f"tile {z}/{x}/{y} is outside the {size}x{size} matrix of zoom {z}")


def layer_for_tiles(layer_id: str, can_read: ReadRule = public_only) -> LayerSpec:
    """The declaration of a layer the caller may read (UnknownLayer otherwise, so a
    hidden layer looks exactly like a missing one)."""
    spec = get_registry().get(layer_id)
    if not can_read(spec):
        from layers.registry import UnknownLayer

        raise UnknownLayer(layer_id)
    return spec


def single_layer(layer_id: str, z: int, x: int, y: int, can_read: ReadRule = public_only) -> tuple[str, ...]:
    """Layers of /collections/{id}/tiles/...: a zoom outside the declared range is 404,
    because the tileset's tileMatrixSetLimits do not list it."""
    check_tile(z, x, y)
    spec = layer_for_tiles(layer_id, can_read)
    if not spec.zoom.min <= z <= spec.zoom.max:
        raise TileOutOfRange(f"{layer_id} has tiles at zooms {spec.zoom.min}..{spec.zoom.max}, not {z}")
    return (spec.id,)


def visible_layers(
    requested: Iterable[str] | None, z: int, x: int, y: int, can_read: ReadRule = public_only
) -> tuple[str, ...]:
    """Layers of the multi-layer tile: the requested ones (default: every readable
    layer) that are declared visible at zoom z, in registry order. An unknown or
    unreadable name is 404; a known one outside its zoom range is simply left out."""
    check_tile(z, x, y)
    if requested is None:
        specs = [s for s in get_registry() if can_read(s)]
    else:
        wanted = {layer_for_tiles(name, can_read).id for name in requested}
        specs = [s for s in get_registry() if s.id in wanted]
    return tuple(s.id for s in specs if s.zoom.min <= z <= s.zoom.max)


# ---------------------------------------------------------------- geometry of a tile

def tile_bounds_lonlat(z: int, x: int, y: int, margin: float = BUFFER / EXTENT) -> tuple[float, float, float, float]:
    """The tile grown by `margin` tiles on each side, in lon/lat (the layers' SRID).

    Features are selected by this box and cached tiles are invalidated by it, so a
    changed row reaches exactly the tiles that could have drawn it.
    """
    n = 1 << z

    def lon(col: float) -> float:
        return max(-180.0, min(180.0, col / n * 360.0 - 180.0))

    def lat(row: float) -> float:
        value = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
        return max(-MAX_LATITUDE, min(MAX_LATITUDE, value))

    return lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin)


def simplify_tolerance(z: int) -> float:
    """Half a pixel of a 256-px tile, in Web Mercator metres: invisible detail."""
    return 2 * WEB_MERCATOR_HALF_WIDTH / (1 << z) / 512


# ---------------------------------------------------------------- SQL

def _property_column(spec: LayerSpec, name: str) -> sql.Composable:
    column = sql.Identifier(name)
    if spec.prop(name).type in ("date", "datetime"):
        # MVT has no date type: ISO 8601 text, whatever the session's DateStyle.
        return sql.SQL("to_json({c}) #>> '{{}}' AS {c}").format(c=column)
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


def _layer_sql(spec: LayerSpec) -> sql.Composed:
    """ST_AsMVT of one layer; parameters come from the statement's `env` row."""
    columns = [_property_column(spec, p.name) for p in spec.public_properties()]
    return sql.SQL(
        "(SELECT coalesce(ST_AsMVT(t, {name}, {extent}, 'mvt_geom', 'fid'), ''::bytea) FROM ("
        "SELECT fid, fid AS fid, {columns}{geom} AS mvt_geom "
        "FROM {table} WHERE geom && env.selection LIMIT {cap}"
        ") t WHERE mvt_geom IS NOT NULL)"
    ).format(
        name=sql.Literal(spec.id), extent=sql.Literal(EXTENT),
        columns=sql.SQL("").join(sql.Composed([c, sql.SQL(", ")]) for c in columns),
        geom=_mvt_geometry(spec), table=sql.Identifier(LAYER_SCHEMA, spec.table), cap=sql.Literal(MAX_FEATURES_PER_TILE),
    )


@dataclass(frozen=True)
class TileQuery:
    statement: sql.Composed
    key: str  # the cache key: a hash of the statement and the layer ids


@lru_cache(maxsize=256)
def tile_query(layer_ids: tuple[str, ...]) -> TileQuery:
    """The statement rendering these layers into one tile, composed once per set."""
    registry = get_registry()
    parts = sql.SQL(" || ").join(_layer_sql(registry.get(i)) for i in layer_ids)
    statement = sql.SQL(
        "WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS bounds, "
        "ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326) AS selection, "
        "%(tolerance)s::float8 AS tolerance, %(kx)s::float8 AS kx, %(cx)s::float8 AS cx, "
        "%(ky)s::float8 AS ky, %(cy)s::float8 AS cy) "
        "SELECT {parts}, (SELECT coalesce(sum(n), 0) FROM tiles.generation WHERE layer = ANY(%(layers)s)) "
        "FROM env"
    ).format(parts=parts)
    # The statement's text changes whenever a declaration or this module's SQL does,
    # so tiles cached by an older recipe are never served (they age out by pruning).
    recipe = hashlib.blake2b(repr(statement).encode(), digest_size=6).hexdigest()
    return TileQuery(statement, f"{recipe}:{','.join(layer_ids)}")


# The bytes travel only when this worker's memory does not already hold that version.
CACHE_LOOKUP = (
    "SELECT etag, CASE WHEN etag = %s THEN NULL ELSE mvt END FROM tiles.cache "
    "WHERE key = %s AND z = %s AND x = %s AND y = %s"
)
CACHE_LOCK = (
    "SELECT coalesce(bool_and(pg_try_advisory_xact_lock_shared(%s, hashtext(l))), true) "
    "FROM unnest(%s::text[]) AS l"
)
CACHE_GENERATION = "SELECT coalesce(sum(n), 0) FROM tiles.generation WHERE layer = ANY(%s)"
CACHE_STORE = (
    "INSERT INTO tiles.cache (key, z, x, y, layers, envelope, etag, mvt) "
    "VALUES (%s, %s, %s, %s, %s, ST_MakeEnvelope(%s, %s, %s, %s, 4326), %s, %s) "
    "ON CONFLICT (key, z, x, y) DO UPDATE SET layers = EXCLUDED.layers, envelope = EXCLUDED.envelope, "
    "etag = EXCLUDED.etag, mvt = EXCLUDED.mvt, created_at = now()"
)


def etag_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


# ---------------------------------------------------------------- rendering and cache

class TileMemory:
    """Recently served cached tiles kept in this worker, by (key, z, x, y) -> (etag, bytes).

    Only ever a copy: every hit still asks tiles.cache whether the row exists and
    which etag it has (a small indexed read), so an invalidation anywhere is seen
    at once; what is saved is moving the bytes (hex-encoded bytea) out of PostgreSQL.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int, int, int], tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int, int]) -> tuple[str, bytes] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int, int, int], etag: str, data: bytes) -> None:
        if len(data) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._items[key] = (etag, data)
            self._size += len(data)
            while self._size > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= len(dropped)


MEMORY = TileMemory()


def get_tile(engine: Engine, layer_ids: Sequence[str], z: int, x: int, y: int) -> Tile:
    """The tile of these layers (already checked and filtered by the caller's rights),
    from the cache when it holds it."""
    layer_ids = tuple(layer_ids)
    if not layer_ids:
        return Tile(b"", etag_of(b""), (), "bypass")
    query = tile_query(layer_ids)
    cacheable = z <= CACHE_MAX_ZOOM
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if cacheable:
            hit = _cached(connection, cursor, query.key, z, x, y)
            if hit is not None:
                return Tile(hit[1], hit[0], layer_ids, "hit")
        data, generation = _render(cursor, query, layer_ids, z, x, y)
        etag = etag_of(data)
        if cacheable:
            _store(cursor, query.key, layer_ids, generation, z, x, y, data, etag)
        connection.commit()
        return Tile(data, etag, layer_ids, "miss" if cacheable else "bypass")
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()


def _cached(connection: Any, cursor: Any, key: str, z: int, x: int, y: int) -> tuple[str, bytes] | None:
    """(etag, bytes) of a cached tile, or None. One round trip (autocommit: no BEGIN)."""
    address = (key, z, x, y)
    remembered = MEMORY.get(address)
    dbapi = connection.dbapi_connection  # the pool's proxy would not pass the attribute on
    dbapi.autocommit = True
    try:
        cursor.execute(CACHE_LOOKUP, (remembered[0] if remembered else "", key, z, x, y))
        row = cursor.fetchone()
    finally:
        dbapi.autocommit = False
    if row is None:
        return None
    if row[1] is None and remembered is not None:
        return remembered
    data = bytes(row[1])
    MEMORY.put(address, row[0], data)
    return row[0], data


def tile_params(layer_ids: Sequence[str], z: int, x: int, y: int) -> dict[str, object]:
    """The bound values of a tile statement."""
    x0, y0, x1, y1 = tile_bounds_lonlat(z, x, y)
    units = EXTENT * (1 << z)  # tile units across the world at this zoom
    return {
        "z": z, "x": x, "y": y, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
        "tolerance": simplify_tolerance(z), "layers": list(layer_ids),
        # lon -> column and asinh(tan(lat)) -> row, in units of this tile (y grows southwards)
        "kx": units / 360.0, "cx": units / 2.0 - x * EXTENT,
        "ky": -units / (2 * math.pi), "cy": units / 2.0 - y * EXTENT,
    }


def _render(cursor: object, query: TileQuery, layer_ids: tuple[str, ...], z: int, x: int, y: int) -> tuple[bytes, int]:
    cursor.execute(query.statement, tile_params(layer_ids, z, x, y))  # type: ignore[attr-defined]
    data, generation = cursor.fetchone()  # type: ignore[attr-defined]
    return bytes(data), int(generation)


def _store(cursor: object, key: str, layer_ids: tuple[str, ...], generation: int,
           z: int, x: int, y: int, data: bytes, etag: str) -> None:
    """Cache a rendered tile unless an edit to its layers may have raced the render.

    The render read the layers' generation counters in its own snapshot. An edit
    holds an exclusive advisory lock per changed layer from its trigger until it
    commits, and bumps the counter. Taking the shared lock (without waiting) proves
    no edit is in flight; an unchanged counter proves none committed since the
    render. Holding the lock until our commit makes a later edit wait, so its
    DELETE sees the row we insert. If either proof fails the tile is served but
    not cached.
    """
    cursor.execute(CACHE_LOCK, (LOCK_CLASS, list(layer_ids)))  # type: ignore[attr-defined]
    if not cursor.fetchone()[0]:  # type: ignore[attr-defined]
        return
    cursor.execute(CACHE_GENERATION, (list(layer_ids),))  # type: ignore[attr-defined]
    if int(cursor.fetchone()[0]) != generation:  # type: ignore[attr-defined]
        return
    x0, y0, x1, y1 = tile_bounds_lonlat(z, x, y)
    cursor.execute(CACHE_STORE, (key, z, x, y, list(layer_ids), x0, y0, x1, y1, etag, data))  # type: ignore[attr-defined]


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


def cached_tiles(engine: Engine, layer_id: str | None = None) -> set[tuple[str, int, int, int]]:
    """(layers, z, x, y) of every cached tile, optionally only those holding a layer."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT array_to_string(layers, ','), z, x, y FROM tiles.cache "
            "WHERE %(layer)s::text IS NULL OR %(layer)s = ANY(layers)", {"layer": layer_id})
        rows = {(r[0], r[1], r[2], r[3]) for r in cursor.fetchall()}
        connection.rollback()
        return rows
    finally:
        connection.close()


def clear_cache(engine: Engine) -> int:
    """Empty the tile cache (after a migration that changed how tiles are drawn)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("DELETE FROM tiles.cache")
        deleted = cursor.rowcount
        connection.commit()
        return deleted
    finally:
        connection.close()
