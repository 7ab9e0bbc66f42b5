"""Tourism information (issue 20 item 4)

Revision ID: 0024_tourism
Revises: 0023_dss
Create Date: 2026-12-07 20:20:00

- Layers `tourism_sites` (points: the real sites of services/tourism/catalogue.yaml) and
  `tourism_walks` (lines: suggested walks through them), with their history triggers and the map
  search's trigram indexes.
"""
import sqlalchemy as sa

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0024_tourism'
down_revision = '0023_dss'
branch_labels = None
depends_on = None

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
        create_layer_table(name, geometry, _columns(name), key=key, searched=search)


def downgrade() -> None:
    for name in LAYERS:
        drop_layer_table(name)
