"""PBB-P2 tax bills (SPPT) of the PBB service (issue 18), and its layers

The layers `land_value_zones`, `tax_parcels` and `billboards` (services/pbb/layers/), as their
declarations say, with the history triggers every layer has.

Revision ID: 0021_pbb
Revises: 0020_payments_documents
Create Date: 2026-12-07 16:15:00

Schema `pbb` (services/pbb): `sppt`, one row per parcel (NOP) and tax year: the assessment as
computed when issued (every step, as printed on the SPPT), the SPPT document's code, and the payment
that settled it (the bill of services/engine/payments, at most one, with the amount paid including
interest for a late payment). The parcels themselves are the `tax_parcels` layer.
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0021_pbb'
down_revision = '0020_payments_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('land_value_zones',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_znt', sa.Text(), nullable=False),
    sa.Column('nilai_per_m2', sa.Integer(), nullable=False),
    sa.Column('kode_kel', sa.Text(), nullable=False),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('tahun', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_znt', name='uq_land_value_zones_kode_znt'),
    schema='layers'
    )
    op.create_geospatial_index('idx_land_value_zones_geom', 'land_value_zones', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('land_value_zones'):
        op.execute(statement)
    op.create_geospatial_table('tax_parcels',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('nop', sa.Text(), nullable=False),
    sa.Column('kode_kel', sa.Text(), nullable=False),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('alamat_objek', sa.Text(), nullable=True),
    sa.Column('luas_tanah_m2', sa.Double(), nullable=False),
    sa.Column('luas_bangunan_m2', sa.Double(), nullable=False),
    sa.Column('kelas_bangunan', sa.Text(), nullable=True),
    sa.Column('kode_znt', sa.Text(), nullable=False),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('wajib_pajak', sa.Text(), nullable=True),
    sa.Column('akun_wajib_pajak', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('nop', name='uq_tax_parcels_nop'),
    schema='layers'
    )
    op.create_geospatial_index('idx_tax_parcels_geom', 'tax_parcels', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('tax_parcels'):
        op.execute(statement)
    op.create_geospatial_table('billboards',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_reklame', sa.Text(), nullable=False),
    sa.Column('jenis', sa.Text(), nullable=False),
    sa.Column('lebar_m', sa.Double(), nullable=False),
    sa.Column('tinggi_m', sa.Double(), nullable=False),
    sa.Column('sisi', sa.Integer(), nullable=False),
    sa.Column('kelas_jalan', sa.Text(), nullable=False),
    sa.Column('pajak_tahunan', sa.Integer(), nullable=True),
    sa.Column('berlaku_sampai', sa.Date(), nullable=True),
    sa.Column('kode_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('pemegang_izin', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_reklame', name='uq_billboards_kode_reklame'),
    schema='layers'
    )
    op.create_geospatial_index('idx_billboards_geom', 'billboards', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('billboards'):
        op.execute(statement)
    op.execute("CREATE SCHEMA IF NOT EXISTS pbb")
    op.execute("""CREATE TABLE pbb.sppt (
        nop text NOT NULL,
        tahun integer NOT NULL CHECK (tahun BETWEEN 2000 AND 2100),
        kode_kel text NOT NULL,
        luas_tanah_m2 numeric NOT NULL,
        luas_bangunan_m2 numeric NOT NULL,
        kode_znt text NOT NULL,
        nilai_per_m2 bigint NOT NULL,
        kelas_bangunan text,
        njop_tanah bigint NOT NULL,
        njop_bangunan bigint NOT NULL,
        njop bigint NOT NULL,
        njoptkp bigint NOT NULL,
        dasar_pengenaan bigint NOT NULL,
        tarif numeric NOT NULL,
        pbb_terutang bigint NOT NULL CHECK (pbb_terutang > 0),
        jatuh_tempo date NOT NULL,
        wajib_pajak text NOT NULL DEFAULT '',
        akun_wajib_pajak text NOT NULL DEFAULT '',
        document_code text NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        paid_bill text,
        paid_at timestamptz,
        paid_amount bigint,
        PRIMARY KEY (nop, tahun),
        CHECK ((paid_bill IS NULL) = (paid_at IS NULL) AND (paid_bill IS NULL) = (paid_amount IS NULL)))""")
    op.execute("CREATE INDEX sppt_kelurahan ON pbb.sppt (tahun, kode_kel)")
    op.execute("CREATE UNIQUE INDEX sppt_paid_bill ON pbb.sppt (paid_bill) WHERE paid_bill IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP SCHEMA pbb CASCADE")
    for layer in ('billboards', 'tax_parcels', 'land_value_zones'):
        op.drop_geospatial_index(f'idx_{layer}_geom', table_name=layer, schema='layers', postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(layer, schema='layers')
