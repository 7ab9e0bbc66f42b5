"""The complaints layers (Open311): the staff view and its public companion

`complaints` holds everything a report says (contact, exact point, text) and is
read by staff only; `complaints_public` is the map's view (rounded point, no text,
no contact), kept in step by services/complaints in the same transaction.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 04:17:04.249474
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('complaints',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('service_request_id', sa.Text(), nullable=False),
    sa.Column('token', sa.Text(), nullable=True),
    sa.Column('service_code', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('requested_datetime', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('updated_datetime', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('attributes', sa.Text(), nullable=True),
    sa.Column('media', sa.Text(), nullable=True),
    sa.Column('kode_kel', sa.Text(), nullable=True),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('risk_class', sa.Text(), nullable=True),
    sa.Column('nearest_device', sa.Text(), nullable=True),
    sa.Column('device_distance_m', sa.Double(), nullable=True),
    sa.Column('device_alarm', sa.Text(), nullable=True),
    sa.Column('supporters', sa.Integer(), nullable=False),
    sa.Column('assigned_to', sa.Text(), nullable=True),
    sa.Column('status_notes', sa.Text(), nullable=True),
    sa.Column('internal_notes', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_email', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('service_request_id', name='uq_complaints_service_request_id'),
    schema='layers'
    )
    op.create_geospatial_index('idx_complaints_geom', 'complaints', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('complaints_public',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('service_request_id', sa.Text(), nullable=False),
    sa.Column('service_code', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('requested_datetime', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('updated_datetime', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('kode_kel', sa.Text(), nullable=True),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('agency', sa.Text(), nullable=False),
    sa.Column('supporters', sa.Integer(), nullable=False),
    sa.Column('status_notes', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('service_request_id', name='uq_complaints_public_service_request_id'),
    schema='layers'
    )
    op.create_geospatial_index('idx_complaints_public_geom', 'complaints_public', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for table in ('complaints', 'complaints_public'):
        for statement in history_triggers_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_geospatial_index('idx_complaints_public_geom', table_name='complaints_public', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('complaints_public', schema='layers')
    op.drop_geospatial_index('idx_complaints_geom', table_name='complaints', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('complaints', schema='layers')
