"""The poller's PostGIS sink: telemetry, latest state per device, status events, alarms.

Each batch is written in one transaction: readings by COPY into devices.readings
(devices/telemetry.py: compact rows in daily partitions),
the latest reading and status of each device upserted into devices.device_state (one
row per device, so the operator map reads it without touching telemetry), and status
changes appended to devices.status_events. Alarm rules are then evaluated on the batch
and their transitions persisted by devices/alarms.py (a separate transaction, so an
alarm problem never costs telemetry).

psycopg2 blocks, so writes run in a worker thread; the poller's loop keeps polling.
Every minute the sink rolls up the new minutes and hours (devices/rollups.py); every
hour it drops the partitions past retention and creates the next ones, so roll-ups
outlive raw readings and no row is ever deleted one by one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from psycopg2.extras import execute_values
from sqlalchemy import Connection, Engine, text

from devices import partitions, rollups
from devices import telemetry as store_telemetry
from devices.datatypes import Batch, DeviceConfig, Reading, StatusChange
from devices.diagnostics import store_counts
from devices.faultlog import FaultLog
from devices.registry import DeviceRecord, split_device_id
from devices.rollups import RETENTION, Retention, note_writes, roll_up
from devices.rules import Evaluator, Rule, load_rules
from layers.db import engine_for

if TYPE_CHECKING:
    from devices.alarmlife import Policy

log = logging.getLogger(__name__)

DEFAULT_RETENTION = RETENTION
MAINTENANCE_EVERY_S = 3600.0
ROLLUP_EVERY_S = 60.0


class StoreNotReady(RuntimeError):
    """The database has no devices schema (migration 0003 not applied)."""


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def check_schema(engine: Engine) -> None:
    """Fail with a clear message when the devices tables are missing."""
    with engine.connect() as conn:
        present = conn.execute(text("SELECT to_regclass('devices.readings') IS NOT NULL")).scalar_one()
    if not present:
        raise StoreNotReady(
            "schema devices or its telemetry tables are missing: run `python -m webgis db migrate` (migrations "
            "0003 and 0020). A database migrated while 0003 was still an empty placeholder must be recreated.")


def copy_readings(conn: Connection, readings: Sequence[Reading]) -> int:
    """COPY readings in `conn`'s transaction (for one-off writers; the sink keeps its writer's caches)."""
    if not readings:
        return 0
    writer = store_telemetry.TelemetryWriter(conn.engine)
    writer.prepare(readings)
    note_writes(conn, _ts(min(r.time for r in readings)))
    return writer.copy(conn, readings)


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


def _json(values: Mapping[str, float]) -> str:
    # A float32 register can read NaN or infinity, which JSON cannot hold: such a value
    # is stored as null instead of failing (and endlessly retrying) the whole batch.
    return json.dumps({k: v if v is None or math.isfinite(v) else None for k, v in values.items()})


def upsert_latest(conn: Connection, readings: Sequence[Reading]) -> int:
    """Keep one row per device with its newest values."""
    latest: dict[str, Reading] = {}
    for r in readings:
        if r.device_id not in latest or r.time >= latest[r.device_id].time:
            latest[r.device_id] = r
    rows = [(r.device_id, *_where(r.device_id), r.model, "online", _ts(r.time), _ts(r.time),
             _json(r.values), _json(r.raw), list(r.out_of_range), datetime.now(UTC))
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
                 retention: Retention | timedelta | None = DEFAULT_RETENTION,
                 maintenance_every_s: float = MAINTENANCE_EVERY_S,
                 traffic_every_s: float | None = None, confirm_window_s: float = 60.0) -> None:
        self.engine = engine_for(database) if isinstance(database, str) else database
        check_schema(self.engine)
        self.devices = {d.device_id: d for d in devices}
        self.models = {d.device_id: d.model for d in devices}
        self.retention = retention
        self.maintenance_every_s = maintenance_every_s
        self._last_maintenance = time.monotonic()
        self.rollup_every_s = ROLLUP_EVERY_S
        self._last_rollup = time.monotonic()
        self.writer = store_telemetry.TelemetryWriter(self.engine)
        self._maintenance: threading.Thread | None = None
        with self.engine.begin() as conn:  # today's and the next days' partitions before the first batch
            partitions.ensure_ahead(conn, datetime.now(UTC))
        # Congestion layer refresh (devices/traffic.py); None: only `python -m devices traffic` does it.
        self.traffic_every_s = traffic_every_s
        self._last_traffic = time.monotonic()
        self.rows_written = 0
        self._faults = {name: FaultLog(log, what) for name, what in (
            ("commands", "commands: settling unconfirmed commands"), ("alarms", "alarms: persisting transitions"),
            ("traffic", "traffic: refreshing the congestion layer"),
            ("lifecycle", "alarms: the shelf-expiry and escalation sweep"),
            ("maintenance", "telemetry: rolling up and rotating partitions"))}
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
        try:
            self.writer.prepare(batch.readings)
            with self.engine.begin() as conn:
                note_writes(conn, _ts(min(r.time for r in batch.readings)) if batch.readings else None)
                written = self.writer.copy(conn, batch.readings)
                upsert_latest(conn, batch.readings)
                record_changes(conn, batch.changes, self.models)
                store_counts(conn, batch.comm)
        except Exception:
            # A partition dropped by retention elsewhere, or a database recreated: the retry
            # must not trust what was cached.
            self.writer.forget()
            raise
        self.rows_written += written
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
        self._maintain()

    def _maintain(self) -> None:
        """Roll up every minute, drop and create partitions every hour, in a thread of their own.

        A minute of 10,000 devices takes seconds to roll up; run in the write path it
        would hold back the next batch. Without a retention the sink leaves both to
        `python -m devices prune` / `rollup`.
        """
        if self.retention is None or (self._maintenance is not None and self._maintenance.is_alive()):
            return
        now = time.monotonic()
        if now - self._last_maintenance >= self.maintenance_every_s:
            self._last_maintenance = self._last_rollup = now
            retention = self.retention
            job = lambda: rollups.prune(self.engine, retention)  # noqa: E731
        elif now - self._last_rollup >= self.rollup_every_s:
            self._last_rollup = now
            job = lambda: roll_up(self.engine)  # noqa: E731
        else:
            return
        self._maintenance = threading.Thread(target=self._run_maintenance, args=(job,),
                                             name="telemetry-maintenance", daemon=True)
        self._maintenance.start()

    def join_maintenance(self, timeout: float | None = None) -> None:
        """Wait for a running roll-up or rotation to finish (shutdown, tests)."""
        if self._maintenance is not None:
            self._maintenance.join(timeout)

    def _run_maintenance(self, job: Callable[[], object]) -> None:
        try:
            job()
        except Exception as exc:  # the next minute tries again
            self._faults["maintenance"].failed(exc)
        else:
            self._faults["maintenance"].ok()


# -- aggregates and retention (devices/rollups.py) ------------------------------------


def aggregate_hours(engine: Engine, start: datetime | None = None, end: datetime | None = None) -> dict:
    """Roll up minutes and hours up to `end` (default: now less the settling time).

    Roll-ups are incremental: `start` is accepted for the callers of the old
    recompute-from-scratch version and ignored (late readings are caught by invalidation).
    """
    del start
    return roll_up(engine, end)


def prune(engine: Engine, older_than: timedelta | Retention = RETENTION) -> dict:
    """Drop raw readings older than `older_than` by whole partitions, keeping the roll-ups."""
    return rollups.prune(engine, older_than)


def latest_state(engine: Engine, layer: str | None = None) -> list[dict]:
    """Every device's latest state (for the operator map), optionally of one layer."""
    query = text("SELECT device_id, layer, code, model, status, status_since, fault, last_seen, scaled, "
                 "out_of_range FROM devices.device_state WHERE CAST(:layer AS text) IS NULL OR layer = :layer "
                 "ORDER BY device_id")
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query, {"layer": layer}).mappings()]


def telemetry(engine: Engine, device: str, since: datetime, point: str | None = None,
              hourly: bool = False) -> list[dict]:
    """A device's readings since a time; hourly=True reads the hour roll-ups.

    Raw rows are {time, scaled, out_of_range} ({time, value, quality} for one point);
    hour rows {time, point, samples, avg, min, max, last}.
    """
    if hourly:
        return store_telemetry.hourly(engine, device, since, point)
    if point:
        return store_telemetry.point_readings(engine, device, since, point)
    return store_telemetry.raw_readings(engine, device, since)


def telemetry_buckets(engine: Engine, device: str, since: datetime, bucket_s: int) -> list[dict]:
    """A device's numeric points averaged per time bucket since a time (the operator's charts).

    Read from the roll-up level the bucket allows (devices/telemetry.py).
    """
    return store_telemetry.series(engine, device, since, bucket_s)
