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

Access (layers/access.py is the one rule): a tile is rendered from, and
cached under, the layers actually put into it and, per layer, the properties
put into it (`TileLayer`), after the caller's rights were applied: layers it
may not read are 404 as if missing, properties it may not see are never
selected. The statement's text names those columns and the cache key is a
hash of that text, so a tile rendered for a role that sees more can never be
served to one that sees less: it lives under a different key.

Speed of a cold tile: the rendered bytes are written into the cache by the same
statement that renders them (they never travel back to PostgreSQL as a 2x hex
literal), the cache column is stored uncompressed (migration 0010b: pglz cost
~40 ms per 500 kB tile), the ETag is md5 computed next to the bytes, and the
result is read with COPY ... (FORMAT binary), so the bytea arrives as raw bytes
instead of hex text.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from psycopg2 import sql
from sqlalchemy import Engine

from layers.access import ANONYMOUS, Principal, can_read, readable_properties
from layers.db import autocommit_reads
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
# Zooms that are cached by default (WEBGIS_WEB_TILE_CACHE_MAX_ZOOM): below 17 tiles are
# few (Medan is ~50 x 110 tiles at z16) and dear to render; deeper ones are cheap (few
# features each) and too many to keep.
CACHE_MAX_ZOOM = 16
# In one statement that changes more rows than this, a layer's cached tiles are
# all dropped rather than matched row by row (bulk loads; see migration 0005).
BULK_CHANGE_ROWS = 10_000
# Namespace of the advisory locks shared with the invalidation trigger (migration 0005).
LOCK_CLASS = 7469
WEB_MERCATOR_HALF_WIDTH = 20037508.342789244
MAX_LATITUDE = 85.0511287798066

CacheState = Literal["hit", "miss", "bypass"]


class TileOutOfRange(LayerError):
    """A tile outside the tile matrix set or the layer's declared zoom range."""

    status = 404


class UnknownTileProperty(LayerError):
    """A `properties=` name that no layer of the tile offers to this caller."""

    status = 400


@dataclass(frozen=True)
class TileLayer:
    """One MVT layer of a tile: the layer and the properties put into it (already allowed)."""

    id: str
    properties: tuple[str, ...]

    @property
    def public(self) -> bool:
        """Whether anyone may get exactly this content (a public layer, no private property)."""
        spec = get_registry().get(self.id)
        return spec.access.is_public and not set(self.properties) & set(spec.access.private)


@dataclass(frozen=True)
class Tile:
    data: bytes  # the MVT; empty when no feature falls in the tile
    etag: str  # strong: a hash of the bytes
    layers: tuple[str, ...]  # the layers rendered into it
    cache: CacheState
    public: bool = True  # false when it holds a non-public layer or a private property

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


def layer_for_tiles(layer_id: str, principal: Principal = ANONYMOUS) -> LayerSpec:
    """The declaration of a layer the caller may read (UnknownLayer otherwise, so a
    hidden layer looks exactly like a missing one, as in the items API)."""
    spec = get_registry().get(layer_id)
    if not can_read(spec, principal):
        from layers.registry import UnknownLayer

        raise UnknownLayer(layer_id)
    return spec


def single_layer(layer_id: str, z: int, x: int, y: int, principal: Principal = ANONYMOUS) -> tuple[str, ...]:
    """Layers of /collections/{id}/tiles/...: a zoom outside the declared range is 404,
    because the tileset's tileMatrixSetLimits do not list it."""
    check_tile(z, x, y)
    spec = layer_for_tiles(layer_id, principal)
    if not spec.zoom.min <= z <= spec.zoom.max:
        raise TileOutOfRange(f"{layer_id} has tiles at zooms {spec.zoom.min}..{spec.zoom.max}, not {z}")
    return (spec.id,)


def visible_layers(
    requested: Iterable[str] | None, z: int, x: int, y: int, principal: Principal = ANONYMOUS
) -> tuple[str, ...]:
    """Layers of the multi-layer tile: the requested ones (default: every layer the
    caller may read) that are declared visible at zoom z, in registry order. An
    unknown or unreadable name is 404; a known one outside its zoom range is left out."""
    check_tile(z, x, y)
    if requested is None:
        specs = [s for s in get_registry() if can_read(s, principal)]
    else:
        wanted = {layer_for_tiles(name, principal).id for name in requested}
        specs = [s for s in get_registry() if s.id in wanted]
    return tuple(s.id for s in specs if s.zoom.min <= z <= s.zoom.max)


