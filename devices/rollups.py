"""Minute and hour roll-ups of telemetry, maintained incrementally, and retention.

Each run rolls up only what is new: the minutes from where the last run stopped
(devices.rollup_progress) to the threshold, and the hours those minutes close. Late
readings (a poller's batch retried after an outage) are caught the way TimescaleDB's
continuous aggregates catch them: a run first moves the threshold in a transaction of
its own, which waits for the writers in flight (each holds the threshold row FOR SHARE
while it writes, devices/store.py); every writer after that sees the new threshold and
logs an invalidation for readings below it, and the next run rolls those minutes again.
A roll-up row is replaced, never added to, so rolling a minute twice is harmless.

Rows keep per point the count of good samples, their sum, min, max and last value, so
an hour is exactly the minutes it holds and an average over any span is sum / count.
Out-of-range and non-numeric values never enter a roll-up.

Retention drops whole partitions (devices/partitions.py), raw readings first, then
minutes, then hours, and never what the next level has not rolled up yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from devices import partitions
from devices.telemetry import GOOD
from devices.telemetry import progress as _progress

# Readings normally reach the database within a second or two of the poll; a minute is
# rolled up once this much time has passed after it, so on-time readings never
# invalidate a roll-up.
SETTLE = timedelta(seconds=30)
_LOCK_KEY = 22_0002


@dataclass(frozen=True)
class Retention:
    """How long each level is kept. At 10,000 devices at 1 Hz one day of raw readings is
    about 864 million rows (see benchmarks/bench_telemetry.py for its bytes)."""

    raw: timedelta = timedelta(days=14)
    minute: timedelta = timedelta(days=180)
    hour: timedelta = timedelta(days=3650)


RETENTION = Retention()

# Per point of each reading: its value when good (else NULL), then per minute the
# aggregates of those; "last" is the value of the greatest [epoch, value] pair, which
# hash-aggregates where array_agg(... ORDER BY time) made PostgreSQL sort every value
# (a minute of 10,000 devices: 20 s instead of 36 s on this loaded machine).
_MINUTES = """
INSERT INTO devices.readings_minute AS m (minute, device, layout, readings, samples, sums, mins, maxs, lasts)
SELECT minute, device, layout, max(readings), array_agg(n ORDER BY i), array_agg(s ORDER BY i),
       array_agg(lo ORDER BY i), array_agg(hi ORDER BY i), array_agg(last ORDER BY i)
FROM (
    SELECT minute, device, layout, i, count(*)::int AS readings, count(g)::int AS n, coalesce(sum(g), 0) AS s,
           min(g) AS lo, max(g) AS hi, (max(ARRAY[t, g]) FILTER (WHERE g IS NOT NULL))[2] AS last
    FROM (
        SELECT date_trunc('minute', r.time) AS minute, r.device, r.layout, v.i,
               extract(epoch FROM r.time)::double precision AS t, CASE WHEN $GOOD THEN v.value END AS g
        FROM devices.readings r CROSS JOIN LATERAL unnest(r.values) WITH ORDINALITY AS v (value, i)
        WHERE r.time >= :start AND r.time < :end
    ) checked
    GROUP BY 1, 2, 3, 4
) per_point
GROUP BY minute, device, layout
ON CONFLICT (device, minute, layout) DO UPDATE SET
    readings = EXCLUDED.readings, samples = EXCLUDED.samples, sums = EXCLUDED.sums,
    mins = EXCLUDED.mins, maxs = EXCLUDED.maxs, lasts = EXCLUDED.lasts
""".replace("$GOOD", GOOD)

_HOURS = """
INSERT INTO devices.readings_hour AS h (hour, device, layout, readings, samples, sums, mins, maxs, lasts)
SELECT hour, device, layout, max(readings), array_agg(n ORDER BY i), array_agg(s ORDER BY i),
       array_agg(lo ORDER BY i), array_agg(hi ORDER BY i), array_agg(last ORDER BY i)
FROM (
    SELECT date_trunc('hour', m.minute) AS hour, m.device, m.layout, p.i, sum(m.readings)::int AS readings,
           sum(p.n)::int AS n, sum(p.s) AS s, min(p.lo) AS lo, max(p.hi) AS hi,
           (array_agg(p.last ORDER BY m.minute DESC) FILTER (WHERE p.n > 0))[1] AS last
    FROM devices.readings_minute m
    CROSS JOIN LATERAL unnest(m.samples, m.sums, m.mins, m.maxs, m.lasts) WITH ORDINALITY AS p (n, s, lo, hi, last, i)
    WHERE m.minute >= :start AND m.minute < :end
    GROUP BY 1, 2, 3, 4
) per_point
GROUP BY hour, device, layout
ON CONFLICT (device, hour, layout) DO UPDATE SET
    readings = EXCLUDED.readings, samples = EXCLUDED.samples, sums = EXCLUDED.sums,
    mins = EXCLUDED.mins, maxs = EXCLUDED.maxs, lasts = EXCLUDED.lasts
