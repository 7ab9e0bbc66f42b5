"""PPDB online (issue 18, service 5): the registrations layer, rounds, quotas and results

`layers.ppdb_registrations` (services/ppdb/layers/ppdb_registrations.yaml): a registration is
a case of the service engine (services/ppdb/declaration.yaml), written through layers/ with
history. The round's own tables live in schema `ppdb`:
`ppdb.rounds`: one admission round of one level (registration window, re-registration
deadline, the zonasi share of each school's capacity, whether released seats are offered to
the next in line in a second stage); `ppdb.quotas`: seats per school of a round and their fill
(public: no applicant in it); `ppdb.results`: each applicant's placement per stage with its
explanation (private: read through the registration's row rule only).

Revision ID: 0022_ppdb
Revises: 0022_civil
Create Date: 2026-12-07 17:10:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0022_ppdb'
down_revision = '0022_civil'
branch_labels = None
depends_on = None

TEXT = ('case_ref', 'service', 'status', 'agency')
NULLABLE_TEXT = ('kode_kel', 'nama_kel', 'nama_kec', 'address', 'jenjang', 'pilihan_1', 'pilihan_2', 'pilihan_3',
                 'round_id', 'hasil_npsn', 'findings', 'public_note', 'nama_anak', 'nik_anak',
                 'nama_pemohon', 'email_pemohon', 'telp_pemohon', 'akun_pemohon', 'attachment_files', 'assigned_to',
                 'internal_notes')


def _columns() -> list:
    ts = postgresql.TIMESTAMP(timezone=True)
    return [
        *(sa.Column(c, sa.Text(), nullable=False) for c in TEXT),
        sa.Column('submitted_at', ts, nullable=False),
        sa.Column('state_since', ts, nullable=False),
        sa.Column('due_at', ts, nullable=True),
        sa.Column('daftar_ulang_batas', ts, nullable=True),
        sa.Column('tanggal_lahir', sa.Date(), nullable=True),
        sa.Column('hasil_pilihan', sa.Integer(), nullable=True),
        sa.Column('hasil_jarak_m', sa.Double(), nullable=True),
        sa.Column('fee', sa.Integer(), nullable=True),
        *(sa.Column(c, sa.Text(), nullable=True) for c in NULLABLE_TEXT),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False,
                                   from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', ts, server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


ROUND_TABLES = """
CREATE SCHEMA IF NOT EXISTS ppdb;
CREATE TABLE ppdb.rounds (
    id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{3,40}$'),
    jenjang text NOT NULL CHECK (jenjang IN ('SD', 'SMP', 'SMA', 'SMK')),
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    reregister_by timestamptz NOT NULL,
    zonasi_share double precision NOT NULL CHECK (zonasi_share > 0 AND zonasi_share <= 1),
    second_stage boolean NOT NULL DEFAULT true,
    second_reregister_days integer NOT NULL DEFAULT 3 CHECK (second_reregister_days > 0),
    allocated_at timestamptz,
    allocated_by text,
    released_at timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (opens_at < closes_at AND closes_at < reregister_by)
);
-- Only one round of a level takes registrations at a time.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE ppdb.rounds ADD CONSTRAINT no_overlapping_windows
    EXCLUDE USING gist (jenjang WITH =, tstzrange(opens_at, closes_at) WITH &&);
CREATE TABLE ppdb.quotas (
    round_id text NOT NULL REFERENCES ppdb.rounds (id) ON DELETE CASCADE,
    npsn text NOT NULL,
    nama text NOT NULL,
    capacity integer NOT NULL CHECK (capacity >= 0),
    seats integer NOT NULL CHECK (seats >= 0),
    admitted integer NOT NULL DEFAULT 0 CHECK (admitted >= 0),
    confirmed integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
    released integer NOT NULL DEFAULT 0 CHECK (released >= 0),
    applicants integer NOT NULL DEFAULT 0 CHECK (applicants >= 0),
    last_distance_m double precision,
    geom geometry(Point, 4326) NOT NULL,
    PRIMARY KEY (round_id, npsn),
    CHECK (admitted <= seats AND confirmed <= admitted)
);
CREATE TABLE ppdb.results (
    round_id text NOT NULL REFERENCES ppdb.rounds (id) ON DELETE CASCADE,
    case_ref text NOT NULL,
    stage integer NOT NULL CHECK (stage IN (1, 2)),
    npsn text,
    choice integer,
    distance_m double precision,
    explanation jsonb NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, case_ref, stage)
);
CREATE INDEX ix_ppdb_results_case ON ppdb.results (case_ref);
-- A round's registrations by school and state: the fill is recounted after every step (round_queries.REFRESH_FILL);
-- without it a re-registration took 145 ms with 3,000 registrations (benchmarks/bench_ppdb_round.py).
CREATE INDEX ix_ppdb_registrations_round ON layers.ppdb_registrations (round_id, hasil_npsn, status);
"""


def upgrade() -> None:
    op.create_geospatial_table(
        'ppdb_registrations', sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        *_columns(), sa.PrimaryKeyConstraint('fid'),
        sa.UniqueConstraint('case_ref', name='uq_ppdb_registrations_case_ref'), schema='layers')
    op.create_geospatial_index('idx_ppdb_registrations_geom', 'ppdb_registrations', ['geom'], unique=False,
                               schema='layers', postgresql_using='gist', postgresql_ops={})
    for statement in history_triggers_sql('ppdb_registrations'):
        op.execute(statement)
    op.execute(ROUND_TABLES)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS ppdb CASCADE")
    op.drop_geospatial_index('idx_ppdb_registrations_geom', table_name='ppdb_registrations', schema='layers',
                             postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('ppdb_registrations', schema='layers')
