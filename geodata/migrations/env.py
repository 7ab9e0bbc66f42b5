"""Alembic environment: the target schema is derived from the layer registry."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from layers.registry import get_registry
from layers.schema import CORE_SCHEMA, LAYER_SCHEMA, build_metadata
from layers.search import PERFORMANCE_INDEX_PREFIX, SEARCH_INDEX_PREFIX

config = context.config
target_metadata = build_metadata(get_registry())
MANAGED_SCHEMAS = {LAYER_SCHEMA, CORE_SCHEMA}


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    # Only the schemas we manage; other rooms (devices, services) own theirs.
    schema = getattr(obj, "schema", None) or getattr(getattr(obj, "table", None), "schema", None)
    if type_ == "table" and schema not in MANAGED_SCHEMAS:
        return False
    if type_ == "index" and reflected and name.startswith((SEARCH_INDEX_PREFIX, PERFORMANCE_INDEX_PREFIX)):
        return False  # search indexes come from `search` lists (layers/search.py), not table metadata
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        version_table_schema=CORE_SCHEMA,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
