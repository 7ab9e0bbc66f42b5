"""Tile cache: keep the MVT bytes uncompressed

A cold z12-z14 tile of a dense point layer is ~0.5-1 MB; pglz compressing it on
the way into tiles.cache cost ~40 ms of the database's CPU per tile (measured on
the 1,000,000-point benchmark layer), for a saving of about half the size of a
cache that holds a few thousand tiles and is cheap to lose. STORAGE EXTERNAL
keeps large values out of line but uncompressed. Rows already cached stay as
they are (they are read the same way).

Revision ID: 0010b
Revises: 0009
Create Date: 2026-11-30 06:10:00
"""
from alembic import op


revision = '0010b'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE tiles.cache ALTER COLUMN mvt SET STORAGE EXTERNAL')


def downgrade() -> None:
    op.execute('ALTER TABLE tiles.cache ALTER COLUMN mvt SET STORAGE EXTENDED')
