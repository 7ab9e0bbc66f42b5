"""Indicators' summary, the agenda and the archives (issue 19 items 7, 8, 9)

Revision ID: 0023_dss
Revises: 0023_projects
Create Date: 2026-12-07 19:10:00

- Schema `indicators` (services/indicators): `summary`, one row per indicator × kecamatan ('' =
  the whole city) × agency ('' = every agency) × month, written by the refresh; `refreshes`, when
  each indicator was last computed, over which period, how many rows and how long it took.
- Layers `agenda` (services/agenda) and `arsip` (services/archives), with their history triggers,
  the map search's trigram indexes, and the archives' full-text index (PostgreSQL 'simple'
  configuration: Indonesian has no stemmer in PostgreSQL, and 'simple' keeps every word as written).
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0023_dss'
down_revision = '0023_projects'
branch_labels = None
depends_on = None

TS = postgresql.TIMESTAMP(timezone=True)


def _system_columns() -> list:
    return [
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False,
                                   from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', TS, server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


def _layer(name: str, key: str, columns: list, search: list[str]) -> None:
    op.create_geospatial_table(name,
        sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        *columns, *_system_columns(),
        sa.PrimaryKeyConstraint('fid'),
        sa.UniqueConstraint(key, name=f'uq_{name}_{key}'),
        schema='layers')
    op.create_geospatial_index(f'idx_{name}_geom', name, ['geom'], unique=False, schema='layers',
                               postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql(name):
        op.execute(statement)
    for prop in search:
        op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{name}_{prop}" ON layers."{name}" '
                   f'USING gin (core.search_key("{prop}") gin_trgm_ops)')


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS indicators")
    op.execute("""CREATE TABLE indicators.summary (
        indicator text NOT NULL,
        kode_kec text NOT NULL,
        agency text NOT NULL,
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        value double precision,
        n integer NOT NULL CHECK (n >= 0),
        PRIMARY KEY (indicator, kode_kec, agency, month))""")
    op.execute("""CREATE TABLE indicators.refreshes (
        indicator text PRIMARY KEY,
        period_start date NOT NULL,
        period_end date NOT NULL,
        refreshed_at timestamptz NOT NULL DEFAULT now(),
        rows integer NOT NULL,
        seconds double precision NOT NULL)""")
    _layer('agenda', 'kode_acara', [
        _text('kode_acara', False), _text('judul', False), _text('uraian'),
        sa.Column('mulai', TS, nullable=False), sa.Column('selesai', TS, nullable=False),
        _text('tempat', False), _text('pejabat', False), _text('agency', False), _text('sifat', False),
        _text('kode_kel'), _text('nama_kel'), _text('nama_kec')], ['judul', 'tempat'])
    op.execute("CREATE INDEX ix_perf_agenda_mulai ON layers.agenda (mulai, selesai)")
    _layer('arsip', 'kode_arsip', [
        _text('kode_arsip', False), _text('nomor_naskah', False), _text('judul', False), _text('jenis', False),
        sa.Column('tanggal', sa.Date(), nullable=False), _text('ringkasan'), _text('agency', False),
        _text('klasifikasi', False), _text('kelas_retensi', False), _text('status_arsip', False),
        _text('tautan_layer'), _text('tautan_kunci'), _text('case_ref'), _text('jenis_berkas'), _text('berkas_simpanan'),
        _text('kode_kel'), _text('nama_kel'), _text('nama_kec')], ['judul', 'nomor_naskah'])
    # Must match services/archives/queries.py's document_text() expression, word for word.
    op.execute("""CREATE INDEX ix_perf_arsip_fulltext ON layers.arsip USING gin (to_tsvector('simple',
        coalesce(nomor_naskah, '') || ' ' || coalesce(judul, '') || ' ' || coalesce(ringkasan, '')))""")
    op.execute("CREATE INDEX ix_perf_arsip_case ON layers.arsip (case_ref) WHERE case_ref IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP SCHEMA indicators CASCADE")
    for layer in ('arsip', 'agenda'):
        op.drop_geospatial_index(f'idx_{layer}_geom', table_name=layer, schema='layers',
                                 postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(layer, schema='layers')
