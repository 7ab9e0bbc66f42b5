"""The poller's PostGIS sink: telemetry, latest state per device, status events, alarms.

Each batch is written in one transaction: readings by COPY into devices.telemetry,
the latest reading and status of each device upserted into devices.device_state (one
row per device, so the operator map reads it without touching telemetry), and status
changes appended to devices.status_events. Alarm rules are then evaluated on the batch
and their transitions persisted by devices/alarms.py (a separate transaction, so an
alarm problem never costs telemetry).

psycopg2 blocks, so writes run in a worker thread; the poller's loop keeps polling.
Retention: ``prune(older_than)`` first rolls the hours it will delete into
devices.telemetry_hourly, so aggregates outlive raw rows.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from psycopg2.extras import execute_values
from sqlalchemy import Connection, Engine, text

from devices.datatypes import Batch, DeviceConfig, Reading, StatusChange
from devices.diagnostics import store_counts
from devices.faultlog import FaultLog
from devices.registry import DeviceRecord, split_device_id
from devices.rules import Evaluator, Rule, load_rules
from layers.db import engine_for

if TYPE_CHECKING:
    from devices.alarmlife import Policy

log = logging.getLogger(__name__)

DEFAULT_RETENTION = timedelta(days=90)
MAINTENANCE_EVERY_S = 3600.0
TELEMETRY_COLUMNS = ("time", "device_id", "model", "scaled", "raw", "out_of_range", "latency_ms")


class StoreNotReady(RuntimeError):
    """The database has no devices schema (migration 0003 not applied)."""


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _pg_array(items: Sequence[str]) -> str:
    # Point names are identifiers from the register maps, so no quoting is needed.
    return "{" + ",".join(items) + "}"


def check_schema(engine: Engine) -> None:
    """Fail with a clear message when the devices tables are missing."""
    with engine.connect() as conn:
        present = conn.execute(text("SELECT to_regclass('devices.telemetry') IS NOT NULL")).scalar_one()
    if not present:
        raise StoreNotReady(
            "schema devices is missing: run `python -m webgis db migrate` (migration 0003). A database "
            "migrated while 0003 was still an empty placeholder must be recreated.")


def copy_readings(conn: Connection, readings: Sequence[Reading]) -> int:
    """Bulk-insert readings with COPY; returns the rows written."""
    if not readings:
        return 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for r in readings:
        writer.writerow([_ts(r.time).isoformat(), r.device_id, r.model,
                         json.dumps(r.values, separators=(",", ":")),
                         json.dumps(r.raw, separators=(",", ":")),
                         _pg_array(r.out_of_range), round(r.latency_s * 1000, 3)])
    buffer.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.copy_expert(f"COPY devices.telemetry ({', '.join(TELEMETRY_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                       buffer)
    return len(readings)


_UPSERT_LATEST = """
INSERT INTO devices.device_state AS s
    (device_id, layer, code, model, status, status_since, last_seen, scaled, raw, out_of_range, updated_at)
VALUES %s
ON CONFLICT (device_id) DO UPDATE SET
    model = EXCLUDED.model, last_seen = EXCLUDED.last_seen, scaled = EXCLUDED.scaled,
    raw = EXCLUDED.raw, out_of_range = EXCLUDED.out_of_range, updated_at = now()
WHERE s.last_seen IS NULL OR s.last_seen <= EXCLUDED.last_seen
"""

_INSERT_UNKNOWN = """
INSERT INTO devices.device_state (device_id, layer, code, model) VALUES %s
ON CONFLICT (device_id) DO NOTHING
"""

# NULL status or fault in a row means "this batch did not change it".
_UPDATE_STATUS = """
UPDATE devices.device_state s SET
    status = coalesce(v.status, s.status),
    status_since = CASE WHEN v.status IS NOT NULL AND v.status <> s.status THEN v.since
                        ELSE s.status_since END,
    fault = CASE WHEN v.fault IS NULL THEN s.fault ELSE nullif(v.fault, '') END,
    fault_since = CASE WHEN v.fault IS NULL OR v.fault = coalesce(s.fault, '') THEN s.fault_since
                       WHEN v.fault = '' THEN NULL ELSE v.fault_since END,
    updated_at = now()
