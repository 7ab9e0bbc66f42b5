"""Where readings are written and read: devices.readings and its roll-ups (migration 0020).

A reading is one compact row: time, the device as an integer (devices.telemetry_devices),
its layout (devices.point_layouts: the model and the ordered point names), the values as
a double precision[] in the layout's order and the quality as a bit string (bit i set
when point i is out of range; NULL when all are good). Rows go in by COPY.

Reads choose their level by the bucket asked (devices/rollups.py keeps the levels):
a chart whose buckets are whole hours reads hour rows up to where the hours are done,
minute rows after that, and raw readings for the newest part; buckets of whole minutes
start at the minute level; anything finer reads raw readings. The first bucket is
always whole (the window starts at a bucket boundary), so the answer is the same
whichever level gives it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from devices import partitions
from devices.datatypes import Reading

READING_COLUMNS = ("time", "device", "layout", "latency_ms", "values", "quality")


def _array(values: Iterable[float | None]) -> str:
    """A double precision[] literal; repr of a finite float is exact and fast, the rest is spelled out."""
    values = list(values)
    try:
        text_ = ",".join(map(repr, map(float, values)))
    except TypeError:  # a None among them
        text_ = "n"
    if "n" in text_:  # nan, inf or None: spell each the way PostgreSQL reads it
        text_ = ",".join(map(_number, values))
    return "{" + text_ + "}"


def _number(value: float | None) -> str:
    if value is None:
        return "NULL"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


class TelemetryWriter:
    """Writes readings of one process; caches device ids, layouts and the partitions seen.

    New devices, layouts and partitions are registered in short transactions of their
    own before the batch's, so a batch that rolls back never leaves an id cached that
    the database does not hold.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.devices: dict[str, int] = {}
        self.layouts: dict[tuple[str, tuple[str, ...]], int] = {}
        self.days: set[datetime] = set()

    def prepare(self, readings: Sequence[Reading]) -> None:
        """Register unknown devices and layouts and create missing day partitions."""
        new_devices = sorted({r.device_id for r in readings} - set(self.devices))
        new_layouts = sorted({(r.model, tuple(r.values)) for r in readings} - set(self.layouts))
        new_days = {datetime.fromtimestamp(day * 86400, UTC) for day in {int(r.time // 86400) for r in readings}}
        new_days -= self.days
        if not (new_devices or new_layouts or new_days):
            return
        with self.engine.begin() as conn:
            if new_devices:
                self.devices.update(_register_devices(conn, new_devices))
            if new_layouts:
                self.layouts.update(_register_layouts(conn, new_layouts))
        if new_days:
            with self.engine.begin() as conn:
                partitions.ensure(conn, partitions.READINGS, new_days)
            # Only recent days are remembered: an old day's partition may be dropped by
            # retention at any time, so a late reading for it checks again.
            recent = datetime.now(UTC) - timedelta(days=1)
            self.days |= {d for d in new_days if d >= recent}

    def forget(self) -> None:
        """Drop the caches (after a failed write: the next one registers and checks again)."""
        self.devices.clear()
        self.layouts.clear()
        self.days.clear()

    def copy(self, conn: Connection, readings: Sequence[Reading]) -> int:
        """COPY readings into devices.readings in `conn`'s transaction; returns the rows written."""
        if not readings:
            return 0
        buffer = io.StringIO()
        for r in readings:
            names = tuple(r.values)
            layout = self.layouts[(r.model, names)]
            bad = r.out_of_range
            quality = "".join("1" if n in bad else "0" for n in names) if bad else "\\N"
            values = _array(r.values.values())
            stamp = datetime.fromtimestamp(r.time, UTC).isoformat()
            buffer.write(f"{stamp}\t{self.devices[r.device_id]}\t{layout}\t{round(r.latency_s * 1000, 3)}"
                         f"\t{values}\t{quality}\n")
        buffer.seek(0)
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.copy_expert(f"COPY devices.readings ({', '.join(READING_COLUMNS)}) FROM STDIN", buffer)
        return len(readings)


def _register_devices(conn: Connection, device_ids: Sequence[str]) -> dict[str, int]:
    conn.execute(text("INSERT INTO devices.telemetry_devices (device_id) SELECT unnest(CAST(:ids AS text[])) "
                      "ON CONFLICT DO NOTHING"), {"ids": list(device_ids)})
    rows = conn.execute(text("SELECT device_id, id FROM devices.telemetry_devices "
                             "WHERE device_id = ANY(CAST(:ids AS text[]))"), {"ids": list(device_ids)})
    return {device_id: ident for device_id, ident in rows}


def _register_layouts(conn: Connection, layouts: Iterable[tuple[str, tuple[str, ...]]]) -> dict:
    out = {}
    for model, names in layouts:
        conn.execute(text("INSERT INTO devices.point_layouts (model, points) VALUES (:m, CAST(:p AS text[])) "
                          "ON CONFLICT DO NOTHING"), {"m": model, "p": list(names)})
        out[(model, names)] = conn.execute(text(
            "SELECT id FROM devices.point_layouts WHERE model = :m AND points = CAST(:p AS text[])"),
            {"m": model, "p": list(names)}).scalar_one()
    return out


# -- reading ---------------------------------------------------------------------------

# A value enters an average when it is a number and its quality bit is clear.
GOOD = "(v.value IS NOT NULL AND v.value <> 'NaN' AND (r.quality IS NULL OR get_bit(r.quality, v.i::int - 1) = 0))"

# Per bucket and point: the sum and count of good values, from each level in turn:
# hours before :h_end, minutes in [:h_end, :m_end), raw readings from :m_end on.
# The bounds are literals, so the planner prunes partitions and sizes each part right
# (with them as subqueries it planned a parallel scan of every raw partition: 25 ms).
_SERIES = """
SELECT to_timestamp(b * :bucket) AS t, point, sum(s) / sum(n) AS avg
FROM (
    SELECT floor(extract(epoch FROM h.hour) / :bucket) AS b, p.point, p.n, p.s
    FROM devices.readings_hour h JOIN devices.point_layouts l ON l.id = h.layout
    CROSS JOIN LATERAL unnest(l.points, h.samples, h.sums) AS p (point, n, s)
    WHERE h.device = :device AND h.hour >= :s0 AND h.hour < :h_end
    UNION ALL
    SELECT floor(extract(epoch FROM m.minute) / :bucket), p.point, p.n, p.s
    FROM devices.readings_minute m JOIN devices.point_layouts l ON l.id = m.layout
    CROSS JOIN LATERAL unnest(l.points, m.samples, m.sums) AS p (point, n, s)
    WHERE m.device = :device AND m.minute >= :h_end AND m.minute < :m_end
    UNION ALL
    SELECT floor(extract(epoch FROM r.time) / :bucket), l.points[v.i], 1, v.value
    FROM devices.readings r JOIN devices.point_layouts l ON l.id = r.layout
    CROSS JOIN LATERAL unnest(r.values) WITH ORDINALITY AS v (value, i)
    WHERE r.device = :device AND r.time >= :m_end AND $GOOD
) parts
WHERE n > 0 GROUP BY b, point ORDER BY point, b
""".replace("$GOOD", GOOD)


def progress(conn: Connection) -> dict[str, datetime | None]:
    """How far each roll-up level is done: {"minute": t, "hour": t} (None: not yet)."""
    return {level: done for level, done in conn.execute(text("SELECT level, done_until FROM devices.rollup_progress"))}


def level_bounds(done: dict[str, datetime | None], s0: datetime, bucket_s: int) -> tuple[datetime, datetime]:
    """(h_end, m_end): hours serve [s0, h_end), minutes [h_end, m_end), raw readings the rest.

    A level serves only buckets made of its whole units, and only as far as it is done.
    Bounds read a moment ago stay valid: levels only grow, and raw readings are kept
    far longer than a roll-up lags.
    """
    h_end = max(s0, done["hour"] or s0) if bucket_s % 3600 == 0 else s0
    m_end = max(h_end, done["minute"] or h_end) if bucket_s % 60 == 0 else h_end
    return h_end, m_end


def series(engine: Engine, device: str, since: datetime, bucket_s: int) -> list[dict]:
    """{t, point, avg} per point and bucket of `bucket_s` seconds from the bucket holding `since`.

    Out-of-range values never enter an average. Whole-hour buckets read hour roll-ups
    where they are done, whole-minute buckets minute roll-ups, the rest raw readings.
    """
    if bucket_s < 1:
        raise ValueError("bucket_s must be at least 1 second")
    s0 = datetime.fromtimestamp(math.floor(since.timestamp() / bucket_s) * bucket_s, UTC)
    with engine.connect() as conn:
        ident = conn.execute(text("SELECT id FROM devices.telemetry_devices WHERE device_id = :d"),
                             {"d": device}).scalar()
        if ident is None:
            return []
        h_end, m_end = level_bounds(progress(conn), s0, bucket_s)
        # A chart reads a few hundred rows; on a partition whose statistics lag the
        # planner chose parallel workers, whose start-up alone cost 35 ms.
        conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        params = {"device": ident, "s0": s0, "bucket": bucket_s, "h_end": h_end, "m_end": m_end}
        return [dict(r) for r in conn.execute(text(_SERIES), params).mappings()]


_RAW = """
SELECT r.time, l.points, r.values, r.quality::text AS quality
FROM devices.readings r JOIN devices.point_layouts l ON l.id = r.layout
WHERE r.device = (SELECT id FROM devices.telemetry_devices WHERE device_id = :device) AND r.time >= :since
ORDER BY r.time
"""
_RAW_POINT = """
SELECT r.time, r.values[array_position(l.points, CAST(:point AS text))] AS value,
       CASE WHEN r.quality IS NOT NULL
                 AND get_bit(r.quality, array_position(l.points, CAST(:point AS text)) - 1) = 1
            THEN 'bad' ELSE 'good' END AS quality
FROM devices.readings r JOIN devices.point_layouts l ON l.id = r.layout
WHERE r.device = (SELECT id FROM devices.telemetry_devices WHERE device_id = :device) AND r.time >= :since
  AND CAST(:point AS text) = ANY(l.points)
ORDER BY r.time
"""
_HOURLY = """
SELECT h.hour AS time, p.point, p.samples, p.total / p.samples AS avg, p.min, p.max, p.last
FROM devices.readings_hour h JOIN devices.point_layouts l ON l.id = h.layout
CROSS JOIN LATERAL unnest(l.points, h.samples, h.sums, h.mins, h.maxs, h.lasts)
    AS p (point, samples, total, min, max, last)
WHERE h.device = (SELECT id FROM devices.telemetry_devices WHERE device_id = :device) AND h.hour >= :since
  AND p.samples > 0 AND (CAST(:point AS text) IS NULL OR p.point = :point)
ORDER BY h.hour, p.point
"""


def raw_readings(engine: Engine, device: str, since: datetime) -> list[dict]:
    """A device's raw readings since a time: {time, scaled, out_of_range} (out_of_range: bad points)."""
    with engine.connect() as conn:
        rows = conn.execute(text(_RAW), {"device": device, "since": since}).mappings().all()
    return [{"time": r["time"], "scaled": dict(zip(r["points"], r["values"], strict=True)),
             "out_of_range": [p for p, bit in zip(r["points"], r["quality"] or "", strict=False) if bit == "1"]}
            for r in rows]


def point_readings(engine: Engine, device: str, since: datetime, point: str) -> list[dict]:
    """One point's raw values since a time, each with its quality ("good" or "bad")."""
    with engine.connect() as conn:
        rows = conn.execute(text(_RAW_POINT), {"device": device, "since": since, "point": point}).mappings()
        return [dict(r) for r in rows]


def hourly(engine: Engine, device: str, since: datetime, point: str | None = None) -> list[dict]:
    """The hour roll-ups of a device since a time: {time, point, samples, avg, min, max, last}."""
    with engine.connect() as conn:
        rows = conn.execute(text(_HOURLY), {"device": device, "since": since, "point": point}).mappings()
        return [dict(r) for r in rows]
