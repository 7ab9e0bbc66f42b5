"""SIMBADA, the city's assets (issue 19 item 1): the layers assets_areas, assets_lines, assets_points

Revision ID: 0023_assets
Revises: 0023_sirs
Create Date: 2026-12-07 19:30:00

Schema `assets` (services/assets): `kode_seq`, the register's running number shared by the three
layers (an asset code never repeats, whichever layer holds it), and `inventory_visits`, one row per
visit of staff to an asset (who, when, where they stood, the condition seen, the photo).
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0023_assets'
down_revision = '0023_sirs'
branch_labels = None
depends_on = None

LAYERS = {'assets_areas': 'MULTIPOLYGON', 'assets_lines': 'MULTILINESTRING', 'assets_points': 'POINT'}


def _columns(geometry_type: str) -> list:
    return [
        sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('kode_aset', sa.Text(), nullable=False),
        sa.Column('nama', sa.Text(), nullable=False),
        sa.Column('kib', sa.Text(), nullable=False),
        sa.Column('kategori', sa.Text(), nullable=False),
        sa.Column('agency', sa.Text(), nullable=False),
        sa.Column('tahun_perolehan', sa.Integer(), nullable=False),
        sa.Column('nilai_perolehan', sa.Double(), nullable=False),
        sa.Column('kondisi', sa.Text(), nullable=False),
        sa.Column('asal', sa.Text(), nullable=False),
        sa.Column('asal_ref', sa.Text(), nullable=True),
        sa.Column('luas_m2', sa.Double(), nullable=True),
        sa.Column('panjang_m', sa.Double(), nullable=True),
        sa.Column('kode_kel', sa.Text(), nullable=True),
        sa.Column('nama_kel', sa.Text(), nullable=True),
        sa.Column('nama_kec', sa.Text(), nullable=True),
        sa.Column('inventarisasi_terakhir', sa.Date(), nullable=True),
        sa.Column('keterangan', sa.Text(), nullable=True),
        sa.Column('pemegang_barang', sa.Text(), nullable=True),
        sa.Column('nip_pemegang_barang', sa.Text(), nullable=True),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type=geometry_type, srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


def upgrade() -> None:
    for layer, geometry_type in LAYERS.items():
        op.create_geospatial_table(layer, *_columns(geometry_type),
                                   sa.PrimaryKeyConstraint('fid'),
                                   sa.UniqueConstraint('kode_aset', name=f'uq_{layer}_kode_aset'),
                                   schema='layers')
        op.create_geospatial_index(f'idx_{layer}_geom', layer, ['geom'], unique=False, schema='layers',
                                   postgresql_using='gist', postgresql_ops={})
        for statement in history_triggers_sql(layer):
            op.execute(statement)
        # Found by name in the map's search (layers/search.py's trigram index).
        for prop in ('nama', 'kode_aset'):
            op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{layer}_{prop}" ON layers."{layer}" '
                       f'USING gin (core.search_key("{prop}") gin_trgm_ops)')
    op.execute("CREATE SCHEMA IF NOT EXISTS assets")
    op.execute("CREATE SEQUENCE assets.kode_seq")
    op.execute("""CREATE TABLE assets.inventory_visits (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        layer text NOT NULL,
        kode_aset text NOT NULL,
        agency text NOT NULL,
        visited_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        kondisi text NOT NULL CHECK (kondisi IN ('baik', 'rusak_ringan', 'rusak_berat')),
        kondisi_sebelumnya text NOT NULL,
        catatan text NOT NULL DEFAULT '',
        distance_m double precision NOT NULL,
        photo text NOT NULL,
        geom geometry(Point, 4326) NOT NULL)""")
    op.execute("CREATE INDEX inventory_visits_asset ON assets.inventory_visits (kode_aset, visited_at)")


def downgrade() -> None:
    op.execute("DROP SCHEMA assets CASCADE")
    for layer in LAYERS:
        op.drop_geospatial_index(f'idx_{layer}_geom', table_name=layer, schema='layers', postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(layer, schema='layers')
