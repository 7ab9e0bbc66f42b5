"""Civil registration (issue 18, service 4): the private case layer of Disdukcapil's applications

`civil_cases` (services/civil/layers/civil_cases.yaml) holds the birth, death, moving-out and
moving-in applications with every personal field; its history is kept like every layer's. No
public layer is derived from it: the public sees only counts per kelurahan and month, with small
counts suppressed, computed on request (services/civil/stats.py).

Revision ID: 0022_civil
Revises: 0022_waste
Create Date: 2026-12-07 17:20:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0022_civil'
down_revision = '0022_waste'
branch_labels = None
depends_on = None

TABLE = 'civil_cases'


def _columns() -> list:
    return [
        sa.Column('case_ref', sa.Text(), nullable=False),
        sa.Column('service', sa.Text(), nullable=False),
        sa.Column('status', sa.Text(), nullable=False),
        sa.Column('agency', sa.Text(), nullable=False),
        sa.Column('submitted_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column('state_since', postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column('due_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column('kode_kel', sa.Text(), nullable=True),
        sa.Column('nama_kel', sa.Text(), nullable=True),
        sa.Column('nama_kec', sa.Text(), nullable=True),
        sa.Column('address', sa.Text(), nullable=True),
        sa.Column('findings', sa.Text(), nullable=True),
        sa.Column('fee', sa.Integer(), nullable=True),
        sa.Column('public_note', sa.Text(), nullable=True),
        sa.Column('nama_pemohon', sa.Text(), nullable=True),
        sa.Column('nik_pemohon', sa.Text(), nullable=True),
        sa.Column('email_pemohon', sa.Text(), nullable=True),
        sa.Column('telp_pemohon', sa.Text(), nullable=True),
        sa.Column('hubungan', sa.Text(), nullable=True),
        sa.Column('nama_subjek', sa.Text(), nullable=True),
        sa.Column('nik_subjek', sa.Text(), nullable=True),
        sa.Column('jenis_kelamin', sa.Text(), nullable=True),
        sa.Column('tempat_lahir', sa.Text(), nullable=True),
        sa.Column('tanggal_lahir', sa.Text(), nullable=True),
        sa.Column('tanggal_peristiwa', sa.Text(), nullable=True),
        sa.Column('tempat_peristiwa', sa.Text(), nullable=True),
        sa.Column('nama_ibu', sa.Text(), nullable=True),
        sa.Column('nik_ibu', sa.Text(), nullable=True),
        sa.Column('nama_ayah', sa.Text(), nullable=True),
        sa.Column('nik_ayah', sa.Text(), nullable=True),
        sa.Column('alamat_lain', sa.Text(), nullable=True),
        sa.Column('kota_lain', sa.Text(), nullable=True),
        sa.Column('nomor_skpwni', sa.Text(), nullable=True),
        sa.Column('jumlah_pengikut', sa.Integer(), nullable=True),
        sa.Column('akun_pemohon', sa.Text(), nullable=True),
        sa.Column('attachment_files', sa.Text(), nullable=True),
        sa.Column('assigned_to', sa.Text(), nullable=True),
        sa.Column('internal_notes', sa.Text(), nullable=True),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False,
                                   from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


def upgrade() -> None:
    op.create_geospatial_table(
        TABLE, sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False), *_columns(),
        sa.PrimaryKeyConstraint('fid'),
        sa.UniqueConstraint('case_ref', name=f'uq_{TABLE}_case_ref'), schema='layers')
    op.create_geospatial_index(f'idx_{TABLE}_geom', TABLE, ['geom'], unique=False, schema='layers',
                               postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql(TABLE):
        op.execute(statement)


def downgrade() -> None:
    op.drop_geospatial_index(f'idx_{TABLE}_geom', table_name=TABLE, schema='layers',
                             postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table(TABLE, schema='layers')
