"""School funds' SQL: schema `schoolfunds` and the `schools` and `kecamatan` layers. Values always bound."""

from __future__ import annotations

from sqlalchemy import TextClause, text


def school() -> TextClause:
    return text("SELECT npsn, nama, jenjang, status, alamat, nama_kel, nama_kec, lokasi_diragukan "
                "FROM layers.schools WHERE npsn = :npsn")


def schools_known() -> TextClause:
    return text("SELECT npsn FROM layers.schools WHERE npsn = ANY(:npsns)")


def entries_of_school() -> TextClause:
    return text("SELECT tahun, arah, kategori, jumlah, updated_at, updated_by, source FROM schoolfunds.entries "
                "WHERE npsn = :npsn ORDER BY tahun DESC, arah DESC, kategori")


def students_of_school() -> TextClause:
    return text("SELECT tahun, siswa FROM schoolfunds.students WHERE npsn = :npsn")


def lock_entry() -> TextClause:
    return text("SELECT jumlah FROM schoolfunds.entries WHERE npsn = :npsn AND tahun = :tahun AND arah = :arah "
                "AND kategori = :kategori FOR UPDATE")


def upsert_entry() -> TextClause:
    return text("""
        INSERT INTO schoolfunds.entries (npsn, tahun, arah, kategori, jumlah, updated_at, updated_by, source)
        VALUES (:npsn, :tahun, :arah, :kategori, :jumlah, now(), :actor, :source)
        ON CONFLICT (npsn, tahun, arah, kategori) DO UPDATE SET jumlah = EXCLUDED.jumlah,
            updated_at = now(), updated_by = EXCLUDED.updated_by, source = EXCLUDED.source""")


def insert_history() -> TextClause:
    return text("""
        INSERT INTO schoolfunds.entry_history (npsn, tahun, arah, kategori, old_jumlah, new_jumlah, changed_by, via)
        VALUES (:npsn, :tahun, :arah, :kategori, :old, :jumlah, :actor, :via)""")


def upsert_students() -> TextClause:
    return text("""
        INSERT INTO schoolfunds.students (npsn, tahun, siswa, updated_at, updated_by, source)
        VALUES (:npsn, :tahun, :siswa, now(), :actor, :source)
        ON CONFLICT (npsn, tahun) DO UPDATE SET siswa = EXCLUDED.siswa, updated_at = now(),
            updated_by = EXCLUDED.updated_by, source = EXCLUDED.source""")


def history_of_school() -> TextClause:
    return text("SELECT tahun, arah, kategori, old_jumlah, new_jumlah, changed_at, changed_by, via "
                "FROM schoolfunds.entry_history WHERE npsn = :npsn ORDER BY id DESC LIMIT 200")


def per_kecamatan() -> TextClause:
    """Per kecamatan for year :tahun: BOS received (regular + performance), everything received and
    spent, and the pupils of the schools that reported; schools of doubtful location left out."""
    return text("""
        WITH school_year AS (
            SELECT s.npsn, s.nama_kec,
                   sum(e.jumlah) FILTER (WHERE e.arah = 'penerimaan' AND e.kategori IN ('bos_reguler', 'bos_kinerja')) AS bos,
                   sum(e.jumlah) FILTER (WHERE e.arah = 'penerimaan') AS diterima,
                   sum(e.jumlah) FILTER (WHERE e.arah = 'belanja') AS dibelanjakan
            FROM layers.schools s JOIN schoolfunds.entries e ON e.npsn = s.npsn AND e.tahun = :tahun
            WHERE NOT coalesce(s.lokasi_diragukan, false)
            GROUP BY s.npsn, s.nama_kec)
        SELECT k.kode_kec, k.nama_kec, count(y.npsn)::int AS sekolah,
               coalesce(sum(y.bos), 0)::bigint AS bos, coalesce(sum(y.diterima), 0)::bigint AS diterima,
               coalesce(sum(y.dibelanjakan), 0)::bigint AS dibelanjakan,
               coalesce(sum(st.siswa) FILTER (WHERE y.bos IS NOT NULL), 0)::bigint AS siswa,
               ST_AsGeoJSON(ST_SimplifyPreserveTopology(k.geom, 0.0002), 6) AS geometry
        FROM layers.kecamatan k
        LEFT JOIN school_year y ON y.nama_kec = k.nama_kec
        LEFT JOIN schoolfunds.students st ON st.npsn = y.npsn AND st.tahun = :tahun
        GROUP BY k.kode_kec, k.nama_kec, k.geom ORDER BY k.nama_kec""")


def years() -> TextClause:
    return text("SELECT DISTINCT tahun FROM schoolfunds.entries ORDER BY tahun")


def seeded() -> TextClause:
    return text("SELECT count(*) FROM schoolfunds.entries WHERE source = 'synthetic'")


def seed_schools() -> TextClause:
    return text("SELECT npsn, jenjang, status, daya_tampung FROM layers.schools "
                "WHERE NOT coalesce(lokasi_diragukan, false) ORDER BY npsn")
