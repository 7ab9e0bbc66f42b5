"""The school_zones layer: each public school's PPDB zone, computed by services/ppdb/zones.py

Written by hand after the declaration (layers/declarations/school_zones.yaml),
in the shape of 0008: the table, its GiST index and the history triggers.
Branches from 0009 like the other layers of this round; the heads are merged later.

Revision ID: 0010e
Revises: 0009
Create Date: 2026-11-30 06:10:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0010e'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('school_zones',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('npsn', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('jenjang', sa.Text(), nullable=False),
    sa.Column('radius_m', sa.Double(), nullable=False),
    sa.Column('luas_km2', sa.Double(), nullable=True),
    sa.Column('dihitung_dari', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('npsn', name='uq_school_zones_npsn'),
    schema='layers'
    )
    op.create_geospatial_index('idx_school_zones_geom', 'school_zones', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('school_zones'):
        op.execute(statement)


def downgrade() -> None:
    op.drop_geospatial_index('idx_school_zones_geom', table_name='school_zones', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('school_zones', schema='layers')
