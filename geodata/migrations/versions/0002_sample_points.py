"""The sample_points layer (synthetic points for performance tests)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 03:26:53.649457
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('sample_points',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('kategori', sa.Text(), nullable=False),
    sa.Column('nilai', sa.Double(), nullable=True),
    sa.Column('waktu', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_sample_points_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_sample_points_geom', 'sample_points', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('sample_points'):
        op.execute(statement)


def downgrade() -> None:
    op.drop_geospatial_index('idx_sample_points_geom', table_name='sample_points', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('sample_points', schema='layers')
