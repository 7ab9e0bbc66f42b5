"""Issue 19, room sirs: hospital beds (SIRS), school funds (BOS/APBS), health and education counts per kelurahan

Revision ID: 0023_sirs
Revises: 0023_simpeg
Create Date: 2026-12-07 19:25:00

Schema `sirs` (services/sirs): `beds`, the latest report per hospital (a `health_facilities`
feature by its kode_faskes) and bed class; `bed_reports`, every report ever accepted (the history
and its chart); `report_tokens`, each hospital's own API tokens (only their SHA-256 is kept).
Schema `schoolfunds` (services/schoolfunds): `entries`, funds received and spent per school
(NPSN), year, direction and category, in rupiah; `entry_history`, every change with who made it;
`students`, the pupils a year's BOS was counted on.
Schema `kelcounts` (services/kelurahan_counts): counts per kelurahan, year and indicator; never
a person, never a point.
"""
from alembic import op

revision = '0023_sirs'
down_revision = '0023_simpeg'
branch_labels = None
depends_on = None

BED_CLASSES = "('VVIP','VIP','I','II','III','ICU','NICU','PICU','ISOLASI','IGD')"

UPGRADE = [
    "CREATE SCHEMA IF NOT EXISTS sirs",
    f"""CREATE TABLE sirs.beds (
        kode_faskes text NOT NULL,
        kelas text NOT NULL CHECK (kelas IN {BED_CLASSES}),
        kapasitas integer NOT NULL CHECK (kapasitas BETWEEN 0 AND 5000),
        tersedia integer NOT NULL CHECK (tersedia >= 0 AND tersedia <= kapasitas),
        reported_at timestamptz NOT NULL,
        reported_by text NOT NULL,
        source text NOT NULL,
        PRIMARY KEY (kode_faskes, kelas))""",
    f"""CREATE TABLE sirs.bed_reports (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kode_faskes text NOT NULL,
        kelas text NOT NULL CHECK (kelas IN {BED_CLASSES}),
        kapasitas integer NOT NULL CHECK (kapasitas BETWEEN 0 AND 5000),
        tersedia integer NOT NULL CHECK (tersedia >= 0 AND tersedia <= kapasitas),
        reported_at timestamptz NOT NULL,
        reported_by text NOT NULL,
        via text NOT NULL CHECK (via IN ('api', 'form', 'seed')),
        source text NOT NULL)""",
    "CREATE INDEX ix_bed_reports_series ON sirs.bed_reports (kode_faskes, kelas, reported_at)",
    """CREATE TABLE sirs.report_tokens (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kode_faskes text NOT NULL,
        label text NOT NULL,
        prefix text NOT NULL,
        token_sha256 text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by text)""",
    "CREATE SCHEMA IF NOT EXISTS schoolfunds",
    """CREATE TABLE schoolfunds.entries (
        npsn text NOT NULL,
        tahun integer NOT NULL CHECK (tahun BETWEEN 2000 AND 2100),
        arah text NOT NULL CHECK (arah IN ('penerimaan', 'belanja')),
        kategori text NOT NULL,
        jumlah bigint NOT NULL CHECK (jumlah >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        source text NOT NULL,
        PRIMARY KEY (npsn, tahun, arah, kategori))""",
    """CREATE TABLE schoolfunds.entry_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        npsn text NOT NULL,
        tahun integer NOT NULL,
        arah text NOT NULL,
        kategori text NOT NULL,
        old_jumlah bigint,
        new_jumlah bigint,
        changed_at timestamptz NOT NULL DEFAULT now(),
        changed_by text NOT NULL,
        via text NOT NULL)""",
    "CREATE INDEX ix_entry_history_school ON schoolfunds.entry_history (npsn, tahun)",
    """CREATE TABLE schoolfunds.students (
        npsn text NOT NULL,
        tahun integer NOT NULL CHECK (tahun BETWEEN 2000 AND 2100),
        siswa integer NOT NULL CHECK (siswa BETWEEN 0 AND 10000),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        source text NOT NULL,
        PRIMARY KEY (npsn, tahun))""",
    "CREATE SCHEMA IF NOT EXISTS kelcounts",
    """CREATE TABLE kelcounts.counts (
        indikator text NOT NULL,
        tahun integer NOT NULL,
        kode_kel text NOT NULL,
        jumlah integer NOT NULL CHECK (jumlah >= 0),
        sasaran integer NOT NULL CHECK (sasaran >= jumlah),
        source text NOT NULL,
        PRIMARY KEY (indikator, tahun, kode_kel))""",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for schema in ("kelcounts", "schoolfunds", "sirs"):
        op.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
