"""Layer tables from the declarations, with history and versioning triggers

Revision ID: 0001
Revises:
Create Date: 2026-11-30 03:16:41.326937
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import HISTORY_FUNCTION_SQL, history_triggers_sql

TABLES = [
    'atcs_intersections', 'cctv', 'disaster_risk_zones', 'food_insecurity', 'health_facilities',
    'kecamatan', 'kelurahan', 'kota', 'rivers', 'schools', 'street_lights', 'transit_routes',
    'transit_stops',
]

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS core')
    op.execute('CREATE SCHEMA IF NOT EXISTS layers')
    op.create_table('feature_history',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('layer', sa.Text(), nullable=False),
    sa.Column('fid', sa.BigInteger(), nullable=False),
    sa.Column('op', sa.Text(), nullable=False),
    sa.Column('at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('old', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('new', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("op IN ('insert', 'update', 'delete')", name='ck_feature_history_op'),
    sa.PrimaryKeyConstraint('id'),
    schema='core'
    )
    op.create_index('ix_feature_history_layer_fid', 'feature_history', ['layer', 'fid', 'id'], unique=False, schema='core')
    op.create_geospatial_table('atcs_intersections',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('dipasang', sa.Date(), nullable=True),
    sa.Column('modbus_host', sa.Text(), nullable=True),
    sa.Column('modbus_port', sa.Integer(), nullable=True),
    sa.Column('modbus_unit', sa.Integer(), nullable=True),
    sa.Column('poll_interval_s', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_atcs_intersections_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_atcs_intersections_geom', 'atcs_intersections', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('cctv',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('dipasang', sa.Date(), nullable=True),
    sa.Column('modbus_host', sa.Text(), nullable=True),
    sa.Column('modbus_port', sa.Integer(), nullable=True),
    sa.Column('modbus_unit', sa.Integer(), nullable=True),
    sa.Column('poll_interval_s', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_cctv_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_cctv_geom', 'cctv', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('disaster_risk_zones',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_kel', sa.Text(), nullable=False),
    sa.Column('nama_kel', sa.Text(), nullable=False),
    sa.Column('bahaya', sa.Text(), nullable=False),
    sa.Column('kelas', sa.Text(), nullable=False),
    sa.Column('skor', sa.Double(), nullable=True),
    sa.Column('kejadian_banjir', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_kel', name='uq_disaster_risk_zones_kode_kel'),
    schema='layers'
    )
    op.create_geospatial_index('idx_disaster_risk_zones_geom', 'disaster_risk_zones', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('food_insecurity',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_kel', sa.Text(), nullable=False),
    sa.Column('nama_kel', sa.Text(), nullable=False),
    sa.Column('persen_miskin', sa.Double(), nullable=True),
    sa.Column('jarak_pasar_km', sa.Double(), nullable=True),
    sa.Column('jarak_faskes_km', sa.Double(), nullable=True),
    sa.Column('persen_tanpa_air_bersih', sa.Double(), nullable=True),
    sa.Column('indeks', sa.Double(), nullable=True),
    sa.Column('prioritas', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_kel', name='uq_food_insecurity_kode_kel'),
    schema='layers'
    )
    op.create_geospatial_index('idx_food_insecurity_geom', 'food_insecurity', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('health_facilities',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_faskes', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('jenis', sa.Text(), nullable=False),
    sa.Column('alamat', sa.Text(), nullable=True),
    sa.Column('kode_kel', sa.Text(), nullable=True),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_faskes', name='uq_health_facilities_kode_faskes'),
    schema='layers'
    )
    op.create_geospatial_index('idx_health_facilities_geom', 'health_facilities', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('kecamatan',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_kec', sa.Text(), nullable=False),
    sa.Column('nama_kec', sa.Text(), nullable=False),
    sa.Column('jumlah_kelurahan', sa.Integer(), nullable=True),
    sa.Column('luas_km2', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_kec', name='uq_kecamatan_kode_kec'),
    schema='layers'
    )
    op.create_geospatial_index('idx_kecamatan_geom', 'kecamatan', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('kelurahan',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_kel', sa.Text(), nullable=False),
    sa.Column('nama_kel', sa.Text(), nullable=False),
    sa.Column('kode_kec', sa.Text(), nullable=False),
    sa.Column('nama_kec', sa.Text(), nullable=False),
    sa.Column('luas_km2', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_kel', name='uq_kelurahan_kode_kel'),
    schema='layers'
    )
    op.create_geospatial_index('idx_kelurahan_geom', 'kelurahan', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('kota',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_kota', sa.Text(), nullable=False),
    sa.Column('nama_kota', sa.Text(), nullable=False),
    sa.Column('luas_km2', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_kota', name='uq_kota_kode_kota'),
    schema='layers'
    )
    op.create_geospatial_index('idx_kota_geom', 'kota', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('rivers',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('nama', sa.Text(), nullable=True),
    sa.Column('keterangan', sa.Text(), nullable=True),
    sa.Column('lcode', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    schema='layers'
    )
    op.create_geospatial_index('idx_rivers_geom', 'rivers', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('schools',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('npsn', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('jenjang', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('alamat', sa.Text(), nullable=True),
    sa.Column('daya_tampung', sa.Integer(), nullable=True),
    sa.Column('kecamatan_sumber', sa.Text(), nullable=True),
    sa.Column('kode_kel', sa.Text(), nullable=True),
    sa.Column('nama_kel', sa.Text(), nullable=True),
    sa.Column('nama_kec', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('npsn', name='uq_schools_npsn'),
    schema='layers'
    )
    op.create_geospatial_index('idx_schools_geom', 'schools', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('street_lights',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('dipasang', sa.Date(), nullable=True),
    sa.Column('modbus_host', sa.Text(), nullable=True),
    sa.Column('modbus_port', sa.Integer(), nullable=True),
    sa.Column('modbus_unit', sa.Integer(), nullable=True),
    sa.Column('poll_interval_s', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode', name='uq_street_lights_kode'),
    schema='layers'
    )
    op.create_geospatial_index('idx_street_lights_geom', 'street_lights', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('transit_routes',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_trayek', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('operator', sa.Text(), nullable=True),
    sa.Column('warna', sa.Text(), nullable=True),
    sa.Column('panjang_km', sa.Double(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_trayek', name='uq_transit_routes_kode_trayek'),
    schema='layers'
    )
    op.create_geospatial_index('idx_transit_routes_geom', 'transit_routes', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('transit_stops',
    sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kode_halte', sa.Text(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('jenis', sa.Text(), nullable=False),
    sa.Column('trayek', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('fid'),
    sa.UniqueConstraint('kode_halte', name='uq_transit_stops_kode_halte'),
    schema='layers'
    )
    op.create_geospatial_index('idx_transit_stops_geom', 'transit_stops', ['geom'], unique=False, schema='layers', postgresql_using='gist', postgresql_ops={})
    op.execute(HISTORY_FUNCTION_SQL)
    for table in TABLES:
        for statement in history_triggers_sql(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_geospatial_index('idx_transit_stops_geom', table_name='transit_stops', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('transit_stops', schema='layers')
    op.drop_geospatial_index('idx_transit_routes_geom', table_name='transit_routes', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('transit_routes', schema='layers')
    op.drop_geospatial_index('idx_street_lights_geom', table_name='street_lights', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('street_lights', schema='layers')
    op.drop_geospatial_index('idx_schools_geom', table_name='schools', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('schools', schema='layers')
    op.drop_geospatial_index('idx_rivers_geom', table_name='rivers', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('rivers', schema='layers')
    op.drop_geospatial_index('idx_kota_geom', table_name='kota', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('kota', schema='layers')
    op.drop_geospatial_index('idx_kelurahan_geom', table_name='kelurahan', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('kelurahan', schema='layers')
    op.drop_geospatial_index('idx_kecamatan_geom', table_name='kecamatan', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('kecamatan', schema='layers')
    op.drop_geospatial_index('idx_health_facilities_geom', table_name='health_facilities', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('health_facilities', schema='layers')
    op.drop_geospatial_index('idx_food_insecurity_geom', table_name='food_insecurity', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('food_insecurity', schema='layers')
    op.drop_geospatial_index('idx_disaster_risk_zones_geom', table_name='disaster_risk_zones', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('disaster_risk_zones', schema='layers')
    op.drop_geospatial_index('idx_cctv_geom', table_name='cctv', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('cctv', schema='layers')
    op.drop_geospatial_index('idx_atcs_intersections_geom', table_name='atcs_intersections', schema='layers', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('atcs_intersections', schema='layers')
    op.drop_index('ix_feature_history_layer_fid', table_name='feature_history', schema='core')
    op.drop_table('feature_history', schema='core')
    op.execute('DROP FUNCTION IF EXISTS core.record_history() CASCADE')
    op.execute('DROP FUNCTION IF EXISTS core.bump_version() CASCADE')
