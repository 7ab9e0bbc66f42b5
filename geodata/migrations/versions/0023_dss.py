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
from sqlalchemy.dialects import postgresql

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0023_dss'
down_revision = '0023_projects'
branch_labels = None
depends_on = None

TS = postgresql.TIMESTAMP(timezone=True)


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
    create_layer_table('agenda', 'POINT', [
        _text('kode_acara', False), _text('judul', False), _text('uraian'),
        sa.Column('mulai', TS, nullable=False), sa.Column('selesai', TS, nullable=False),
        _text('tempat', False), _text('pejabat', False), _text('agency', False), _text('sifat', False),
        _text('kode_kel'), _text('nama_kel'), _text('nama_kec')], key='kode_acara', searched=['judul', 'tempat'])
    op.execute("CREATE INDEX ix_perf_agenda_mulai ON layers.agenda (mulai, selesai)")
    create_layer_table('arsip', 'POINT', [
        _text('kode_arsip', False), _text('nomor_naskah', False), _text('judul', False), _text('jenis', False),
        sa.Column('tanggal', sa.Date(), nullable=False), _text('ringkasan'), _text('agency', False),
        _text('klasifikasi', False), _text('kelas_retensi', False), _text('status_arsip', False),
        _text('tautan_layer'), _text('tautan_kunci'), _text('case_ref'), _text('jenis_berkas'), _text('berkas_simpanan'),
        _text('kode_kel'), _text('nama_kel'), _text('nama_kec')], key='kode_arsip', searched=['judul', 'nomor_naskah'])
    # Must match services/archives/queries.py's document_text() expression, word for word.
    op.execute("""CREATE INDEX ix_perf_arsip_fulltext ON layers.arsip USING gin (to_tsvector('simple',
        coalesce(nomor_naskah, '') || ' ' || coalesce(judul, '') || ' ' || coalesce(ringkasan, '')))""")
    op.execute("CREATE INDEX ix_perf_arsip_case ON layers.arsip (case_ref) WHERE case_ref IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP SCHEMA indicators CASCADE")
    for layer in ('arsip', 'agenda'):
        drop_layer_table(layer)
