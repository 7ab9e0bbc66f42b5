"""Waste collection fees (issue 18): the layers tps, waste_routes, waste_customers and the monthly fees

Revision ID: 0022_waste
Revises: 0020_poller_leases
Create Date: 2026-12-07 17:05:00

Schema `waste` (services/waste): `retribusi`, one row per customer and month: the class and fee as
billed, the due date, and the payment that settled it (a bill of services/engine/payments, at most one).
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0022_waste'
down_revision = '0020_poller_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('tps',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_tps', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('jenis', sa.Text(), nullable=False),
    sa.Column('kapasitas_m3', sa.Double(), nullable=True),
    sa.Column('kode_rute', sa.Text(), nullable=True),
    sa.Column('jadwal', sa.Text(), nullable=True),
    sa.Column('kode_kel', sa.Text(), nullable=True),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_tps', name='uq_tps_kode_tps'),
    schema='layers'
    )
    op.create_geospatial_index('idx_tps_geom', 'tps', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('tps'):
        op.execute(statement)
    op.create_geospatial_table('waste_routes',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_rute', sa.Text(), nullable=False),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('hari', sa.Text(), nullable=False),
    sa.Column('jumlah_tps', sa.Integer(), nullable=True),
    sa.Column('panjang_km', sa.Double(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_rute', name='uq_waste_routes_kode_rute'),
    schema='layers'
    )
    op.create_geospatial_index('idx_waste_routes_geom', 'waste_routes', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('waste_routes'):
        op.execute(statement)
    op.create_geospatial_table('waste_customers',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('nomor_pelanggan', sa.Text(), nullable=False),
    sa.Column('kelas', sa.Text(), nullable=False),
    sa.Column('kode_tps', sa.Text(), nullable=False),
    sa.Column('lunas_sampai', sa.Text(), nullable=True),
    sa.Column('kode_kel', sa.Text(), nullable=False),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('nama_wr', sa.Text(), nullable=True),
    sa.Column('akun_wr', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('nomor_pelanggan', name='uq_waste_customers_nomor_pelanggan'),
    schema='layers'
    )
    op.create_geospatial_index('idx_waste_customers_geom', 'waste_customers', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('waste_customers'):
        op.execute(statement)
    # The collection points are found by name in the map's search (layers/search.py's trigram index).
    op.execute('CREATE INDEX IF NOT EXISTS "ix_search_tps_nama" ON layers."tps" '
               'USING gin (core.search_key("nama") gin_trgm_ops)')
    op.execute("CREATE SCHEMA IF NOT EXISTS waste")
    op.execute("""CREATE TABLE waste.retribusi (
        nomor_pelanggan text NOT NULL,
        periode text NOT NULL CHECK (periode ~ '^20[0-9]{2}-(0[1-9]|1[0-2])$'),
        kelas text NOT NULL,
        kode_tps text NOT NULL,
        kode_kel text NOT NULL,
        jumlah bigint NOT NULL CHECK (jumlah > 0),
        jatuh_tempo date NOT NULL,
        nama text NOT NULL DEFAULT '',
        akun text NOT NULL DEFAULT '',
        issued_at timestamptz NOT NULL DEFAULT now(),
        paid_bill text,
        paid_at timestamptz,
        PRIMARY KEY (nomor_pelanggan, periode),
        CHECK ((paid_bill IS NULL) = (paid_at IS NULL)))""")
    op.execute("CREATE INDEX retribusi_periode ON waste.retribusi (periode, kode_kel)")
    op.execute("CREATE UNIQUE INDEX retribusi_paid_bill ON waste.retribusi (paid_bill) WHERE paid_bill IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP SCHEMA waste CASCADE")
    for layer in ('waste_customers', 'waste_routes', 'tps'):
        op.drop_geospatial_index(f'idx_{layer}_geom', table_name=layer, schema='layers', postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(layer, schema='layers')