"""


def _minute(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(second=0, microsecond=0)


def _hour(t: datetime) -> datetime:
    return _minute(t).replace(minute=0)


def move_threshold(engine: Engine, until: datetime) -> datetime:
    """Phase one: readings below `until` written from now on log an invalidation.

    The UPDATE waits for the writers holding the threshold FOR SHARE, so when it
    commits every reading below `until` is either committed or will be invalidated.
    """
    with engine.begin() as conn:
        return conn.execute(text(
            "UPDATE devices.rollup_threshold SET threshold = greatest(threshold, :t) RETURNING threshold"),
            {"t": _minute(until)}).scalar_one()


def _ensure_rollup_partitions(conn: Connection, start: datetime, end: datetime) -> None:
    """Minute partitions for the days raw readings exist in [start, end), hour ones for their months."""
    days = [d for d in partitions.existing(conn, partitions.READINGS) if start < partitions.span_end(d, "day")
            and d < end]
    partitions.ensure(conn, partitions.MINUTES, days)
    partitions.ensure(conn, partitions.HOURS, days)


def roll_up(engine: Engine, until: datetime | None = None) -> dict[str, object]:
    """Roll up minutes and the hours they close up to `until` (default: now less SETTLE).

    Returns what was done: {"minutes": [start, end] or None, "hours": [...] or None}.
    A run that finds another one in progress skips (several pollers may call this).
    """
    threshold = move_threshold(engine, until or datetime.now(UTC) - SETTLE)
    with engine.begin() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}).scalar_one():
            return {"skipped": True}
        # A minute of 10,000 devices is about 800,000 (device, point) groups: in the default
        # 4 MB the hash aggregate spills to disk.
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        done = _progress(conn)
        late = conn.execute(text("DELETE FROM devices.rollup_invalidations RETURNING from_time")).scalars().all()
        start = done["minute"]
        if start is None:
            start = conn.execute(text("SELECT min(time) FROM devices.readings")).scalar_one()
            start = _minute(start) if start is not None else threshold
        if late:
            start = min(start, _minute(min(late)))
        oldest_raw = partitions.oldest(conn, partitions.READINGS)
        start = max(start, oldest_raw) if oldest_raw else start
        minutes = hours = None
        if start < threshold:
            _ensure_rollup_partitions(conn, start, threshold)
            conn.execute(text(_MINUTES), {"start": start, "end": threshold})
            minutes = [start, threshold]
        h_start = _hour(start) if done["hour"] is None else min(done["hour"], _hour(start))
        oldest_minute = partitions.oldest(conn, partitions.MINUTES)
        h_start = max(h_start, oldest_minute) if oldest_minute else h_start
        h_end = _hour(threshold)
        if h_start < h_end:
            conn.execute(text(_HOURS), {"start": h_start, "end": h_end})
            hours = [h_start, h_end]
        conn.execute(text("UPDATE devices.rollup_progress SET done_until = CASE level "
                          "WHEN 'minute' THEN CAST(:m AS timestamptz) ELSE greatest(done_until, :h) END"),
                     {"m": threshold, "h": h_end})
    return {"minutes": minutes, "hours": hours}


def note_writes(conn: Connection, earliest: datetime | None) -> None:
    """In a writer's transaction, before its rows: hold the threshold, and log late rows.

    Call it first in the transaction (the FOR SHARE lock is what a roll-up waits for)
    and pass the earliest reading time of the batch.
    """
    threshold = conn.execute(text("SELECT threshold FROM devices.rollup_threshold FOR SHARE")).scalar_one()
    if earliest is not None and threshold is not None and earliest < threshold:
        conn.execute(text("INSERT INTO devices.rollup_invalidations (from_time) VALUES (:t)"), {"t": earliest})


def prune(engine: Engine, retention: Retention | timedelta = RETENTION,
          now: datetime | None = None) -> dict[str, list[str] | int]:
    """Roll up, then drop the partitions each level no longer keeps and create the next ones.

    A timedelta keeps raw readings that long and the roll-ups as RETENTION says. Raw
    readings are dropped only where the minutes are rolled up, minutes only where the
    hours are. Status events older than the raw cut are deleted (few rows: changes only).
    """
    if isinstance(retention, timedelta):
        retention = Retention(raw=retention, minute=max(retention, RETENTION.minute),
                              hour=max(retention, RETENTION.hour))
    now = now or datetime.now(UTC)
    roll_up(engine)
    with engine.begin() as conn:
        done = _progress(conn)
    raw_cut = min(now - retention.raw, done["minute"] or now - retention.raw)
    minute_cut = min(now - retention.minute, done["hour"] or now - retention.minute)
    out: dict[str, list[str] | int] = {}
    for key, table, cut in (("raw", partitions.READINGS, raw_cut), ("minute", partitions.MINUTES, minute_cut),
                            ("hour", partitions.HOURS, now - retention.hour)):
        with engine.begin() as conn:
            out[key] = partitions.drop_before(conn, table, cut)
    with engine.begin() as conn:
        out["status_events"] = conn.execute(text("DELETE FROM devices.status_events WHERE time < :cut"),
                                            {"cut": partitions.span_start(raw_cut, "day")}).rowcount
        out["created"] = partitions.ensure_ahead(conn, now)
    return out
