"""Service engine (issue 18, core): the engine's audit and idempotency tables, and the permits layers

`engine.case_events`: every step of every case of a declared service (submitted,
transition, assign, comment, field visit with its photo and point), who did it and
when: the audit and the case page's timeline beside core.feature_history.
`engine.submissions`: the client key of each submission per account, so a double
submit returns the first case instead of filing a second (services/engine/cases.py).

Layers of services/permits/layers/: `zoning` (synthetic land-use zones),
`permit_cases` (the applications) and `permits_public` (the public register of issued
permits), which the database derives from permit_cases in the same transaction, as
complaints_public is (0012): a row trigger writes the public columns of an issued
case and removes a case that is no longer issued; a guard refuses any other write.

Revision ID: 0020_core
Revises: 0021_pbb
Create Date: 2026-12-07 16:30:00
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from layers.schema import history_triggers_sql

revision = '0020_core'
down_revision = '0021_pbb'
branch_labels = None
depends_on = None

def _zoning_columns() -> list:
    return [
        sa.Column('zone_id', sa.Text(), nullable=False),
        sa.Column('zone_code', sa.Text(), nullable=False),
        sa.Column('zone_name', sa.Text(), nullable=False),
        sa.Column('allowed_uses', sa.Text(), nullable=False),
        sa.Column('max_floors', sa.Integer(), nullable=False),
        sa.Column('kode_kel', sa.Text(), nullable=True),
        sa.Column('nama_kel', sa.Text(), nullable=True),
        sa.Column('nama_kec', sa.Text(), nullable=True),
    ]

def _permit_cases_columns() -> list:
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
        sa.Column('plot_area_m2', sa.Double(), nullable=True),
        sa.Column('building_use', sa.Text(), nullable=True),
        sa.Column('floors', sa.Integer(), nullable=True),
        sa.Column('floor_area_m2', sa.Double(), nullable=True),
        sa.Column('business_name', sa.Text(), nullable=True),
        sa.Column('business_kind', sa.Text(), nullable=True),
        sa.Column('zone_code', sa.Text(), nullable=True),
        sa.Column('flood_class', sa.Text(), nullable=True),
        sa.Column('river_distance_m', sa.Double(), nullable=True),
        sa.Column('findings', sa.Text(), nullable=True),
        sa.Column('fee', sa.Integer(), nullable=True),
        sa.Column('public_note', sa.Text(), nullable=True),
        sa.Column('nama_pemohon', sa.Text(), nullable=True),
        sa.Column('nik_pemohon', sa.Text(), nullable=True),
        sa.Column('email_pemohon', sa.Text(), nullable=True),
        sa.Column('telp_pemohon', sa.Text(), nullable=True),
        sa.Column('akun_pemohon', sa.Text(), nullable=True),
        sa.Column('attachment_files', sa.Text(), nullable=True),
        sa.Column('assigned_to', sa.Text(), nullable=True),
        sa.Column('internal_notes', sa.Text(), nullable=True),
    ]

def _permits_public_columns() -> list:
    return [
        sa.Column('case_ref', sa.Text(), nullable=False),
        sa.Column('service', sa.Text(), nullable=False),
        sa.Column('status', sa.Text(), nullable=False),
        sa.Column('agency', sa.Text(), nullable=False),
        sa.Column('state_since', postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column('kode_kel', sa.Text(), nullable=True),
        sa.Column('nama_kel', sa.Text(), nullable=True),
        sa.Column('nama_kec', sa.Text(), nullable=True),
        sa.Column('plot_area_m2', sa.Double(), nullable=True),
        sa.Column('building_use', sa.Text(), nullable=True),
        sa.Column('floors', sa.Integer(), nullable=True),
        sa.Column('business_kind', sa.Text(), nullable=True),
        sa.Column('zone_code', sa.Text(), nullable=True),
    ]

def _system_columns(geometry: str) -> list:
    return [
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('geom', Geometry(geometry_type=geometry, srid=4326, dimension=2, spatial_index=False,
                                   from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
        sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    ]


# The declared `search` properties of these layers (a trigram index each, as 0004 made them).
SEARCH = (("zoning", "zone_name"), ("permits_public", "case_ref"))

LAYERS = (("zoning", "MULTIPOLYGON", "zone_id", _zoning_columns),
          ("permit_cases", "POLYGON", "case_ref", _permit_cases_columns),
          ("permits_public", "POLYGON", "case_ref", _permits_public_columns))

# The public register's columns (permits_public.yaml, without the plot) and the states it shows.
PUBLIC_COLUMNS = ("case_ref", "service", "status", "agency", "state_since", "kode_kel", "nama_kel", "nama_kec",
                  "plot_area_m2", "building_use", "floors", "business_kind", "zone_code", "source")
PUBLIC_STATES = "('issued')"


def _upsert(values_of: str, source: str = "") -> str:
    columns = ", ".join(PUBLIC_COLUMNS)
    values = ", ".join(f"{values_of}.{c}" for c in PUBLIC_COLUMNS)
    changes = ", ".join(f"{c} = EXCLUDED.{c}" for c in PUBLIC_COLUMNS[1:])
    current = ", ".join(f"p.{c}" for c in (*PUBLIC_COLUMNS[1:], "geom"))
    wanted = ", ".join(f"EXCLUDED.{c}" for c in (*PUBLIC_COLUMNS[1:], "geom"))
    # Every name here is a constant of this migration, none comes from input.
    return (f"INSERT INTO layers.permits_public AS p ({columns}, geom) "  # noqa: S608
            f"SELECT {values}, {values_of}.geom {source}"
            f"ON CONFLICT (case_ref) DO UPDATE SET {changes}, geom = EXCLUDED.geom "
            f"WHERE ({current}) IS DISTINCT FROM ({wanted})")


DERIVE = f"""
CREATE FUNCTION core.derive_permits_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.case_ref <> NEW.case_ref OR NEW.status NOT IN {PUBLIC_STATES})) THEN
    DELETE FROM layers.permits_public WHERE case_ref = OLD.case_ref;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN {PUBLIC_STATES} THEN
    {_upsert('NEW')};
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER derive_public AFTER INSERT OR UPDATE OR DELETE ON layers.permit_cases
  FOR EACH ROW EXECUTE FUNCTION core.derive_permits_public();

