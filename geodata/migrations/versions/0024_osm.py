"""Streets and places from OpenStreetMap (issue 20, item 1): the layers osm_roads, osm_places, osm_pois

Revision ID: 0024_osm
Revises: 0024_wifi
Create Date: 2026-12-07 20:30:00

Filled by `python -m webgis basemap import FILE.osm.pbf` (geodata/osm.py), empty until then.
Keyed by the OpenStreetMap id ("way/123", "node/456"); names are found by the map's search
(trigram indexes on core.search_key, as layers/search.py expects).
"""
import sqlalchemy as sa

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0024_osm'
down_revision = '0024_wifi'
branch_labels = None
depends_on = None


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
        create_layer_table(table, geometry, columns(), key='osm_id',
                           searched=[column for searched, column in SEARCHED if searched == table])


def downgrade() -> None:
    for table, *_ in reversed(LAYERS):
        drop_layer_table(table)
