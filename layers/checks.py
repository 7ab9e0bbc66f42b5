"""Fail fast when the database does not match the declarations."""

from __future__ import annotations

from sqlalchemy import text

from layers.errors import Problem, SchemaMismatch
from layers.registry import Registry, get_registry
from layers.schema import LAYER_SCHEMA, column_type
from layers.tables import Bind, reading

COLUMNS_SQL = text(
    "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = :schema"
)
GEOMETRY_SQL = text(
    "SELECT f_table_name, type, srid FROM geometry_columns "
    "WHERE f_table_schema = :schema AND f_geometry_column = 'geom'"
)
PG_TYPE_NAMES = {
    "TEXT": "text", "INTEGER": "integer", "DOUBLE": "double precision", "BOOLEAN": "boolean",
    "DATE": "date", "TIMESTAMP": "timestamp with time zone",
}


def verify_database(bind: Bind, registry: Registry | None = None) -> None:
    """Raise SchemaMismatch naming every missing table, column, type or SRID mismatch."""
    registry = registry or get_registry()
    with reading(bind) as conn:
        columns: dict[str, dict[str, str]] = {}
        for table, column, data_type in conn.execute(COLUMNS_SQL, {"schema": LAYER_SCHEMA}):
            columns.setdefault(table, {})[column] = data_type
        geometry = {t: (g, s) for t, g, s in conn.execute(GEOMETRY_SQL, {"schema": LAYER_SCHEMA})}
    problems: list[Problem] = []
    for spec in registry:
        found = columns.get(spec.table)
        if found is None:
            problems.append(Problem(spec.id, "table is missing (run: python -m webgis db migrate)"))
            continue
        for prop in spec.properties:
            expected = PG_TYPE_NAMES[column_type(prop.type).__class__.__name__.upper()]
            actual = found.get(prop.name)
            if actual is None:
                problems.append(Problem(spec.id, f"column {prop.name!r} is missing"))
            elif actual != expected:
                problems.append(Problem(spec.id, f"column {prop.name!r} is {actual}, declared {expected}"))
        gtype, srid = geometry.get(spec.table, (None, None))
        if gtype != spec.geometry.upper() or srid != spec.srid:
            problems.append(Problem(spec.id, f"geometry is {gtype}/{srid}, declared {spec.geometry.upper()}/{spec.srid}"))
    if problems:
        raise SchemaMismatch("the database does not match the layer declarations", problems)
