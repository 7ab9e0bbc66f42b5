"""schools: lokasi_diragukan and catatan_lokasi, kept by a trigger from the kelurahan outlines

101 of the 1,587 Kemendikbud school points lie outside every kelurahan of
Medan (0.1-2.0 km out: wrong coordinates in the source, or a school of a
neighbouring regency). The flag is computed in the database, on every insert
and update whatever path writes (seed, import, OGC API edits, restores), so a
staff member who corrects a point clears its flag in the same transaction.
The rule: a school is doubtful when its point lies in no kelurahan; the note
says how far outside it lies. Unknown (NULL) while the kelurahan layer is
empty.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:25:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

FLAG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION layers.schools_flag_location() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    away_km double precision;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM layers.kelurahan) THEN
        NEW.lokasi_diragukan := NULL;
        NEW.catatan_lokasi := NULL;
    ELSIF EXISTS (SELECT 1 FROM layers.kelurahan k WHERE ST_Intersects(k.geom, NEW.geom)) THEN
        NEW.lokasi_diragukan := false;
        NEW.catatan_lokasi := NULL;
    ELSE
        SELECT ST_Distance(k.geom::geography, NEW.geom::geography) / 1000.0 INTO away_km
        FROM layers.kelurahan k ORDER BY k.geom <-> NEW.geom LIMIT 1;
        NEW.lokasi_diragukan := true;
        NEW.catatan_lokasi := 'Lokasi diragukan: titik ini ' || replace(to_char(away_km, 'FM9990.0'), '.', ',')
            || ' km di luar batas Kota Medan. Koordinat di data sumber mungkin salah, atau sekolah berada di '
            || 'kabupaten tetangga; petugas sedang memeriksanya.';
    END IF;
    RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.add_column('schools', sa.Column('lokasi_diragukan', sa.Boolean(), nullable=True), schema='layers')
    op.add_column('schools', sa.Column('catatan_lokasi', sa.Text(), nullable=True), schema='layers')
    op.execute(FLAG_FUNCTION)
    op.execute("CREATE TRIGGER schools_flag_location BEFORE INSERT OR UPDATE ON layers.schools "
               "FOR EACH ROW EXECUTE FUNCTION layers.schools_flag_location()")
    # Schools already loaded: the same rule, through the trigger (recorded in history like any change).
    op.execute("UPDATE layers.schools SET lokasi_diragukan = NULL")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS schools_flag_location ON layers.schools")
    op.execute("DROP FUNCTION IF EXISTS layers.schools_flag_location()")
    op.drop_column('schools', 'catatan_lokasi', schema='layers')
    op.drop_column('schools', 'lokasi_diragukan', schema='layers')
