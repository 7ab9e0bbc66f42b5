"""Flood hazard zones (the hazard raster vectorised per class) and flood exposure per hazard class

`flood_hazard_zones`: one MultiPolygon per hazard class, written by
services/analysis/hazard_zones.py. `flood_exposure` gains the exposure in each
class (people, schools, health facilities, angkot route km and stops), so the
InaSAFE-style table per kelurahan and class is kept, not only the total.

Revision ID: 0010f
Revises: 0009
Create Date: 2026-11-30 06:20:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0010f'
down_revision = '0009'
branch_labels = None
depends_on = None

CLASSES = ('rendah', 'sedang', 'tinggi')
# Per hazard class (flood_exposure.yaml). Names stay unique in their first 10
# characters, so a Shapefile export keeps them apart.
EXPOSURE_COLUMNS = {f'{pattern.format(kelas)}': kind for pattern, kind in (
    ('jiwa_{}', sa.Integer), ('sekolah_{}', sa.Integer), ('faskes_{}', sa.Integer),
    ('trayek_{}_km', sa.Double), ('halte_{}', sa.Integer)) for kelas in CLASSES}


def upgrade() -> None:
    op.create_geospatial_table('flood_hazard_zones',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kelas', sa.Text(), nullable=False),
    sa.Column('indeks_dari', sa.Double(), nullable=True),
    sa.Column('indeks_sampai', sa.Double(), nullable=True),
    sa.Column('luas_km2', sa.Double(), nullable=True),
    sa.Column('jumlah_sel', sa.Integer(), nullable=True),
    sa.Column('ukuran_sel_m', sa.Double(), nullable=True),
    sa.Column('sintetis', sa.Boolean(), nullable=True),
    sa.Column('raster', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kelas', name='uq_flood_hazard_zones_kelas'),
    schema='layers'
    )
    op.create_geospatial_index('idx_flood_hazard_zones_geom', 'flood_hazard_zones', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('flood_hazard_zones'):
        op.execute(statement)
    op.add_column('flood_exposure', sa.Column('halte_terpapar', sa.Integer(), nullable=True), schema='layers')
    for name, kind in EXPOSURE_COLUMNS.items():
        op.add_column('flood_exposure', sa.Column(name, kind(), nullable=True), schema='layers')


def downgrade() -> None:
    for name in EXPOSURE_COLUMNS:
        op.drop_column('flood_exposure', name, schema='layers')
    op.drop_column('flood_exposure', 'halte_terpapar', schema='layers')
    op.drop_geospatial_index('idx_flood_hazard_zones_geom', table_name='flood_hazard_zones', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('flood_hazard_zones', schema='layers')
