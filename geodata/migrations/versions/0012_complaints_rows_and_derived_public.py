"""Complaints: the reporter's account, and complaints_public derived by the database

`complaints.reporter` holds the account (`user:<id>`) of a citizen who filed a
report while logged in, so the row rule of the declaration (layers/access.py)
can give citizens their own cases.

`complaints_public` was kept by a second write of the complaints service, so
any other write of `complaints` (the generic layer API, an import) left it
stale. From here the database derives it: a row trigger on `complaints` writes
the public columns and the point snapped to the public ~50 m grid
(services/complaints/records.py: PUBLIC_GRID_DEG) in the same transaction, and
a guard refuses every write of `complaints_public` that does not come from
that trigger. The existing rows are brought into agreement first.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 13:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The public columns, in the order of the complaints_public declaration (without the point).
PUBLIC_COLUMNS = ("service_request_id", "service_code", "status", "requested_datetime", "updated_datetime",
                  "kode_kel", "nama_kel", "nama_kec", "agency", "supporters", "status_notes", "source")
GRID_DEG = "0.00045::float8"  # ~50 m at 3.6° N; the same as services.complaints.records.PUBLIC_GRID_DEG


def _snap(axis: str, geom: str) -> str:
    # round() of a float8 rounds half to even, as Python's round() does.
    return f"round((round(ST_{axis}({geom}) / {GRID_DEG}) * {GRID_DEG})::numeric, 6)::float8"


def _public_point(geom: str) -> str:
    return f"ST_SetSRID(ST_MakePoint({_snap('X', geom)}, {_snap('Y', geom)}), 4326)"


def _upsert(values_of: str, source: str = "") -> str:
    columns = ", ".join(PUBLIC_COLUMNS)
    values = ", ".join(f"{values_of}.{c}" for c in PUBLIC_COLUMNS)
    changes = ", ".join(f"{c} = EXCLUDED.{c}" for c in PUBLIC_COLUMNS[1:])
    current = ", ".join(f"p.{c}" for c in (*PUBLIC_COLUMNS[1:], "geom"))
    wanted = ", ".join(f"EXCLUDED.{c}" for c in (*PUBLIC_COLUMNS[1:], "geom"))
    # Every name here is a constant of this migration, none comes from input.
    return (f"INSERT INTO layers.complaints_public AS p ({columns}, geom) "  # noqa: S608
            f"SELECT {values}, {_public_point(values_of + '.geom')} {source}"
            f"ON CONFLICT (service_request_id) DO UPDATE SET {changes}, geom = EXCLUDED.geom "
            # Unchanged public columns (an internal note) are not rewritten: history records real changes only.
            f"WHERE ({current}) IS DISTINCT FROM ({wanted})")


# Built from this file's constants only.
DERIVE = f"""
CREATE FUNCTION core.derive_complaints_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND (TG_OP = 'DELETE' OR OLD.service_request_id <> NEW.service_request_id) THEN
    DELETE FROM layers.complaints_public WHERE service_request_id = OLD.service_request_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_upsert('NEW')};
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER derive_public AFTER INSERT OR UPDATE OR DELETE ON layers.complaints
  FOR EACH ROW EXECUTE FUNCTION core.derive_complaints_public();

CREATE FUNCTION core.guard_complaints_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Depth 1 is a statement aimed at complaints_public itself; the derivation runs at depth 2.
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'layers.complaints_public is derived from layers.complaints; write complaints instead'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER derived_only BEFORE INSERT OR UPDATE OR DELETE ON layers.complaints_public
  FOR EACH ROW EXECUTE FUNCTION core.guard_complaints_public();
"""  # noqa: S608


def upgrade() -> None:
    op.add_column('complaints', sa.Column('reporter', sa.Text(), nullable=True), schema='layers')
    op.execute("SELECT set_config('webgis.actor', 'migration:0012', true)")
    op.execute("DELETE FROM layers.complaints_public p WHERE NOT EXISTS "
               "(SELECT 1 FROM layers.complaints c WHERE c.service_request_id = p.service_request_id)")
    op.execute(_upsert("c", "FROM layers.complaints c "))
    op.execute(DERIVE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS derived_only ON layers.complaints_public")
    op.execute("DROP FUNCTION IF EXISTS core.guard_complaints_public()")
    op.execute("DROP TRIGGER IF EXISTS derive_public ON layers.complaints")
    op.execute("DROP FUNCTION IF EXISTS core.derive_complaints_public()")
    op.drop_column('complaints', 'reporter', schema='layers')
