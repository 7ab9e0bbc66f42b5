"""SQL of SIMPEG: staff, leave, and attendance from the machines' punches (values always bound).

Punches come from `devices.attendance_punches` (written by the punch poller, devices/punchpoller.py:
the table is the seam between the devices and this service), rolled up per person and day into
`simpeg.attendance_days` by a trigger in the same transaction (migration 0023). Days are WIB days
(Asia/Jakarta).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

_STAFF = "SELECT id, nip, nama, jabatan, agency, kantor, pin, user_id, aktif, source FROM simpeg.staff"


def user_ids(conn: Connection, usernames: Iterable[str]) -> dict[str, int]:
    names = sorted(set(usernames))
    if not names:
        return {}
    rows = conn.execute(text("SELECT lower(username) AS u, id FROM auth.users WHERE lower(username) = ANY(:n)"),
                        {"n": [n.lower() for n in names]}).all()
    found = {r.u: r.id for r in rows}
    return {n: found[n.lower()] for n in names if n.lower() in found}


_UPSERT = text("""
    INSERT INTO simpeg.staff (nip, nama, jabatan, agency, kantor, pin, user_id, aktif, source)
    VALUES (:nip, :nama, :jabatan, :agency, :kantor, :pin, :user_id, :aktif, :source)
    ON CONFLICT (nip) DO UPDATE SET nama = EXCLUDED.nama, jabatan = EXCLUDED.jabatan, agency = EXCLUDED.agency,
        kantor = EXCLUDED.kantor, pin = EXCLUDED.pin, user_id = EXCLUDED.user_id, aktif = EXCLUDED.aktif,
        source = EXCLUDED.source, updated_at = now()
    WHERE (simpeg.staff.nama, simpeg.staff.jabatan, simpeg.staff.agency, simpeg.staff.kantor, simpeg.staff.pin,
           simpeg.staff.user_id, simpeg.staff.aktif)
          IS DISTINCT FROM (EXCLUDED.nama, EXCLUDED.jabatan, EXCLUDED.agency, EXCLUDED.kantor, EXCLUDED.pin,
           EXCLUDED.user_id, EXCLUDED.aktif)
""")


def upsert_staff(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(_UPSERT, dict(row))


def pins_taken(conn: Connection, pins: list[int], nips: list[str]) -> dict[int, str]:
    """PINs among `pins` held by another NIP than the one importing them."""
    rows = conn.execute(text("SELECT pin, nip FROM simpeg.staff WHERE pin = ANY(:p) AND NOT nip = ANY(:n)"),
                        {"p": pins, "n": nips}).all()
    return {r.pin: r.nip for r in rows}


def accounts_taken(conn: Connection, user_ids: list[int], nips: list[str]) -> dict[int, str]:
    """Accounts among `user_ids` tied to another NIP than the one importing them (one account, one person)."""
    rows = conn.execute(text("SELECT user_id, nip FROM simpeg.staff WHERE user_id = ANY(:u) AND NOT nip = ANY(:n)"),
                        {"u": user_ids, "n": nips}).all()
    return {r.user_id: r.nip for r in rows}


def staff_by(conn: Connection, *, nip: str | None = None, user_id: int | None = None) -> Mapping[str, Any] | None:
    where = "WHERE nip = :v" if nip is not None else "WHERE user_id = :v"
    return conn.execute(text(" ".join((_STAFF, where))), {"v": nip if nip is not None else user_id}).mappings().first()


def staff_of_agency(conn: Connection, agency: str) -> list[Mapping[str, Any]]:
    sql = " ".join((_STAFF, "WHERE agency = :a AND aktif ORDER BY kantor, nama"))
    return list(conn.execute(text(sql), {"a": agency}).mappings())


def staff_history(conn: Connection, nip: str) -> list[dict[str, Any]]:
    rows = conn.execute(text("SELECT h.at, h.actor, h.op, h.old, h.new FROM simpeg.staff_history h "
                             "JOIN simpeg.staff s ON s.id = h.staff_id WHERE s.nip = :n ORDER BY h.id"), {"n": nip})
    return [dict(r) for r in rows.mappings()]


# Each active staff member on each working day (Monday-Friday) of the range, with their first
# arrival, last departure and leave. `:agency` / `:nip` NULL: every one.
_PERSON_DAYS = """
WITH days AS (
    SELECT d::date AS day FROM generate_series(CAST(:start AS date), CAST(:end AS date), interval '1 day') d
    WHERE extract(isodow FROM d) < 6),
