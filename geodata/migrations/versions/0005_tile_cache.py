"""Tile cache for the vector tile endpoints

The cache lives in its own schema `tiles` (not `core`: it is derived data,
not described by the declarations, so the drift test comparing `core` and
`layers` with the metadata leaves it alone). Both tables are UNLOGGED: they
are cheap to lose, a crash empties them together, and writing them costs no WAL.

Invalidation is one statement-level trigger on core.feature_history: every
write to any layer table, present or future, already lands there through the
history triggers, with the old and new rows (geometry as GeoJSON). So no
per-layer trigger is needed and a new layer is covered without a migration.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:30:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The advisory lock class 7469 and the bulk threshold 10000 are written out below
# (a migration must not change after it ran); layers/tiles.py names the same values
# as LOCK_CLASS and BULK_CHANGE_ROWS, and tests/tiles check they agree.

INVALIDATE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION tiles.invalidate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bulk text[];
BEGIN
  -- Exclusive per changed layer until this transaction ends: a tile rendered
  -- meanwhile is not cached (see layers/tiles.py, _store), and a cache write in
  -- progress finishes first, so the DELETEs below see its row.
  PERFORM pg_advisory_xact_lock(7469, hashtext(l.layer))
  FROM (SELECT DISTINCT layer FROM changes ORDER BY layer) l;
  INSERT INTO tiles.generation AS g (layer, n)
  SELECT layer, 1 FROM changes GROUP BY layer
  ON CONFLICT (layer) DO UPDATE SET n = g.n + 1;
  -- A bulk load drops the layer's tiles instead of matching every row.
  SELECT coalesce(array_agg(layer), '{}') INTO bulk
  FROM (SELECT layer FROM changes GROUP BY layer HAVING count(*) > 10000) b;
  IF cardinality(bulk) > 0 THEN
    DELETE FROM tiles.cache WHERE layers && bulk;
  END IF;
  -- Exactly the tiles whose selection envelope meets an old or new geometry.
  DELETE FROM tiles.cache c
  USING (
    SELECT DISTINCT ch.layer, ST_Envelope(ST_SetSRID(ST_GeomFromGeoJSON(v.doc -> 'geom'), 4326)) AS box
    FROM changes ch, LATERAL (VALUES (ch.old), (ch.new)) AS v(doc)
    WHERE v.doc ? 'geom' AND NOT ch.layer = ANY(bulk)
  ) changed
  WHERE c.envelope && changed.box AND c.layers @> ARRAY[changed.layer];
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS tiles')
    op.execute("""
        CREATE UNLOGGED TABLE tiles.cache (
            key text NOT NULL,
            z smallint NOT NULL,
            x integer NOT NULL,
            y integer NOT NULL,
            layers text[] NOT NULL,
            envelope geometry(Polygon, 4326) NOT NULL,
            etag text NOT NULL,
            mvt bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (key, z, x, y)
        )""")
    op.execute('CREATE INDEX ix_tiles_cache_envelope ON tiles.cache USING gist (envelope)')
    op.execute("""
        CREATE UNLOGGED TABLE tiles.generation (
            layer text PRIMARY KEY,
            n bigint NOT NULL
        )""")
    op.execute(INVALIDATE_FUNCTION_SQL)
    op.execute(
        'CREATE TRIGGER tile_cache_invalidate AFTER INSERT ON core.feature_history '
        'REFERENCING NEW TABLE AS changes FOR EACH STATEMENT EXECUTE FUNCTION tiles.invalidate()'
    )


def downgrade() -> None:
    op.execute('DROP TRIGGER IF EXISTS tile_cache_invalidate ON core.feature_history')
    op.execute('DROP SCHEMA IF EXISTS tiles CASCADE')
