"""The SQL of PPDB rounds (schema `ppdb`, migration 0022) and of the registrations a round reads.

Constant statements with bound parameters only; the registrations are written through the
service engine (layers/, with history), never here.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

INSERT_ROUND = text("""
    INSERT INTO ppdb.rounds (id, jenjang, opens_at, closes_at, reregister_by, zonasi_share, second_stage,
                             second_reregister_days, created_by)
    VALUES (:id, :jenjang, :opens_at, :closes_at, :reregister_by, :zonasi_share, :second_stage,
            :second_reregister_days, :created_by)
    ON CONFLICT DO NOTHING RETURNING id""")

INSERT_QUOTA = text("""
    INSERT INTO ppdb.quotas (round_id, npsn, nama, capacity, seats, geom)
    VALUES (:round_id, :npsn, :nama, :capacity, :seats, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))""")

SELECT_ROUND = text("SELECT * FROM ppdb.rounds WHERE id = :id")
LOCK_ROUND = text("SELECT * FROM ppdb.rounds WHERE id = :id FOR UPDATE")
SELECT_ROUNDS = text("SELECT * FROM ppdb.rounds ORDER BY opens_at DESC, id")
SELECT_OPEN_ROUND = text("""
    SELECT * FROM ppdb.rounds WHERE jenjang = :jenjang AND opens_at <= :now AND :now < closes_at""")

# Seats and their fill, counted from the registrations themselves (so every path that moves a
# registration, the engine's generic steps included, is counted): no applicant in it.
SELECT_QUOTAS = text("""
    SELECT q.npsn, q.nama, q.capacity, q.seats, ST_X(q.geom) AS lon, ST_Y(q.geom) AS lat,
           count(r.fid) FILTER (WHERE r.status IN ('admitted', 're_registered')) AS filled,
           count(r.fid) FILTER (WHERE r.status = 're_registered') AS confirmed,
           count(r.fid) FILTER (WHERE r.status = 'released') AS released,
           q.applicants, q.last_distance_m
    FROM ppdb.quotas q
    LEFT JOIN layers.ppdb_registrations r ON r.round_id = q.round_id AND r.hasil_npsn = q.npsn
    WHERE q.round_id = :round_id
    GROUP BY q.round_id, q.npsn ORDER BY q.nama, q.npsn""")

SELECT_QUOTA_SCHOOLS = text("""
    SELECT npsn, nama, seats, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM ppdb.quotas
    WHERE round_id = :round_id ORDER BY npsn""")

UPDATE_QUOTA_FILL = text("""
    UPDATE ppdb.quotas SET applicants = :applicants, last_distance_m = :last_distance_m
    WHERE round_id = :round_id AND npsn = :npsn""")

# The stored fill, recounted after every allocation and release: the table's CHECK (admitted <= seats)
# makes the database refuse a round that would exceed a school's quota.
REFRESH_FILL = text("""
    UPDATE ppdb.quotas q SET admitted = c.admitted, confirmed = c.confirmed, released = c.released
    FROM (SELECT q2.npsn,
                 count(r.fid) FILTER (WHERE r.status IN ('admitted', 're_registered')) AS admitted,
                 count(r.fid) FILTER (WHERE r.status = 're_registered') AS confirmed,
                 count(r.fid) FILTER (WHERE r.status = 'released') AS released
          FROM ppdb.quotas q2
          LEFT JOIN layers.ppdb_registrations r ON r.round_id = q2.round_id AND r.hasil_npsn = q2.npsn
          WHERE q2.round_id = :round_id GROUP BY q2.npsn) c
    WHERE q.round_id = :round_id AND q.npsn = c.npsn
      AND (q.admitted, q.confirmed, q.released) IS DISTINCT FROM (c.admitted, c.confirmed, c.released)""")

MARK_ALLOCATED = text("UPDATE ppdb.rounds SET allocated_at = :at, allocated_by = :by WHERE id = :id")
MARK_RELEASED = text("UPDATE ppdb.rounds SET released_at = :at WHERE id = :id")

UPSERT_RESULT = text("""
    INSERT INTO ppdb.results (round_id, case_ref, stage, npsn, choice, distance_m, explanation, at)
    VALUES (:round_id, :case_ref, :stage, :npsn, :choice, :distance_m, CAST(:explanation AS jsonb), :at)
    ON CONFLICT (round_id, case_ref, stage) DO UPDATE SET npsn = EXCLUDED.npsn, choice = EXCLUDED.choice,
        distance_m = EXCLUDED.distance_m, explanation = EXCLUDED.explanation, at = EXCLUDED.at""")

SELECT_RESULTS = text("""
    SELECT stage, npsn, choice, distance_m, explanation, at FROM ppdb.results
    WHERE round_id = :round_id AND case_ref = :case_ref ORDER BY stage""")


def select_registrations(statuses: tuple[str, ...]) -> TextClause:
    """The round's registrations in these states, oldest first, locked for the allocation's transaction."""
    return text("""
        SELECT fid, case_ref, status, ST_X(geom) AS lon, ST_Y(geom) AS lat, tanggal_lahir, submitted_at,
               pilihan_1, pilihan_2, pilihan_3, daftar_ulang_batas, hasil_npsn
        FROM layers.ppdb_registrations
        WHERE round_id = :round_id AND status = ANY(:statuses)
        ORDER BY submitted_at, case_ref FOR UPDATE""").bindparams(statuses=list(statuses))


COUNT_UNVERIFIED = text("""
    SELECT count(*) FROM layers.ppdb_registrations WHERE round_id = :round_id AND status = 'submitted'""")

SELECT_SAME_CHILD = text("""
    SELECT case_ref FROM layers.ppdb_registrations
    WHERE round_id = :round_id AND nik_anak = :nik_anak AND status NOT IN ('withdrawn', 'rejected') LIMIT 1""")
