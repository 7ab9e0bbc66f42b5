"""Tables derived from the declarations: the SQLAlchemy metadata Alembic compares against.

Each layer is a table `layers.<id>` with a bigint `fid`, one typed column per
declared property, the feature's `source`, its geometry (SRID 4326, GiST
index), and `updated_at`/`version` kept by a trigger for optimistic locking.
Every change to a row is recorded by statement-level triggers in
`core.feature_history` (see HISTORY_FUNCTION_TEMPLATE).
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Double,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.types import TypeEngine

from layers.model import LayerSpec
from layers.registry import Registry

LAYER_SCHEMA = "layers"
CORE_SCHEMA = "core"

COLUMN_TYPES: dict[str, type[TypeEngine]] = {
    "string": Text,
    "integer": Integer,
    "number": Double,
    "boolean": Boolean,
    "date": Date,
}


def column_type(type_name: str) -> TypeEngine:
    if type_name == "datetime":
        return TIMESTAMP(timezone=True)
    return COLUMN_TYPES[type_name]()


def layer_table(spec: LayerSpec, metadata: MetaData) -> Table:
    columns = [
        Column("fid", BigInteger, Identity(always=False), primary_key=True),
        *(
            Column(p.name, column_type(p.type), nullable=not p.required)
            for p in spec.properties
        ),
        Column("source", Text, nullable=False),
        Column(
            "geom",
            Geometry(geometry_type=spec.geometry.upper(), srid=spec.srid, spatial_index=True),
            nullable=False,
        ),
        Column("updated_at", TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")),
        Column("version", Integer, nullable=False, server_default=text("1")),
    ]
    constraints = []
    if spec.key:
        constraints.append(UniqueConstraint(spec.key, name=f"uq_{spec.table}_{spec.key}"))
    return Table(spec.table, metadata, *columns, *constraints, schema=LAYER_SCHEMA)


def history_table(metadata: MetaData) -> Table:
    return Table(
        "feature_history",
        metadata,
        Column("id", BigInteger, Identity(always=False), primary_key=True),
        Column("layer", Text, nullable=False),
        Column("fid", BigInteger, nullable=False),
        Column("op", Text, nullable=False),
        Column("at", TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")),
        Column("actor", Text, nullable=False),
        Column("old", JSONB),
        Column("new", JSONB),
        CheckConstraint("op IN ('insert', 'update', 'delete')", name="ck_feature_history_op"),
        Index("ix_feature_history_layer_fid", "layer", "fid", "id"),
        schema=CORE_SCHEMA,
    )


def build_metadata(registry: Registry) -> MetaData:
    metadata = MetaData()
    history_table(metadata)
    for spec in registry:
        layer_table(spec, metadata)
    return metadata


# Statement-level triggers with transition tables: one INSERT ... SELECT per
# statement keeps bulk loads fast while still recording every row.
#
# A bulk insert (more than HISTORY_BULK_INSERT_ROWS rows in one statement)
# records each row's event (layer, fid, op, actor, at) with `new` = NULL: a
# row's first state is its `old` in its next event, or the live row when there
# is none, and layers.features rebuilds it from there (feature_history,
# restore_feature). Writing the JSON document per row cost as much as loading
# the row. The threshold is the one above which tiles.invalidate (0005) drops
# the layer's cached tiles instead of matching each row's geometry, so tile
# invalidation never needs a bulk insert's `new`; small inserts keep it.
#
# Rows become
# JSON without to_jsonb's geometry cast, which looks up spatial_ref_sys once
# per row (~200 us: longer than loading the row); ST_AsGeoJSON(g, 15, 2) gives
# the same JSON (15 digits, short CRS member) with the lookup cached. The
# column list comes from the catalogue, so one function serves every layer.
HISTORY_BULK_INSERT_ROWS = 10_000
# Set (transaction-local) to a table name by the bulk loader while it COPYs rows
# whose history it writes itself; see layers.frames.bulk.reserve_fids.
HISTORY_BY_LOADER = "webgis.history_by_loader"

HISTORY_FUNCTION_TEMPLATE = """
CREATE OR REPLACE FUNCTION core.record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  who text := coalesce(nullif(current_setting('webgis.actor', true), ''), session_user);
  plain text;
  spatial text;
  doc text;