def tile_layers(layer_ids: Sequence[str], principal: Principal = ANONYMOUS,
                properties: Sequence[str] | None = None) -> tuple[TileLayer, ...]:
    """What goes into the tile per layer: the properties the caller may see
    (layers.access), narrowed to `properties` when given (`fid` is always there,
    as the MVT feature id). A requested name that none of the layers offers this
    caller is UnknownTileProperty (400): a private name is refused exactly like an
    unknown one, so the answer does not reveal that it exists."""
    registry = get_registry()
    readable = {i: readable_properties(registry.get(i), principal) for i in layer_ids}
    if properties is None:
        return tuple(TileLayer(i, tuple(names)) for i, names in readable.items())
    wanted = [n for n in properties if n != "fid"]
    offered = {n for names in readable.values() for n in names}
    unknown = [n for n in wanted if n not in offered]
    if unknown:
        choices = ", ".join(sorted(offered)) or "none"
        raise UnknownTileProperty(f"unknown property {', '.join(unknown)} for properties=; "
                                  f"the tile's layers offer: fid, {choices}")
    return tuple(TileLayer(i, tuple(n for n in names if n in wanted)) for i, names in readable.items())


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


def _layer_sql(spec: LayerSpec, properties: Sequence[str]) -> sql.Composed:
    """ST_AsMVT of one layer with these properties; parameters come from the statement's `env` row."""
    columns = [_property_column(spec, name) for name in properties]
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
    key: str  # the cache key: a hash of the statement (so of the columns put in) and the layer ids


def as_tile_layers(layers: Sequence[str | TileLayer]) -> tuple[TileLayer, ...]:
    """Layer ids stand for their public properties (what the anonymous public gets of a public layer)."""
    registry = get_registry()
    return tuple(layer if isinstance(layer, TileLayer)
                 else TileLayer(layer, tuple(p.name for p in registry.get(layer).public_properties()))
                 for layer in layers)


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
    parts = sql.SQL(" || ").join(_layer_sql(registry.get(t.id), t.properties) for t in chosen)
    statement = sql.SQL(
        "WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS bounds, "
        "ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326) AS selection, "
        "%(tolerance)s::float8 AS tolerance, %(kx)s::float8 AS kx, %(cx)s::float8 AS cx, "
        "%(ky)s::float8 AS ky, %(cy)s::float8 AS cy), "
        "rendered AS MATERIALIZED (SELECT {parts} AS m FROM env), "
        "tile AS (SELECT m AS mvt, md5(m) AS etag FROM rendered), "
        "stored AS (INSERT INTO tiles.cache (key, z, x, y, layers, envelope, etag, mvt) "
        "SELECT %(key)s, %(z)s, %(x)s, %(y)s, %(layers)s, env.selection, tile.etag, tile.mvt "
        "FROM tile, env WHERE %(store)s "
        "ON CONFLICT (key, z, x, y) DO UPDATE SET layers = EXCLUDED.layers, envelope = EXCLUDED.envelope, "
        "etag = EXCLUDED.etag, mvt = EXCLUDED.mvt, created_at = now() RETURNING 1) "
        "SELECT mvt, etag FROM tile"
    ).format(parts=parts)
    # The statement's text changes whenever a declaration, the columns put in or this
    # module's SQL does, so tiles cached by another recipe are never served (they age out).
    recipe = hashlib.blake2b(repr(statement).encode(), digest_size=6).hexdigest()
    return TileQuery(statement, f"{recipe}:{','.join(t.id for t in chosen)}")


# The bytes travel only when this worker's memory does not already hold that version.
# Prepared once per connection (see layers.db.AutocommitReads).
CACHE_LOOKUP_PREPARE = (
    "PREPARE tile_cache_lookup(text, text, smallint, integer, integer) AS "
    "SELECT etag, CASE WHEN etag = $1 THEN NULL ELSE mvt END FROM tiles.cache "
    "WHERE key = $2 AND z = $3 AND x = $4 AND y = $5"
)
CACHE_LOOKUP = "EXECUTE tile_cache_lookup(%s, %s, %s, %s, %s)"
CACHE_LOCK = (
    "SELECT coalesce(bool_and(pg_try_advisory_xact_lock_shared(%s, hashtext(l))), true) "
    "FROM unnest(%s::text[]) AS l"
)


