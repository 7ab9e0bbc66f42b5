"""Tiles from the cache every worker shares, rendered into it on a miss.

The cache is an UNLOGGED table `tiles.cache` (migration 0005), so gunicorn's
workers share it, a hit costs one primary-key lookup, and a crash simply
empties it. Each row keeps the set of layers it rendered and the envelope its
features were selected by; a trigger on core.feature_history (which every
write to a layer table feeds, whatever path made it) deletes exactly the
cached tiles of the changed layer whose envelope meets the old or new
geometry of a changed row. See `_may_store` for why a tile rendered while an
edit commits is never cached stale.

The cache key is a hash of the render statement's text (layers.tiles.query),
which names the layers and properties put in after the caller's rights were
applied (layers.tiles.selection). The cache column is stored uncompressed
(migration 0010b: pglz cost ~40 ms per 500 kB tile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine

from layers.db import autocommit_reads
from layers.tiles.memory import MEMORY
from layers.tiles.query import etag_of, tile_query
from layers.tiles.render import render
from layers.tiles.selection import TileLayer, as_tile_layers

# Zooms that are cached by default (WEBGIS_WEB_TILE_CACHE_MAX_ZOOM): below 17 tiles are
# few (Medan is ~50 x 110 tiles at z16) and dear to render; deeper ones are cheap (few
# features each) and too many to keep.
CACHE_MAX_ZOOM = 16
# In one statement that changes more rows than this, a layer's cached tiles are
# all dropped rather than matched row by row (bulk loads; see migration 0005).
BULK_CHANGE_ROWS = 10_000
# Namespace of the advisory locks shared with the invalidation trigger (migration 0005).
LOCK_CLASS = 7469

CacheState = Literal["hit", "miss", "bypass"]


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


# The bytes travel only when this worker's memory does not already hold that version.
# Prepared once per connection (see layers.db.AutocommitReads).
CACHE_LOOKUP_PREPARE = (
    "PREPARE tile_cache_lookup(text, text, smallint, integer, integer) AS "
    "SELECT etag, CASE WHEN etag = $1 THEN NULL ELSE mvt END FROM tiles.cache "
    "WHERE key = $2 AND z = $3 AND x = $4 AND y = $5"
)
CACHE_LOOKUP = "EXECUTE tile_cache_lookup(%s, %s, %s, %s, %s)"
CACHE_LOOKUP_UNPREPARED = (  # the same, behind a transaction pooler (layers.db.AutocommitReads)
    "SELECT etag, CASE WHEN etag = %s THEN NULL ELSE mvt END FROM tiles.cache "
    "WHERE key = %s AND z = %s::smallint AND x = %s AND y = %s"
)
CACHE_LOCK = (
    "SELECT coalesce(bool_and(pg_try_advisory_xact_lock_shared(%s, hashtext(l))), true) "
    "FROM unnest(%s::text[]) AS l"
)


def get_tile(engine: Engine, layers: Sequence[str | TileLayer], z: int, x: int, y: int,
             cache_max_zoom: int = CACHE_MAX_ZOOM, *, uncached_from: Engine | None = None) -> Tile:
    """The tile of these layers (already checked and narrowed to the caller's rights,
    see layers.tiles.selection.tile_layers; a bare id means its public view), from the
    cache when it holds it. Zooms deeper than `cache_max_zoom` (the deployment's
    setting) are rendered every time, from `uncached_from` when given (a read replica:
    such a tile is one read that may be slightly stale). The cache itself, and a tile
    rendered into it, are the primary's (`engine`): the cache is an UNLOGGED table,
    which replicas do not have, and its freshness rests on the primary's locks."""
    chosen = as_tile_layers(layers)
    layer_ids = tuple(t.id for t in chosen)
    public = all(t.public for t in chosen)
    if not chosen:
        return Tile(b"", etag_of(b""), (), "bypass", public)
    query = tile_query(chosen)
    if z > cache_max_zoom:  # one read-only statement: no transaction, no lock, nothing stored
        reads = autocommit_reads(uncached_from or engine)
        data, etag = reads.run(lambda cursor: render(cursor, query, layer_ids, z, x, y, store=None))
        return Tile(data, etag, layer_ids, "bypass", public)
    hit = cached_tile(engine, chosen, z, x, y)
    if hit is not None:
        return hit
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        store = _may_store(cursor, layer_ids)
        data, etag = render(cursor, query, layer_ids, z, x, y, store)
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
                                             prepare=CACHE_LOOKUP_PREPARE, unprepared=CACHE_LOOKUP_UNPREPARED)
    if row is None:
        return None
    if row[1] is None and remembered is not None:
        return remembered
    data = bytes(row[1])
    MEMORY.put(address, row[0], data)
    return row[0], data


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
