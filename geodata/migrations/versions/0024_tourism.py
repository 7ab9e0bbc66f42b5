"""Tourism information (issue 20 item 4)

Revision ID: 0024_tourism
Revises: 0023_dss
Create Date: 2026-12-07 20:20:00

- Layers `tourism_sites` (points: the real sites of services/tourism/catalogue.yaml) and
  `tourism_walks` (lines: suggested walks through them), with their history triggers and the map
  search's trigram indexes.
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0024_tourism'
down_revision = '0023_dss'
branch_labels = None
depends_on = None

TS = postgresql.TIMESTAMP(timezone=True)
LAYERS = {'tourism_sites': ('POINT', 'kode_wisata', ['nama', 'alamat']),
          'tourism_walks': ('LINESTRING', 'kode_rute', ['nama_id', 'nama_en'])}


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _columns(layer: str) -> list:
    if layer == 'tourism_sites':
        return [_text('kode_wisata', False), _text('nama', False), _text('jenis', False),
                _text('uraian_id', False), _text('uraian_en', False), _text('alamat'), _text('jam_buka'),
                sa.Column('kursi_roda', sa.Boolean(), nullable=False), sa.Column('toilet', sa.Boolean(), nullable=False),
                sa.Column('parkir', sa.Boolean(), nullable=False), _text('foto'), _text('sumber_lokasi', False),
                sa.Column('ketelitian_m', sa.Integer(), nullable=True),
                _text('kode_kel'), _text('nama_kel'), _text('nama_kec')]
    return [_text('kode_rute', False), _text('nama_id', False), _text('nama_en', False), _text('uraian_id'),
            _text('uraian_en'), _text('halte', False), sa.Column('jarak_m', sa.Integer(), nullable=False),
            sa.Column('waktu_menit', sa.Integer(), nullable=False)]


def upgrade() -> None:
    for name, (geometry, key, search) in LAYERS.items():
        op.create_geospatial_table(name,
            sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
            *_columns(name),
            sa.Column('source', sa.Text(), nullable=False),
            sa.Column('geom', Geometry(geometry_type=geometry, srid=4326, dimension=2, spatial_index=False,
                                       from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
            sa.Column('updated_at', TS, server_default=sa.text('now()'), nullable=False),
            sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
            sa.PrimaryKeyConstraint('fid'),
            sa.UniqueConstraint(key, name=f'uq_{name}_{key}'),
            schema='layers')
        op.create_geospatial_index(f'idx_{name}_geom', name, ['geom'], unique=False, schema='layers',
                                   postgresql_using='gist', postgresql_ops={})
        for statement in history_triggers_sql(name):
            op.execute(statement)
        for prop in search:
            op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{name}_{prop}" ON layers."{name}" '
                       f'USING gin (core.search_key("{prop}") gin_trgm_ops)')


def downgrade() -> None:
    for name in LAYERS:
        op.drop_geospatial_index(f'idx_{name}_geom', table_name=name, schema='layers',
                                 postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(name, schema='layers')
