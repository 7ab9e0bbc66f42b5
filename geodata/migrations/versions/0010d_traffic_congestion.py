"""The traffic congestion layer (ATCS detectors aggregated per intersection) and the
link from a device alarm to the complaint report it opened

`traffic_congestion` is written by devices/traffic.py (the poller or
`python -m devices traffic`); devices.alarms.report_id holds the Open311
service_request_id that services.complaints.alarms opened for the alarm.

Revision ID: 0010d
Revises: 0009
Create Date: 2026-11-30 06:10:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0010d'
down_revision = '0009'
branch_labels = None
depends_on = None

SEARCH = ('nama', 'kode')


def upgrade() -> None:
    op.create_geospatial_table('traffic_congestion',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.Column('vehicles_per_hour', sa.Double(), nullable=True),
    sa.Column('queue_max_m', sa.Double(), nullable=True),
    sa.Column('queue_avg_m', sa.Double(), nullable=True),
    sa.Column('worst_approach', sa.Text(), nullable=True),
    sa.Column('window_min', sa.Integer(), nullable=True),
    sa.Column('samples', sa.Integer(), nullable=True),
    sa.Column('updated', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_traffic_congestion_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_traffic_congestion_geom', 'traffic_congestion', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('traffic_congestion'):
        op.execute(statement)
    for prop in SEARCH:
        op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_traffic_congestion_{prop}" ON layers."traffic_congestion" '
                   f'USING gin (core.search_key("{prop}") gin_trgm_ops)')
    op.execute("ALTER TABLE devices.alarms ADD COLUMN IF NOT EXISTS report_id text")
    op.execute("ALTER TABLE devices.alarm_history DROP CONSTRAINT IF EXISTS alarm_history_event_check")
    op.execute("ALTER TABLE devices.alarm_history ADD CONSTRAINT alarm_history_event_check "
               "CHECK (event IN ('open', 'acknowledge', 'clear', 'report'))")


def downgrade() -> None:
    op.execute("DELETE FROM devices.alarm_history WHERE event = 'report'")
    op.execute("ALTER TABLE devices.alarm_history DROP CONSTRAINT IF EXISTS alarm_history_event_check")
    op.execute("ALTER TABLE devices.alarm_history ADD CONSTRAINT alarm_history_event_check "
               "CHECK (event IN ('open', 'acknowledge', 'clear'))")
    op.execute("ALTER TABLE devices.alarms DROP COLUMN IF EXISTS report_id")
    for prop in SEARCH:
        op.execute(f'DROP INDEX IF EXISTS layers."ix_search_traffic_congestion_{prop}"')
    op.drop_geospatial_index('idx_traffic_congestion_geom', table_name='traffic_congestion', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('traffic_congestion', schema='layers')