FROM (VALUES %s) AS v (device_id, status, since, fault, fault_since)
WHERE s.device_id = v.device_id
"""


def _where(device: str) -> tuple[str | None, str | None]:
    found = split_device_id(device)
    return found if found else (None, None)


def upsert_latest(conn: Connection, readings: Sequence[Reading]) -> int:
    """Keep one row per device with its newest values."""
    latest: dict[str, Reading] = {}
    for r in readings:
        if r.device_id not in latest or r.time >= latest[r.device_id].time:
            latest[r.device_id] = r
    rows = [(r.device_id, *_where(r.device_id), r.model, "online", _ts(r.time), _ts(r.time),
             json.dumps(r.values), json.dumps(r.raw), list(r.out_of_range), datetime.now(UTC))
            for r in latest.values()]
    if rows:
        execute_values(conn.connection.dbapi_connection.cursor(), _UPSERT_LATEST, rows, page_size=500)
    return len(rows)


def record_changes(conn: Connection, changes: Sequence[StatusChange], models: Mapping[str, str]) -> None:
    """Append status changes and fold them into each device's current status and fault."""
    if not changes:
        return
    cursor = conn.connection.dbapi_connection.cursor()
    execute_values(cursor, "INSERT INTO devices.status_events (time, device_id, status, detail) VALUES %s",
                   [(_ts(c.time), c.device_id, c.status, c.detail) for c in changes], page_size=500)
    current: dict[str, list] = {}
    for c in sorted(changes, key=lambda c: c.time):
        row = current.setdefault(c.device_id, [None, _ts(c.time), None, None])
        if c.status in ("online", "offline"):
            row[0], row[1] = c.status, _ts(c.time)
        elif c.status == "fault":
            # "<fault name>: <what happened>": the name is what alarm rules match after a restart.
            row[2], row[3] = (f"{c.fault}: {c.detail}" if c.fault else c.detail or "fault"), _ts(c.time)
        elif c.status == "recovered":
            row[2] = ""
    execute_values(cursor, _INSERT_UNKNOWN,
                   [(d, *_where(d), models.get(d, "unknown")) for d in current], page_size=500)
    execute_values(cursor, _UPDATE_STATUS, [(d, *row) for d, row in current.items()],
                   template="(%s, %s::text, %s::timestamptz, %s::text, %s::timestamptz)", page_size=500)


