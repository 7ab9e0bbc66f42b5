"""The DDL every layer table shares, for the migrations that add layers.

A layer's table is `fid` + the layer's own properties + `source`, `geom`, `updated_at` and
`version`, with a GiST index on `geom`, the history triggers (layers/schema.py), a unique key
when the layer has one, and a trigram index per searched property in the form layers/search.py
queries (`core.search_key(column)`). Migrations used to spell this out each time; a table built
here is the one the registry's drift checks expect. Only for migrations: it calls Alembic's `op`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql


def system_columns(geometry: str) -> list[sa.Column]:
    """The columns after a layer's own properties."""
    return [
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type=geometry, srid=4326, dimension=2, spatial_index=False,
                                   from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


def search_index(table: str, column: str, *, with_prefix: bool = False) -> None:
    """The trigram index layers/search.py uses for one searched property; `with_prefix` adds its b-tree
    twin for exact and prefix matches (migrations from 0025_gazetteer on, which made them for the
    layers before it)."""
    name = f"ix_search_{table}_{column}"
    op.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON layers."{table}" '
               f'USING gin (core.search_key("{column}") gin_trgm_ops)')
    if with_prefix:
        op.execute(f'CREATE INDEX IF NOT EXISTS "{_identifier(name + "_prefix")}" ON layers."{table}" '
                   f'(core.search_key("{column}") text_pattern_ops)')


def _identifier(name: str) -> str:
    """As layers/search.py names an index: PostgreSQL truncates identifiers at 63 bytes."""
    if len(name) > 63:
        name = f"{name[:54]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return name


def create_layer_table(table: str, geometry: str, columns: Iterable[sa.Column], *, key: str | None = None,
                       searched: Iterable[str] = (), with_prefix: bool = False) -> None:
    """layers.<table> with its GiST index, history triggers, unique `key` and search indexes."""
    constraints = [sa.PrimaryKeyConstraint('fid')]
    if key:
        constraints.append(sa.UniqueConstraint(key, name=f'uq_{table}_{key}'))
    op.create_geospatial_table(
        table, sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        *columns, *system_columns(geometry), *constraints, schema='layers')
    op.create_geospatial_index(f'idx_{table}_geom', table, ['geom'], unique=False, schema='layers',
                               postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql(table):
        op.execute(statement)
    for column in searched:
        search_index(table, column, with_prefix=with_prefix)


def drop_layer_table(table: str) -> None:
    op.drop_geospatial_index(f'idx_{table}_geom', table_name=table, schema='layers',
                             postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table(table, schema='layers')
