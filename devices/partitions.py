"""Native PostgreSQL range partitions by time for telemetry: created ahead, dropped behind.

A partition is named after its parent and the start of the span it holds
(`devices.readings_p20261207` for a day, `devices.readings_hour_p202612` for a month),
the same names migration 0020 gives. Retention drops whole partitions: dropping a day
of readings is a catalogue change whatever its size, where a DELETE would visit every
row, write WAL for it and leave the table to vacuum.

DDL cannot bind parameters, so names and bounds are built here only from the
allow-listed tables below and from dates this module formats itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class PartitionedTable:
    """A parent table partitioned by time in spans of one `unit` ("day" or "month")."""

    name: str  # in schema devices
    unit: str

    @property
    def qualified(self) -> str:
        return f"devices.{self.name}"


READINGS = PartitionedTable("readings", "day")
MINUTES = PartitionedTable("readings_minute", "day")
HOURS = PartitionedTable("readings_hour", "month")
TABLES = (READINGS, MINUTES, HOURS)
# How far ahead partitions exist, so a writer rarely has to create one.
AHEAD = {"day": timedelta(days=2), "month": timedelta(days=31)}
# One lock for every partition change of the telemetry tables (several pollers may try).
_LOCK_KEY = 22_0001


def span_start(t: datetime, unit: str) -> datetime:
    """The start of the day or month holding `t` (UTC)."""
    day = t.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day if unit == "day" else day.replace(day=1)


def span_end(start: datetime, unit: str) -> datetime:
    if unit == "day":
        return start + timedelta(days=1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def partition_name(table: PartitionedTable, start: datetime) -> str:
    return f"{table.name}_p{start.strftime('%Y%m%d' if table.unit == 'day' else '%Y%m')}"


def _start_of(table: PartitionedTable, name: str) -> datetime | None:
    match = re.fullmatch(rf"{table.name}_p(\d{{8}}|\d{{6}})", name)
    if not match:
        return None
    digits = match.group(1)
    fmt = "%Y%m%d" if len(digits) == 8 else "%Y%m"
    return datetime.strptime(digits, fmt).replace(tzinfo=UTC)


def existing(conn: Connection, table: PartitionedTable) -> dict[datetime, str]:
    """{span start: partition name} of the partitions the table has now."""
    rows = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:parent AS regclass)"), {"parent": table.qualified}).scalars()
    found = {}
    for name in rows:
        start = _start_of(table, name)
        if start is not None:
            found[start] = name
    return found


def spans(table: PartitionedTable, first: datetime, last: datetime) -> list[datetime]:
    """The starts of the spans that cover [first, last]."""
    start, out = span_start(first, table.unit), []
    while start <= last:
        out.append(start)
        start = span_end(start, table.unit)
    return out


def ensure(conn: Connection, table: PartitionedTable, starts: Iterable[datetime]) -> list[str]:
    """Create the partitions starting at `starts` that are missing; returns the names created.

    Run it in a short transaction of its own: creating a partition locks the parent.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    have = existing(conn, table)
    created = []
    for start in sorted({span_start(s, table.unit) for s in starts} - set(have)):
        name = partition_name(table, start)
        end = span_end(start, table.unit)
        conn.execute(text(f"CREATE TABLE devices.{name} PARTITION OF {table.qualified} "
                          f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"))
        created.append(name)
    return created


def ensure_ahead(conn: Connection, now: datetime) -> list[str]:
    """Every table's partitions from now to AHEAD of it."""
    created = []
    for table in TABLES:
        created += ensure(conn, table, spans(table, now, now + AHEAD[table.unit]))
    return created


def drop_before(conn: Connection, table: PartitionedTable, cut: datetime) -> list[str]:
    """Drop the partitions whose whole span lies before `cut`; returns their names.

    A lock wait is bounded: a long query on the table makes the drop fail (and the
    next maintenance try again) instead of queueing every writer behind it.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
    dropped = []
    for start, name in sorted(existing(conn, table).items()):
        if span_end(start, table.unit) <= cut:
            conn.execute(text(f"DROP TABLE devices.{name}"))
            dropped.append(name)
    return dropped


def oldest(conn: Connection, table: PartitionedTable) -> datetime | None:
    """The start of the table's oldest partition (None without any)."""
    starts = existing(conn, table)
    return min(starts) if starts else None