class PostgisSink:
    """The poller's sink that writes to PostGIS (schema devices) and raises alarms."""

    def __init__(self, database: str | Engine, *, devices: Sequence[DeviceRecord] = (),
                 rules: Mapping[str, list[Rule]] | None = None, alarms: bool = True,
                 retention: timedelta | None = DEFAULT_RETENTION,
                 maintenance_every_s: float = MAINTENANCE_EVERY_S,
                 traffic_every_s: float | None = None, confirm_window_s: float = 60.0) -> None:
        self.engine = engine_for(database) if isinstance(database, str) else database
        check_schema(self.engine)
        self.devices = {d.device_id: d for d in devices}
        self.models = {d.device_id: d.model for d in devices}
        self.retention = retention
        self.maintenance_every_s = maintenance_every_s
        self._last_maintenance = time.monotonic()
        # Congestion layer refresh (devices/traffic.py); None: only `python -m devices traffic` does it.
        self.traffic_every_s = traffic_every_s
        self._last_traffic = time.monotonic()
        self.rows_written = 0
        self._faults = {name: FaultLog(log, what) for name, what in (
            ("commands", "commands: settling unconfirmed commands"), ("alarms", "alarms: persisting transitions"),
            ("traffic", "traffic: refreshing the congestion layer"),
            ("lifecycle", "alarms: the shelf-expiry and escalation sweep"))}
        # The alarm lifecycle policy (devices/alarmlife.py; None: devices/alarm_lifecycle.yaml)
        # and when its sweep is next due (time.time()).
        self.lifecycle: Policy | None = None
        self._next_sweep = 0.0
        self._reload_alarms = False
        # How long the polls may take to show an unconfirmed command before it is failed.
        self.confirm_window_s = confirm_window_s
        self.alarms = None
        if alarms:
            from devices.alarms import AlarmStore

            evaluator = Evaluator(rules if rules is not None else load_rules(), dict(self.models))
            self.alarms = AlarmStore(self.engine, evaluator, self.devices)
            self.alarms.load_active()

    def set_devices(self, devices: Sequence[DeviceRecord]) -> None:
        """The registry changed (devices added, moved, retired): place alarms where they now are."""
        self.devices = {d.device_id: d for d in devices}
        self.models.update({d.device_id: d.model for d in devices})
        if self.alarms is not None:
            self.alarms.evaluator.models.update({d.device_id: d.model for d in devices})
            self.alarms.locate.known.update({d.device_id: (d.lon, d.lat) for d in devices})

    def set_owned(self, devices: Sequence[DeviceConfig], gained: Collection[str]) -> None:
        """Several pollers: judge alarms of these devices only; `gained` ones were taken over (devices/pollgroup.py)."""
        self.models.update({d.device_id: d.model for d in devices})
        if self.alarms is not None:
            self.alarms.scope({d.device_id: d.model for d in devices}, gained)

    def _settle_commands(self, readings: Sequence[Reading]) -> None:
        """Unconfirmed commands (a write whose answer was lost) are settled by what the polls show."""
        from devices.commands import reconcile

        try:
            with self.engine.begin() as conn:
                reconcile(conn, readings, window_s=self.confirm_window_s)
        except Exception as exc:  # telemetry is committed; the next batch tries again
            self._faults["commands"].failed(exc)
        else:
            self._faults["commands"].ok()

    def _sweep_lifecycle(self, now: float) -> None:
        """Expired shelves come back and overdue acknowledgements escalate, every sweep_every_s."""
        if now < self._next_sweep:
            return
        from devices.alarmlife import load_policy, sweep

        policy = self.lifecycle or load_policy()
        try:
            sweep(self.engine, datetime.fromtimestamp(now, UTC), policy)
        except Exception as exc:  # the next batch tries again
            self._faults["lifecycle"].failed(exc)
        else:
            self._faults["lifecycle"].ok()
            self._next_sweep = now + policy.sweep_every_s

    async def write(self, batch: Batch) -> None:
        await asyncio.to_thread(self.write_sync, batch)

    def write_sync(self, batch: Batch) -> None:
        """Write one batch; raises on failure so the poller keeps and retries it."""
        for r in batch.readings:
            self.models[r.device_id] = r.model
        if self._reload_alarms and self.alarms is not None:
            self.alarms.load_active()  # raises while the database is down: the poller keeps the batch
            self._reload_alarms = False
        with self.engine.begin() as conn:
            self.rows_written += copy_readings(conn, batch.readings)
            upsert_latest(conn, batch.readings)
            record_changes(conn, batch.changes, self.models)
            store_counts(conn, batch.comm)
        if batch.readings:
            self._settle_commands(batch.readings)
        if self.alarms is not None:
            try:
                self.alarms.process(batch, time.time())
            except Exception as exc:  # telemetry is committed; alarms retry from the database's view
                self._faults["alarms"].failed(exc, "reloading the active alarms on the next batch")
                self._reload_alarms = True
            else:
                self._faults["alarms"].ok()
            self._sweep_lifecycle(time.time())
        if self.traffic_every_s is not None and time.monotonic() - self._last_traffic >= self.traffic_every_s:
            self._last_traffic = time.monotonic()
            try:
                from devices.traffic import refresh

                refresh(self.engine)
            except Exception as exc:
                self._faults["traffic"].failed(exc)
            else:
                self._faults["traffic"].ok()
        if self.retention is not None and time.monotonic() - self._last_maintenance >= self.maintenance_every_s:
            self._last_maintenance = time.monotonic()
            try:
                aggregate_hours(self.engine, datetime.now(UTC) - timedelta(hours=3))
                prune(self.engine, self.retention)
            except Exception:
                log.exception("telemetry maintenance failed; will retry next hour")


# -- aggregates and retention ---------------------------------------------------------

_AGGREGATE = """
INSERT INTO devices.telemetry_hourly AS h (device_id, point, hour, samples, avg, min, max, last)
SELECT t.device_id, kv.key, date_trunc('hour', t.time), count(*),
       avg(kv.value::double precision), min(kv.value::double precision),
       max(kv.value::double precision),
       (array_agg(kv.value::double precision ORDER BY t.time DESC))[1]
FROM devices.telemetry t CROSS JOIN LATERAL jsonb_each(t.scaled) kv
WHERE t.time >= :start AND t.time < :end AND jsonb_typeof(kv.value) = 'number'
  AND NOT kv.key = ANY(t.out_of_range)  -- implausible values never enter an aggregate
GROUP BY 1, 2, 3
ON CONFLICT (device_id, point, hour) DO UPDATE SET
    samples = EXCLUDED.samples, avg = EXCLUDED.avg, min = EXCLUDED.min, max = EXCLUDED.max,
    last = EXCLUDED.last
"""


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def aggregate_hours(engine: Engine, start: datetime | None = None, end: datetime | None = None) -> int:
    """(Re)compute hourly aggregates for the whole hours in [start, end); returns rows upserted.

    Defaults: from the oldest telemetry to the start of the current hour, so only
    complete hours are rolled up (a partial hour would be overwritten later anyway).
    """
    with engine.begin() as conn:
        if start is None:
            start = conn.execute(text("SELECT min(time) FROM devices.telemetry")).scalar_one()
            if start is None:
                return 0
        end = end or datetime.now(UTC)
        return conn.execute(text(_AGGREGATE), {"start": _hour(start), "end": _hour(end)}).rowcount