people AS (
    SELECT id, nip, nama, jabatan, agency, kantor, pin FROM simpeg.staff
    WHERE aktif AND (CAST(:agency AS text) IS NULL OR agency = :agency)
      AND (CAST(:nip AS text) IS NULL OR nip = :nip)),
punches AS (
    SELECT a.pin, a.day, a.first_in, a.last_out
    FROM simpeg.attendance_days a JOIN people ON people.pin = a.pin
    WHERE a.day BETWEEN CAST(:start AS date) AND CAST(:end AS date)),
person_days AS (
    SELECT people.*, days.day, punches.first_in, punches.last_out,
           (SELECT l.kind FROM simpeg.leave l WHERE l.staff_id = people.id
              AND days.day BETWEEN l.first_day AND l.last_day ORDER BY l.id LIMIT 1) AS leave_kind
    FROM people CROSS JOIN days LEFT JOIN punches ON punches.pin = people.pin AND punches.day = days.day)
"""


def person_days(conn: Connection, start: date, end: date, *, agency: str | None = None,
                nip: str | None = None) -> list[Mapping[str, Any]]:
    sql = " ".join((_PERSON_DAYS, "SELECT * FROM person_days ORDER BY day, kantor, nama"))
    return list(conn.execute(text(sql), {"start": start, "end": end, "agency": agency, "nip": nip}).mappings())


def agency_days(conn: Connection, start: date, end: date, *, late_after: str, agency: str | None = None
                ) -> list[Mapping[str, Any]]:
    """Per agency and working day: staff counted, on leave, present, late, and whether the machines
    delivered anything that day (`punched` = how many staff punched at all)."""
    sql = " ".join((_PERSON_DAYS, _AGENCY_DAYS))
    return list(conn.execute(text(sql), {"start": start, "end": end, "agency": agency, "nip": None,
                                         "late": late_after}).mappings())


_AGENCY_DAYS = """
    SELECT agency, day, count(*) AS staff,
           count(*) FILTER (WHERE leave_kind IS NOT NULL) AS on_leave,
           count(*) FILTER (WHERE leave_kind IS NULL AND (first_in IS NOT NULL OR last_out IS NOT NULL)) AS present,
           count(*) FILTER (WHERE leave_kind IS NULL AND (first_in AT TIME ZONE 'Asia/Jakarta')::time > CAST(:late AS time))
               AS late,
           count(*) FILTER (WHERE first_in IS NOT NULL OR last_out IS NOT NULL) AS punched
    FROM person_days GROUP BY agency, day ORDER BY agency, day"""


def agencies_with_staff(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT DISTINCT agency FROM simpeg.staff WHERE aktif ORDER BY agency")).scalars())


def transitions_by(conn: Connection, user_id: int, start: datetime, end: datetime) -> list[Mapping[str, Any]]:
    """The case steps (engine transitions) one account made in [start, end), each with when its case
    entered the state it left (the previous submission or transition of that case)."""
    sql = """
    WITH me AS (SELECT username FROM auth.users WHERE id = :uid),
    ev AS (
        SELECT e.id, e.service, e.case_ref, e.at, e.actor, e.kind, e.from_state,
               lag(e.at) OVER (PARTITION BY e.service, e.case_ref ORDER BY e.at, e.id) AS entered
        FROM engine.case_events e WHERE e.kind IN ('submitted', 'transition'))
    SELECT ev.service, ev.case_ref, ev.from_state, ev.entered, ev.at FROM ev, me
    WHERE ev.kind = 'transition' AND ev.at >= :start AND ev.at < :end
      AND (ev.actor = 'user:' || me.username OR (ev.actor LIKE 'token:%' AND split_part(ev.actor, ':', 3) = me.username))
    ORDER BY ev.at"""
    return list(conn.execute(text(sql), {"uid": user_id, "start": start, "end": end}).mappings())


def add_leave(conn: Connection, staff_id: int, first_day: date, last_day: date, kind: str, note: str | None) -> int:
    return conn.execute(text("INSERT INTO simpeg.leave (staff_id, first_day, last_day, kind, note) "
                             "VALUES (:s, :f, :l, :k, :n) RETURNING id"),
                        {"s": staff_id, "f": first_day, "l": last_day, "k": kind, "n": note}).scalar_one()


# Attendance rate per kecamatan and month (the indicators' shape): offices KC-/KL- belong to the
# kecamatan of their code; only office-days on which someone of the office punched count. From the
# office-day roll-up (simpeg.office_days, kept by the punches' trigger), less the staff on leave and
# those who punched on a day of leave: a year of the seeded city in tens of ms (person-days: 2.6 s).
_KECAMATAN_MONTHS = """
WITH people AS (
    SELECT id, pin, kantor FROM simpeg.staff WHERE aktif AND (kantor LIKE 'KC-%' OR kantor LIKE 'KL-%')),
