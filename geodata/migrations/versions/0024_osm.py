"""Streets and places from OpenStreetMap (issue 20, item 1): the layers osm_roads, osm_places, osm_pois

Revision ID: 0024_osm
Revises: 0024_wifi
Create Date: 2026-12-07 20:30:00

Filled by `python -m webgis basemap import FILE.osm.pbf` (geodata/osm.py), empty until then.
Keyed by the OpenStreetMap id ("way/123", "node/456"); names are found by the map's search
(trigram indexes on core.search_key, as layers/search.py expects).
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0024_osm'
down_revision = '0024_wifi'
branch_labels = None
depends_on = None


def _system_columns(geometry: str) -> list[sa.Column]:
    return [
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type=geometry, srid=4326, dimension=2, spatial_index=False,
                                   from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


def _roads() -> list[sa.Column]:
    return [
        sa.Column('osm_id', sa.Text(), nullable=False),
        sa.Column('nama', sa.Text(), nullable=True),
        sa.Column('kelas', sa.Text(), nullable=False),
        sa.Column('satu_arah', sa.Boolean(), nullable=False),
        sa.Column('ref', sa.Text(), nullable=True),
    ]


def _places() -> list[sa.Column]:
    return [
        sa.Column('osm_id', sa.Text(), nullable=False),
        sa.Column('nama', sa.Text(), nullable=False),
        sa.Column('jenis', sa.Text(), nullable=False),
    ]


def _pois() -> list[sa.Column]:
    return [
        sa.Column('osm_id', sa.Text(), nullable=False),
        sa.Column('nama', sa.Text(), nullable=False),
        sa.Column('kategori', sa.Text(), nullable=False),
        sa.Column('jenis', sa.Text(), nullable=False),
        sa.Column('agama', sa.Text(), nullable=True),
    ]


LAYERS = [('osm_roads', 'MULTILINESTRING', _roads), ('osm_places', 'POINT', _places), ('osm_pois', 'POINT', _pois)]
SEARCHED = [('osm_roads', 'nama'), ('osm_roads', 'ref'), ('osm_places', 'nama'), ('osm_pois', 'nama')]


def upgrade() -> None:
    for table, geometry, columns in LAYERS:
        op.create_geospatial_table(
            table, sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
            *columns(), *_system_columns(geometry),
            sa.PrimaryKeyConstraint('fid'), sa.UniqueConstraint('osm_id', name=f'uq_{table}_osm_id'), schema='layers')
        op.create_geospatial_index(f'idx_{table}_geom', table, ['geom'], unique=False, schema='layers',
                                   postgresql_using='gist', postgresql_ops={})
        for statement in history_triggers_sql(table):
            op.execute(statement)
    for table, column in SEARCHED:
        op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{table}_{column}" ON layers."{table}" '
                   f'USING gin (core.search_key("{column}") gin_trgm_ops)')


def downgrade() -> None:
    for table, *_ in reversed(LAYERS):
        op.drop_geospatial_index(f'idx_{table}_geom', table_name=table, schema='layers',
                                 postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(table, schema='layers')
