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

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0023_assets'
down_revision = '0023_sirs'
branch_labels = None
depends_on = None

LAYERS = {'assets_areas': 'MULTIPOLYGON', 'assets_lines': 'MULTILINESTRING', 'assets_points': 'POINT'}


def _columns() -> list:
    return [
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
    ]


def upgrade() -> None:
    for layer, geometry_type in LAYERS.items():
        # Found by name in the map's search (layers/search.py's trigram index).
        create_layer_table(layer, geometry_type, _columns(), key='kode_aset', searched=('nama', 'kode_aset'))
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
        drop_layer_table(layer)