office_size AS (SELECT kantor, count(*) AS n FROM people GROUP BY kantor),
leave_days AS (
    SELECT p.kantor, d::date AS day, p.pin FROM simpeg.leave l JOIN people p ON p.id = l.staff_id
    CROSS JOIN generate_series(greatest(l.first_day, CAST(:start AS date)), least(l.last_day, CAST(:end AS date)),
                               interval '1 day') d
    WHERE extract(isodow FROM d) < 6),
leave_counts AS (SELECT kantor, day, count(*) AS n FROM leave_days GROUP BY kantor, day),
came_on_leave AS (  -- from the few leave rows by the roll-up's key (pin, day), never a scan of the roll-up
    SELECT p.kantor, a.day, count(*) AS n FROM simpeg.leave l JOIN people p ON p.id = l.staff_id
    JOIN simpeg.attendance_days a ON a.pin = p.pin
         AND a.day BETWEEN greatest(l.first_day, CAST(:start AS date)) AND least(l.last_day, CAST(:end AS date))
    WHERE extract(isodow FROM a.day) < 6 GROUP BY p.kantor, a.day),
counted AS (
    SELECT substr(o.kantor, 4, 8) AS kode_kec, date_trunc('month', o.day)::date AS month,
           o.present - coalesce(cl.n, 0) AS present, s.n - coalesce(lc.n, 0) AS expected
    FROM simpeg.office_days o JOIN office_size s USING (kantor)
    LEFT JOIN leave_counts lc USING (kantor, day) LEFT JOIN came_on_leave cl USING (kantor, day)
    WHERE o.day BETWEEN CAST(:start AS date) AND CAST(:end AS date) AND extract(isodow FROM o.day) < 6)
SELECT kode_kec, month, sum(expected) AS expected, sum(present) AS present
FROM counted GROUP BY GROUPING SETS ((kode_kec, month), (month)) ORDER BY month, kode_kec NULLS FIRST"""


def kecamatan_months(conn: Connection, start: date, end: date) -> list[Mapping[str, Any]]:
    return list(conn.execute(text(_KECAMATAN_MONTHS), {"start": start, "end": end}).mappings())


# The roll-ups from every stored punch again (the trigger only adds): after punches were deleted by
# hand, or to check the trigger. Offices are the staff's current ones.
_REBUILD = """
DELETE FROM simpeg.attendance_days;
DELETE FROM simpeg.office_days;
INSERT INTO simpeg.attendance_days (pin, day, first_in, last_out, punches)
SELECT pin, (punched_at AT TIME ZONE 'Asia/Jakarta')::date,
       min(punched_at) FILTER (WHERE direction = 0), max(punched_at) FILTER (WHERE direction = 1), count(*)
FROM devices.attendance_punches GROUP BY 1, 2;
INSERT INTO simpeg.office_days (kantor, day, present)
SELECT s.kantor, a.day, count(*) FROM simpeg.attendance_days a JOIN simpeg.staff s ON s.pin = a.pin
GROUP BY s.kantor, a.day;
"""


def rebuild_roll_ups(conn: Connection) -> int:
    """Recompute simpeg.attendance_days and simpeg.office_days from the punches; returns the person-days."""
    for statement in _REBUILD.strip().split(";\n"):
        conn.execute(text(statement))
    return conn.execute(text("SELECT count(*) FROM simpeg.attendance_days")).scalar_one()
