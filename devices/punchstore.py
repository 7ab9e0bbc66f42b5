"""Punches in PostgreSQL: `devices.attendance_punches`, and the PINs each machine knows.

A punch is keyed by (machine, PIN, time): the same record fetched twice (a poller that
stored a window and died before acknowledging it fetches it again) is stored once. The
SIMPEG service (services/simpeg) reads the table to compute attendance; the enrolments
come from its staff records through the view `devices.attendance_enrolments` (migration 0023).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from devices.punchlog import Punch

_INSERT = text("""
    INSERT INTO devices.attendance_punches (machine, pin, punched_at, direction, seq)
    SELECT :machine, p.pin, to_timestamp(p.at), p.direction, p.seq
    FROM unnest(CAST(:pins AS bigint[]), CAST(:ats AS bigint[]), CAST(:dirs AS smallint[]), CAST(:seqs AS bigint[]))
         AS p(pin, at, direction, seq)
    ON CONFLICT (machine, pin, punched_at) DO NOTHING
""")


def store_punches(conn: Connection, machine: str, punches: Sequence[Punch]) -> int:
    """Insert a machine's punches in the caller's transaction; returns how many were new."""
    if not punches:
        return 0
    result = conn.execute(_INSERT, {
        "machine": machine, "pins": [p.pin for p in punches], "ats": [p.at for p in punches],
        "dirs": [p.direction for p in punches], "seqs": [p.seq for p in punches]})
    return result.rowcount


def enrolments(engine: Engine) -> dict[str, list[int]]:
    """The PINs enrolled on each machine (by machine code)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT machine, array_agg(pin ORDER BY pin) AS pins "
                                 "FROM devices.attendance_enrolments GROUP BY machine")).all()
    return {r.machine: list(r.pins) for r in rows}


def punches_of(engine: Engine, machine: str | None = None) -> list[dict]:
    """Stored punches (oldest first), of one machine or all: for the CLI and tests."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT machine, pin, punched_at, direction, seq FROM devices.attendance_punches "
                                 "WHERE CAST(:m AS text) IS NULL OR machine = :m ORDER BY punched_at, machine, pin"),
                            {"m": machine}).mappings().all()
    return [dict(r) for r in rows]


def utc(at: int) -> datetime:
    return datetime.fromtimestamp(at, UTC)
