"""City projects (issue 19 item 2): the case layer `projects`, its public register and the progress reports

`projects` (services/projects/layers/projects.yaml) holds every project of the service `proyek` on the
service engine, from its APBD budget line to its handover, with staff's internal notes; `projects_public`
is derived from it by a trigger in the same transaction (every stage, public fields only: budget,
contractor, contract value, progress, no staff names); `project_progress` keeps each progress report
(SIMONEV) as a feature. All three keep their history like every layer.

Revision ID: 0023_projects
Revises: 0023_assets
Create Date: 2026-12-07 19:10:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0023_projects'
down_revision = '0023_assets'
branch_labels = None
depends_on = None

TS = postgresql.TIMESTAMP(timezone=True)
# (name, type, nullable) in declaration order.
ENGINE_COLUMNS = [
    ('case_ref', sa.Text, False), ('service', sa.Text, False), ('status', sa.Text, False), ('agency', sa.Text, False),
    ('submitted_at', TS, False), ('state_since', TS, False), ('due_at', TS, True), ('kode_kel', sa.Text, True),
    ('nama_kel', sa.Text, True), ('nama_kec', sa.Text, True), ('address', sa.Text, True), ('findings', sa.Text, True),
    ('fee', sa.Integer, True), ('public_note', sa.Text, True), ('akun_pemohon', sa.Text, True),
    ('attachment_files', sa.Text, True), ('assigned_to', sa.Text, True), ('internal_notes', sa.Text, True)]
PROJECT_COLUMNS = [
    ('nama_proyek', sa.Text, False), ('jenis', sa.Text, False), ('tahun_anggaran', sa.Integer, False),
    ('kode_rekening', sa.Text, False), ('pagu', sa.Double, False), ('kode_rup', sa.Text, True),
    ('metode', sa.Text, True), ('jadwal_mulai', sa.Date, True), ('jadwal_selesai', sa.Date, True),
    ('jumlah_paket', sa.Integer, True), ('jumlah_peserta', sa.Integer, True), ('penyedia', sa.Text, True),
    ('nomor_kontrak', sa.Text, True), ('nilai_kontrak', sa.Double, True), ('progres_fisik', sa.Double, True),
    ('progres_keuangan', sa.Double, True), ('progres_rencana', sa.Double, True), ('progres_tanggal', sa.Date, True),
    ('terlambat', sa.Boolean, True), ('keterangan_terlambat', sa.Text, True)]
HANDOVER_COLUMNS = [('kib_aset', sa.Text, True), ('kode_aset', sa.Text, True), ('tanggal_serah_terima', sa.Date, True)]
PUBLIC_FROM_ENGINE = ('case_ref', 'status', 'agency', 'state_since', 'kode_kel', 'nama_kel', 'nama_kec', 'public_note')
PROGRESS_COLUMNS = [
    ('laporan_id', sa.Text, False), ('case_ref', sa.Text, False), ('agency', sa.Text, False),
    ('kode_kel', sa.Text, True), ('tanggal', sa.Date, False), ('dilaporkan', TS, False),
    ('progres_fisik', sa.Double, False), ('progres_keuangan', sa.Double, False), ('progres_rencana', sa.Double, True),
    ('terlambat', sa.Boolean, False), ('koreksi', sa.Boolean, False), ('catatan', sa.Text, True),
    ('berkas_foto', sa.Text, True)]


def _public_columns() -> list:
    by_name = {c[0]: c for c in ENGINE_COLUMNS}
    return [by_name[n] for n in PUBLIC_FROM_ENGINE] + PROJECT_COLUMNS + HANDOVER_COLUMNS[1:]


LAYERS = (('projects', 'case_ref', ENGINE_COLUMNS + PROJECT_COLUMNS + HANDOVER_COLUMNS),
          ('projects_public', 'case_ref', _public_columns()),
          ('project_progress', 'laporan_id', PROGRESS_COLUMNS))
PUBLIC_NAMES = tuple(c[0] for c in _public_columns()) + ('source',)


def _upsert() -> str:
    columns = ", ".join(PUBLIC_NAMES)
    values = ", ".join(f"NEW.{c}" for c in PUBLIC_NAMES)
    changes = ", ".join(f"{c} = EXCLUDED.{c}" for c in PUBLIC_NAMES[1:])
    current = ", ".join(f"p.{c}" for c in (*PUBLIC_NAMES[1:], "geom"))
    wanted = ", ".join(f"EXCLUDED.{c}" for c in (*PUBLIC_NAMES[1:], "geom"))
    # Every name here is a constant of this migration, none comes from input.
    return (f"INSERT INTO layers.projects_public AS p ({columns}, geom) "  # noqa: S608
            f"SELECT {values}, NEW.geom "
            f"ON CONFLICT (case_ref) DO UPDATE SET {changes}, geom = EXCLUDED.geom "
            f"WHERE ({current}) IS DISTINCT FROM ({wanted})")


# Every project is public money, whatever its stage: the register holds every row of `projects`.
DERIVE = f"""
CREATE FUNCTION core.derive_projects_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.case_ref <> NEW.case_ref) THEN
    DELETE FROM layers.projects_public WHERE case_ref = OLD.case_ref;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_upsert()};
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER derive_public AFTER INSERT OR UPDATE OR DELETE ON layers.projects
  FOR EACH ROW EXECUTE FUNCTION core.derive_projects_public();

CREATE FUNCTION core.guard_projects_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'layers.projects_public is derived from layers.projects; write projects instead'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER derived_only BEFORE INSERT OR UPDATE OR DELETE ON layers.projects_public
  FOR EACH ROW EXECUTE FUNCTION core.guard_projects_public();
"""  # noqa: S608


def upgrade() -> None:
    for table, key, columns in LAYERS:
        create_layer_table(table, 'POINT', (sa.Column(name, kind() if isinstance(kind, type) else kind, nullable=nullable)
                                            for name, kind, nullable in columns),
                           key=key, searched=['nama_proyek'] if table == 'projects_public' else [])
    # The indicators read each project's latest report per month; the importer looks budget lines up.
    op.execute('CREATE INDEX ix_perf_project_progress_case ON layers.project_progress (case_ref, tanggal)')
    op.execute('CREATE INDEX ix_perf_projects_budget_line ON layers.projects (tahun_anggaran, kode_rekening)')
    op.execute(DERIVE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS derived_only ON layers.projects_public")
    op.execute("DROP FUNCTION IF EXISTS core.guard_projects_public()")
    op.execute("DROP TRIGGER IF EXISTS derive_public ON layers.projects")
    op.execute("DROP FUNCTION IF EXISTS core.derive_projects_public()")
    for table, _key, _columns in reversed(LAYERS):
        drop_layer_table(table)
