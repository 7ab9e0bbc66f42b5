"""The parks layer and the park Wi-Fi access points (a device layer), issue 20 item 7

Written by hand after the declarations (layers/declarations/parks.yaml, wifi_access_points.yaml),
in the shape of 0010e: the tables, their GiST indexes and the history triggers.

Revision ID: 0024_wifi
Revises: 0024_tourism
Create Date: 2026-12-07 20:30:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0024_wifi'
down_revision = '0024_tourism'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('parks',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('kelurahan', sa.Text(), nullable=True),
    sa.Column('kecamatan', sa.Text(), nullable=True),
    sa.Column('wifi', sa.Boolean(), nullable=True),
    sa.Column('ketelitian_m', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_parks_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_parks_geom', 'parks', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('parks'):
        op.execute(statement)

    op.create_geospatial_table('wifi_access_points',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('dipasang', sa.Date(), nullable=True),
    sa.Column('taman', sa.Text(), nullable=False),
    sa.Column('modbus_host', sa.Text(), nullable=True),
    sa.Column('modbus_port', sa.Integer(), nullable=True),
    sa.Column('modbus_unit', sa.Integer(), nullable=True),
    sa.Column('modbus_transport', sa.Text(), nullable=True),
    sa.Column('poll_interval_s', sa.Double(), nullable=True),
    sa.Column('poll_timeout_s', sa.Double(), nullable=True),
    sa.Column('poll_retries', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_wifi_access_points_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_wifi_access_points_geom', 'wifi_access_points', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('wifi_access_points'):
        op.execute(statement)
    # The trigram indexes of the declared `search:` properties (layers/search.py, checked by tests/layers/test_search.py).
    for table, column in (("parks", "nama"), ("wifi_access_points", "nama"), ("wifi_access_points", "kode")):
        op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{table}_{column}" ON layers."{table}" '
                   f'USING gin (core.search_key("{column}") gin_trgm_ops)')


def downgrade() -> None:
    op.drop_geospatial_index('idx_wifi_access_points_geom', table_name='wifi_access_points', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('wifi_access_points', schema='layers')
    op.drop_geospatial_index('idx_parks_geom', table_name='parks', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('parks', schema='layers')