def prune(engine: Engine, older_than: timedelta = DEFAULT_RETENTION) -> dict[str, int]:
    """Delete raw telemetry and status events older than `older_than`, keeping hourly aggregates.

    The cut is rounded down to a whole hour and the hours before it are aggregated
    first, so an hour is never aggregated from a partly deleted set of rows.
    """
    cut = _hour(datetime.now(UTC) - older_than)
    aggregated = aggregate_hours(engine, None, cut)
    with engine.begin() as conn:
        telemetry = conn.execute(text("DELETE FROM devices.telemetry WHERE time < :cut"), {"cut": cut}).rowcount
        events = conn.execute(text("DELETE FROM devices.status_events WHERE time < :cut"), {"cut": cut}).rowcount
    return {"aggregated": aggregated, "telemetry": telemetry, "status_events": events}


def latest_state(engine: Engine, layer: str | None = None) -> list[dict]:
    """Every device's latest state (for the operator map), optionally of one layer."""
    query = text("SELECT device_id, layer, code, model, status, status_since, fault, last_seen, scaled, "
                 "out_of_range FROM devices.device_state WHERE CAST(:layer AS text) IS NULL OR layer = :layer "
                 "ORDER BY device_id")
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query, {"layer": layer}).mappings()]


def telemetry(engine: Engine, device: str, since: datetime, point: str | None = None,
              hourly: bool = False) -> list[dict]:
    """A device's readings since a time (for charts); hourly=True reads the aggregates."""
    query = _HOURLY if hourly else _RAW_POINT if point else _RAW
    with engine.connect() as conn:
        rows = conn.execute(text(query), {"device": device, "since": since, "point": point}).mappings()
        return [dict(r) for r in rows]


_HOURLY = ("SELECT hour AS time, point, samples, avg, min, max, last FROM devices.telemetry_hourly "
           "WHERE device_id = :device AND hour >= :since AND (CAST(:point AS text) IS NULL OR point = :point) "
           "ORDER BY hour, point")
# Each raw row carries its quality: out_of_range lists the points whose value is implausible.
_RAW = ("SELECT time, scaled, out_of_range FROM devices.telemetry WHERE device_id = :device AND time >= :since "
        "ORDER BY time")
_RAW_POINT = ("SELECT time, (scaled ->> CAST(:point AS text))::double precision AS value, "
              "CASE WHEN CAST(:point AS text) = ANY(out_of_range) THEN 'bad' ELSE 'good' END AS quality "
              "FROM devices.telemetry WHERE device_id = :device AND time >= :since ORDER BY time")


# Chart buckets: one average per point and bucket of `bucket_s` seconds (numbers only).
_BUCKETS = """
SELECT to_timestamp(floor(extract(epoch FROM t.time) / :bucket) * :bucket) AS t, kv.key AS point,
       avg(kv.value::double precision) AS avg
FROM devices.telemetry t CROSS JOIN LATERAL jsonb_each(t.scaled) kv
WHERE t.device_id = :device AND t.time >= :since AND jsonb_typeof(kv.value) = 'number'
  AND NOT kv.key = ANY(t.out_of_range)  -- implausible values are not charted as data
GROUP BY 1, 2 ORDER BY 2, 1
"""


def telemetry_buckets(engine: Engine, device: str, since: datetime, bucket_s: int) -> list[dict]:
    """A device's numeric points averaged per time bucket since a time (the operator's charts)."""
    if bucket_s < 1:
        raise ValueError("bucket_s must be at least 1 second")
    with engine.connect() as conn:
        rows = conn.execute(text(_BUCKETS), {"device": device, "since": since, "bucket": bucket_s}).mappings()
        return [dict(r) for r in rows]