BEGIN
  -- Nested: a DELETE trigger has no new_rows, and the condition is planned as a whole.
  IF TG_OP = 'INSERT' THEN
    -- layers.frames.load_batches writes the events of its bulk COPY itself, in
    -- one COPY into core.feature_history, and says so for this table only.
    IF current_setting('%(by_loader)s', true) = TG_TABLE_NAME THEN
      RETURN NULL;
    END IF;
    IF (SELECT count(*) FROM (SELECT FROM new_rows LIMIT %(bulk)s + 1) s) > %(bulk)s THEN
      INSERT INTO core.feature_history (layer, fid, op, actor)
      SELECT TG_TABLE_NAME, x.fid, 'insert', who FROM new_rows x;
      RETURN NULL;
    END IF;
  END IF;
  SELECT string_agg(format('x.%I', attname), ', ' ORDER BY attnum)
           FILTER (WHERE atttypid <> 'geometry'::regtype),
         string_agg(format('%L, ST_AsGeoJSON(x.%I, 15, 2)::jsonb', attname, attname), ', ' ORDER BY attnum)
           FILTER (WHERE atttypid = 'geometry'::regtype)
    INTO plain, spatial
    FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped;
  doc := format('(SELECT to_jsonb(r) FROM (SELECT %s) r)', plain);
  IF spatial IS NOT NULL THEN
    doc := format('%s || jsonb_build_object(%s)', doc, spatial);
  END IF;
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO core.feature_history (layer, fid, op, actor, new) '
                   'SELECT %L, x.fid, ''insert'', $1, %s FROM new_rows x', TG_TABLE_NAME, doc) USING who;
  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE format('INSERT INTO core.feature_history (layer, fid, op, actor, old, new) '
                   'SELECT %L, n.fid, ''update'', $1, (SELECT %s FROM (SELECT o.*) x), '
                   '(SELECT %s FROM (SELECT n.*) x) FROM old_rows o JOIN new_rows n ON n.fid = o.fid',
                   TG_TABLE_NAME, doc, doc) USING who;
  ELSE
    EXECUTE format('INSERT INTO core.feature_history (layer, fid, op, actor, old) '
                   'SELECT %L, x.fid, ''delete'', $1, %s FROM old_rows x', TG_TABLE_NAME, doc) USING who;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION core.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.fid <> OLD.fid THEN
    RAISE EXCEPTION 'the fid of a feature cannot change (% -> %)', OLD.fid, NEW.fid;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END $$;
"""


def history_function_sql(bulk_insert_rows: int = HISTORY_BULK_INSERT_ROWS) -> str:
    """DDL of core.record_history() and core.bump_version() with this bulk-insert threshold."""
    return (HISTORY_FUNCTION_TEMPLATE.replace("%(bulk)s", str(int(bulk_insert_rows)))
            .replace("%(by_loader)s", HISTORY_BY_LOADER))


HISTORY_FUNCTION_SQL = history_function_sql()


def history_triggers_sql(table: str) -> list[str]:
    """DDL attaching history and versioning triggers to `layers.<table>`."""
    qualified = f'{LAYER_SCHEMA}."{table}"'
    return [
        f"CREATE TRIGGER history_insert AFTER INSERT ON {qualified} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION core.record_history()",
        f"CREATE TRIGGER history_update AFTER UPDATE ON {qualified} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION core.record_history()",
        f"CREATE TRIGGER history_delete AFTER DELETE ON {qualified} "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION core.record_history()",
        f"CREATE TRIGGER bump_version BEFORE UPDATE ON {qualified} "
        "FOR EACH ROW EXECUTE FUNCTION core.bump_version()",
    ]
