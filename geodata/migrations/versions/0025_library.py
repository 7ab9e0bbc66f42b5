"""Digital library (issue 20 item 5)

Revision ID: 0025_library
Revises: 0024_osm
Create Date: 2026-12-07 22:30:00

- Layers `library_branches` (points: the city library's branches) and `library_mobile_stops`
  (points: where the mobile library stops, with its weekly schedule), with their history triggers
  and the map search's trigram indexes.
- Schema `library` (services/library): `titles` (the catalogue, searched by trigram over title,
  author and subject), `copies` (each copy, its home branch, where it is now and its state),
  `members` (a citizen account's membership: personal data), `reservations` (a title to be picked up
  at a chosen branch) and `history` (every change to members, copies and reservations, who and when).
"""
from alembic import op
import sqlalchemy as sa

from geodata.layer_ddl import create_layer_table, drop_layer_table

revision = '0025_library'
down_revision = '0024_osm'
branch_labels = None
depends_on = None

LAYERS = {'library_branches': ('POINT', 'kode_cabang', ['nama', 'alamat']),
          'library_mobile_stops': ('POINT', 'kode_halte', ['nama'])}


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _columns(layer: str) -> list:
    where = [_text('kode_kel'), _text('nama_kel'), _text('nama_kec')]
    if layer == 'library_branches':
        return [_text('kode_cabang', False), _text('nama', False), _text('jenis', False), _text('alamat'),
                _text('jam_buka'), sa.Column('kursi_roda', sa.Boolean(), nullable=False), _text('telepon'),
                _text('catatan_lokasi'), *where]
    return [_text('kode_halte', False), _text('nama', False), _text('armada', False), _text('jadwal', False),
            _text('kode_cabang', False), _text('catatan_lokasi'), *where]


LIBRARY_SQL = [
    "CREATE SCHEMA IF NOT EXISTS library",
    """CREATE TABLE library.titles (
        kode_judul text PRIMARY KEY,
        judul text NOT NULL,
        pengarang text NOT NULL,
        penerbit text NOT NULL,
        tahun integer NOT NULL CHECK (tahun BETWEEN 1900 AND 2100),
        subjek text NOT NULL,
        bahasa text NOT NULL,
        source text NOT NULL)""",
    # One trigram index over what a reader types: title, author and subject in one key.
    """CREATE INDEX ix_library_titles_search ON library.titles
        USING gin (core.search_key(judul || ' ' || pengarang || ' ' || subjek) gin_trgm_ops)""",
    """CREATE TABLE library.copies (
        kode_eksemplar text PRIMARY KEY,
        kode_judul text NOT NULL REFERENCES library.titles,
        cabang_asal text NOT NULL,
        cabang_kini text NOT NULL,
        status text NOT NULL CHECK (status IN ('tersedia', 'ditahan', 'dikirim', 'dipinjam')),
        version integer NOT NULL DEFAULT 1,
        source text NOT NULL)""",
    "CREATE INDEX ix_library_copies_title ON library.copies (kode_judul, status)",
    """CREATE TABLE library.members (
        nomor_anggota text PRIMARY KEY,
        user_id bigint NOT NULL UNIQUE,
        nama text NOT NULL,
        email text,
        telepon text,
        cabang_asal text NOT NULL,
        status text NOT NULL DEFAULT 'aktif' CHECK (status IN ('aktif', 'berhenti')),
        joined_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CHECK (email IS NOT NULL OR telepon IS NOT NULL))""",
    """CREATE TABLE library.reservations (
        kode_pesan text PRIMARY KEY,
        nomor_anggota text NOT NULL REFERENCES library.members,
        kode_judul text NOT NULL REFERENCES library.titles,
        kode_eksemplar text NOT NULL REFERENCES library.copies,
        cabang_ambil text NOT NULL,
        status text NOT NULL CHECK (status IN ('dikirim', 'siap_diambil', 'diambil', 'dibatalkan', 'kedaluwarsa')),
        created_at timestamptz NOT NULL,
        ready_at timestamptz,
        pickup_deadline timestamptz,
        closed_at timestamptz,
        version integer NOT NULL DEFAULT 1)""",
    # A member holds one open reservation per title; a copy serves one open reservation.
    """CREATE UNIQUE INDEX uq_library_open_per_title ON library.reservations (nomor_anggota, kode_judul)
        WHERE status IN ('dikirim', 'siap_diambil')""",
    """CREATE UNIQUE INDEX uq_library_open_per_copy ON library.reservations (kode_eksemplar)
        WHERE status IN ('dikirim', 'siap_diambil')""",
    "CREATE INDEX ix_library_reservations_queue ON library.reservations (cabang_ambil, status)",
    """CREATE TABLE library.history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entity text NOT NULL CHECK (entity IN ('member', 'copy', 'reservation')),
        entity_key text NOT NULL,
        action text NOT NULL,
        old jsonb,
        new jsonb,
        at timestamptz NOT NULL,
        actor text NOT NULL)""",
    "CREATE INDEX ix_library_history_entity ON library.history (entity, entity_key, id)",
]


def upgrade() -> None:
    for name, (geometry, key, search) in LAYERS.items():
        create_layer_table(name, geometry, _columns(name), key=key, searched=search)
    for statement in LIBRARY_SQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS library CASCADE")
    for name in LAYERS:
        drop_layer_table(name)
