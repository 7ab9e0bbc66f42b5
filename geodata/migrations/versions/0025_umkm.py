"""UMKM marketplace (issue 20 item 6): registrations, the public register, products

Revision ID: 0025_umkm
Revises: 0025_gazetteer
Create Date: 2026-12-07 22:30:00

Layers of services/umkm/layers/: `umkm_businesses` (the engine's case layer: registrations with
the owner's private data), `umkm_public` (verified businesses, public columns only) and
`umkm_products`. umkm_public is derived by the database from umkm_businesses in the same
transaction, as permits_public is (0020_core): a row trigger writes the public columns of a
verified business (its photo: the stored name of the `foto_usaha` attachment) and removes one
that is no longer verified; a guard refuses any other write. Trigram indexes for the declared
`search` properties, and one over product and business name together for the marketplace search.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0025_umkm'
down_revision = '0025_gazetteer'
branch_labels = None
depends_on = None

TS = postgresql.TIMESTAMP(timezone=True)


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _place() -> list:
    return [_text('kode_kel'), _text('nama_kel'), _text('nama_kec')]


def _business_columns() -> list:
    return [_text('case_ref', False), _text('status', False), _text('agency', False),
            sa.Column('submitted_at', TS, nullable=False), sa.Column('state_since', TS, nullable=False),
            sa.Column('due_at', TS, nullable=True), *_place(), _text('nama_usaha', False), _text('kategori', False),
            _text('uraian'), _text('address'), _text('nib'), _text('kontak_publik'), _text('public_note'),
            _text('nama_pemohon'), _text('telp_pemohon'), _text('email_pemohon'), _text('akun_pemohon'),
            _text('attachment_files'), _text('assigned_to'), _text('internal_notes')]


def _public_columns() -> list:
    return [_text('case_ref', False), _text('status', False), _text('agency', False),
            sa.Column('state_since', TS, nullable=False), *_place(), _text('nama_usaha', False),
            _text('kategori', False), _text('uraian'), _text('address'), _text('kontak_publik'), _text('foto')]


def _product_columns() -> list:
    return [_text('kode_produk', False), _text('case_ref', False), _text('nama_usaha', False),
            _text('nama_produk', False), sa.Column('harga', sa.Integer(), nullable=False), _text('uraian'),
            _text('foto'), *_place(), sa.Column('dibuat', TS, nullable=False), _text('akun_penjual')]


LAYERS = (("umkm_businesses", "case_ref", _business_columns),
          ("umkm_public", "case_ref", _public_columns),
          ("umkm_products", "kode_produk", _product_columns))
SEARCH = (("umkm_public", "nama_usaha"), ("umkm_products", "nama_produk"))

# The public register's columns taken as they are from the case row (the photo is added apart).
PUBLIC_COLUMNS = ("case_ref", "status", "agency", "state_since", "kode_kel", "nama_kel", "nama_kec", "nama_usaha",
                  "kategori", "uraian", "address", "kontak_publik", "source")
PUBLIC_STATES = "('verified')"


def _upsert() -> str:
    columns = ", ".join(PUBLIC_COLUMNS)
    values = ", ".join(f"NEW.{c}" for c in PUBLIC_COLUMNS)
    changes = ", ".join(f"{c} = EXCLUDED.{c}" for c in PUBLIC_COLUMNS[1:])
    current = ", ".join(f"p.{c}" for c in (*PUBLIC_COLUMNS[1:], "foto", "geom"))
    wanted = ", ".join(f"EXCLUDED.{c}" for c in (*PUBLIC_COLUMNS[1:], "foto", "geom"))
    # Every name here is a constant of this migration, none comes from input.
    return (f"INSERT INTO layers.umkm_public AS p ({columns}, foto, geom) "  # noqa: S608
            f"SELECT {values}, NEW.attachment_files::jsonb ->> 'foto_usaha', NEW.geom "
            f"ON CONFLICT (case_ref) DO UPDATE SET {changes}, foto = EXCLUDED.foto, geom = EXCLUDED.geom "
            f"WHERE ({current}) IS DISTINCT FROM ({wanted})")


DERIVE = f"""
CREATE FUNCTION core.derive_umkm_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.case_ref <> NEW.case_ref OR NEW.status NOT IN {PUBLIC_STATES})) THEN
    DELETE FROM layers.umkm_public WHERE case_ref = OLD.case_ref;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN {PUBLIC_STATES} THEN
    {_upsert()};
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER derive_public AFTER INSERT OR UPDATE OR DELETE ON layers.umkm_businesses
  FOR EACH ROW EXECUTE FUNCTION core.derive_umkm_public();

CREATE FUNCTION core.guard_umkm_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'layers.umkm_public is derived from layers.umkm_businesses; write umkm_businesses instead'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER derived_only BEFORE INSERT OR UPDATE OR DELETE ON layers.umkm_public
  FOR EACH ROW EXECUTE FUNCTION core.guard_umkm_public();
"""  # noqa: S608


def upgrade() -> None:
    for table, key, columns in LAYERS:
        create_layer_table(table, 'POINT', columns(), key=key, with_prefix=True,
                           searched=[prop for searched, prop in SEARCH if searched == table])
    # The marketplace search matches a word against product and business name at once (services/umkm/market.py).
    op.execute('CREATE INDEX ix_perf_umkm_products_text ON layers.umkm_products '
               "USING gin (core.search_key(nama_produk || ' ' || nama_usaha) gin_trgm_ops)")
    op.execute('CREATE INDEX ix_perf_umkm_products_case ON layers.umkm_products (case_ref)')
    op.execute(DERIVE)


def downgrade() -> None:
    op.execute('DROP TRIGGER IF EXISTS derive_public ON layers.umkm_businesses')
    op.execute('DROP FUNCTION IF EXISTS core.derive_umkm_public()')
    for table, _key, _columns in reversed(LAYERS):
        drop_layer_table(table)
    op.execute('DROP FUNCTION IF EXISTS core.guard_umkm_public()')