CREATE FUNCTION core.guard_permits_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'layers.permits_public is derived from layers.permit_cases; write permit_cases instead'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER derived_only BEFORE INSERT OR UPDATE OR DELETE ON layers.permits_public
  FOR EACH ROW EXECUTE FUNCTION core.guard_permits_public();
"""  # noqa: S608

ENGINE_TABLES = """
CREATE SCHEMA IF NOT EXISTS engine;
CREATE TABLE engine.case_events (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    service text NOT NULL,
    case_ref text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('submitted', 'transition', 'assign', 'comment', 'visit')),
    from_state text,
    to_state text,
    note text,
    public boolean NOT NULL DEFAULT false,
    photo text,
    geom geometry(Point, 4326)
);
CREATE INDEX ix_case_events_case ON engine.case_events (service, case_ref, id);
CREATE TABLE engine.submissions (
    service text NOT NULL,
    account text NOT NULL,
    client_key text NOT NULL,
    case_ref text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, account, client_key)
);
"""


def upgrade() -> None:
    for table, geometry, key, columns in LAYERS:
        op.create_geospatial_table(
            table, sa.Column('fid', sa.BigInteger(), sa.Identity(always=False), nullable=False),
            *columns(), *_system_columns(geometry),
            sa.PrimaryKeyConstraint('fid'), sa.UniqueConstraint(key, name=f'uq_{table}_{key}'), schema='layers')
        op.create_geospatial_index(f'idx_{table}_geom', table, ['geom'], unique=False, schema='layers',
                                   postgresql_using='gist', postgresql_ops={})
        for statement in history_triggers_sql(table):
            op.execute(statement)
    for table, prop in SEARCH:
        op.execute(f'CREATE INDEX IF NOT EXISTS "ix_search_{table}_{prop}" ON layers."{table}" '
                   f'USING gin (core.search_key("{prop}") gin_trgm_ops)')
    op.execute(DERIVE)
    op.execute(ENGINE_TABLES)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS engine CASCADE")
    op.execute("DROP TRIGGER IF EXISTS derived_only ON layers.permits_public")
    op.execute("DROP FUNCTION IF EXISTS core.guard_permits_public()")
    op.execute("DROP TRIGGER IF EXISTS derive_public ON layers.permit_cases")
    op.execute("DROP FUNCTION IF EXISTS core.derive_permits_public()")
    for table, _geometry, _key, _columns in reversed(LAYERS):
        op.drop_geospatial_index(f'idx_{table}_geom', table_name=table, schema='layers',
                                 postgresql_using='gist', column_name='geom')
        op.drop_geospatial_table(table, schema='layers')