def etag_of(data: bytes) -> str:
    """md5 hex of the bytes: what the render statement computes next to them (not for security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


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


def get_tile(engine: Engine, layers: Sequence[str | TileLayer], z: int, x: int, y: int,
             cache_max_zoom: int = CACHE_MAX_ZOOM) -> Tile:
    """The tile of these layers (already checked and narrowed to the caller's rights,
    see `tile_layers`; a bare id means its public view), from the cache when it holds it.
    Zooms deeper than `cache_max_zoom` (the deployment's setting) are rendered every time."""
    chosen = as_tile_layers(layers)
    layer_ids = tuple(t.id for t in chosen)
    public = all(t.public for t in chosen)
    if not chosen:
        return Tile(b"", etag_of(b""), (), "bypass", public)
    query = tile_query(chosen)
    if z > cache_max_zoom:  # one read-only statement: no transaction, no lock, nothing stored
        data, etag = autocommit_reads(engine).run(lambda cursor: _render(cursor, query, layer_ids, z, x, y))
        return Tile(data, etag, layer_ids, "bypass", public)
    hit = cached_tile(engine, chosen, z, x, y)
    if hit is not None:
        return hit
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        store = _may_store(cursor, layer_ids)
        data, etag = _render(cursor, query, layer_ids, z, x, y, store)
        connection.commit()
        return Tile(data, etag, layer_ids, "miss", public)
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()


def cached_tile(engine: Engine, layers: Sequence[TileLayer], z: int, x: int, y: int) -> Tile | None:
    """The tile from the cache, or None when the cache does not hold it (nothing is rendered)."""
    hit = _cached(engine, tile_query(tuple(layers)).key, z, x, y)
    if hit is None:
        return None
    return Tile(hit[1], hit[0], tuple(t.id for t in layers), "hit", all(t.public for t in layers))


def _cached(engine: Engine, key: str, z: int, x: int, y: int) -> tuple[str, bytes] | None:
    """(etag, bytes) of a cached tile, or None. One round trip, on a kept autocommit
    connection (layers.db.AutocommitReads: cached z16 tiles ~850 -> ~1,050 req/s)."""
    address = (key, z, x, y)
    remembered = MEMORY.get(address)
    row = autocommit_reads(engine).fetch_one(CACHE_LOOKUP, (remembered[0] if remembered else "", key, z, x, y),
                                             prepare=CACHE_LOOKUP_PREPARE)
    if row is None:
        return None
    if row[1] is None and remembered is not None:
        return remembered
    data = bytes(row[1])
    MEMORY.put(address, row[0], data)
    return row[0], data


def tile_params(layer_ids: Sequence[str], z: int, x: int, y: int) -> dict[str, object]:
    """The bound values of a tile statement (rendering only; `_render` adds the cache's)."""
    x0, y0, x1, y1 = tile_bounds_lonlat(z, x, y)
    units = EXTENT * (1 << z)  # tile units across the world at this zoom
    return {
        "z": z, "x": x, "y": y, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
        "tolerance": simplify_tolerance(z), "layers": list(layer_ids), "key": "", "store": False,
        # lon -> column and asinh(tan(lat)) -> row, in units of this tile (y grows southwards)
        "kx": units / 360.0, "cx": units / 2.0 - x * EXTENT,
        "ky": -units / (2 * math.pi), "cy": units / 2.0 - y * EXTENT,
    }


def _may_store(cursor: Any, layer_ids: tuple[str, ...]) -> bool:
    """Whether a tile rendered from here on may be cached: no edit to its layers is in flight.

    An edit holds an exclusive advisory lock per changed layer from its trigger
    until it commits. Taking the shared lock (without waiting) *before* the render
    statement takes its snapshot proves that every edit is either committed (and
    seen by the render) or not yet at its trigger, where it will wait for our
    commit, so its DELETE sees the row we insert. When the lock is not free the
    tile is served but not cached.
    """
    cursor.execute(CACHE_LOCK, (LOCK_CLASS, list(layer_ids)))
    return bool(cursor.fetchone()[0])


COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _render(cursor: Any, query: TileQuery, layer_ids: tuple[str, ...], z: int, x: int, y: int,
            store: bool = False) -> tuple[bytes, str]:
    """(mvt, etag), read through COPY in binary format: a 1 MB tile as 1 MB, not as 2 MB of hex.

    mogrify binds the values exactly as execute() does (psycopg2 always binds on the
    client); COPY just cannot take them any other way.
    """
    params = tile_params(layer_ids, z, x, y)
    params.update(key=query.key, store=store)
    text = _STATEMENT_TEXTS.get(query.key)
    if text is None:  # composing the statement's tree costs ~1 ms of Python: once per process
        text = _STATEMENT_TEXTS[query.key] = query.statement.as_string(cursor)
    buffer = io.BytesIO()
    cursor.copy_expert(b"COPY (" + cursor.mogrify(text, params) + b") TO STDOUT (FORMAT binary)", buffer)
    return _one_binary_row(buffer.getvalue())


_STATEMENT_TEXTS: dict[str, str] = {}


def _one_binary_row(raw: bytes) -> tuple[bytes, str]:
    """The (bytea, text) row of a binary COPY: header, then per field int32 length and bytes."""
    if not raw.startswith(COPY_SIGNATURE):
        raise RuntimeError("unexpected COPY output from PostgreSQL")
    (extension,) = struct.unpack_from("!i", raw, 15)
    offset = 19 + extension + 2  # header, header extension, the row's int16 field count
    fields = []
    for _ in range(2):
        (length,) = struct.unpack_from("!i", raw, offset)
        offset += 4
        fields.append(raw[offset:offset + length])
        offset += length
    return fields[0], fields[1].decode()


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
