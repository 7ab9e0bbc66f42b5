"""Alarms: opened and cleared by the rules, acknowledged by operators, history kept.

The row of record is devices.alarms (one active alarm per device and rule, enforced by
a partial unique index); every event is appended to devices.alarm_history. Each alarm
of a device with a location is also a feature of the alarm layer, written through the
layers API in the same transaction, so the map shows it and core.feature_history keeps
its changes too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from devices.alarmnotify import notify_alarm_event
from devices.datatypes import Batch
from devices.registry import DeviceRecord, split_device_id
from devices.rules import Evaluator, Transition
from layers import read_layer, upsert_features
from layers.access import Principal, can_write
from layers.errors import StatusError
from layers.registry import get_registry

ALARM_LAYER = "device_alarms"
POLLER_ACTOR = "devices:poller"
log = logging.getLogger(__name__)


class AlarmError(StatusError, ValueError):
    """An alarm action that cannot be done now (already acknowledged, not allowed): 409 on the web."""

    status = 409


class UnknownAlarm(AlarmError):
    """No alarm has that id."""

    status = 404


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def alarm_code(alarm_id: int) -> str:
    """The alarm's key in the alarm layer."""
    return f"ALM-{alarm_id:06d}"


def _feature(row: Mapping[str, Any], lon: float, lat: float) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {
        "kode": alarm_code(row["id"]), "device_layer": row["layer"], "device_code": row["code"],
        "model": row["model"], "rule": row["rule"], "severity": row["severity"], "state": row["state"],
        "message": row["message"], "value": row["value"], "opened_at": _iso(row["opened_at"]),
        "ack_at": _iso(row["acknowledged_at"]), "ack_by": row["acknowledged_by"],
        "cleared_at": _iso(row["cleared_at"])}}


class Locator:
    """Where a device stands, from the fleet given or read once from its layer."""

    def __init__(self, devices: Mapping[str, DeviceRecord] | None = None) -> None:
        self.known: dict[str, tuple[float, float] | None] = {
            d: (r.lon, r.lat) for d, r in (devices or {}).items()}

    def __call__(self, conn: Connection, device: str) -> tuple[float, float] | None:
        if device not in self.known:
            found = split_device_id(device)
            where = None
            if found:
                layer, code = found
                frame = read_layer(conn, layer, where={get_registry().get(layer).key: code}, columns=[])
                where = (float(frame.geometry.iloc[0].x), float(frame.geometry.iloc[0].y)) if len(frame) else None
            self.known[device] = where
        return self.known[device]


def _publish(conn: Connection, row: Mapping[str, Any], actor: str, locate: Locator) -> None:
    """Mirror an alarm row into the alarm layer (devices without a location are not mapped)."""
    if row["layer"] is None:
        return
    where = locate(conn, row["device_id"])
    if where is not None:
        upsert_features(conn, ALARM_LAYER, [_feature(row, *where)], actor=actor, source="devices")


def history_event(conn: Connection, alarm_id: int, event: str, actor: str, detail: str = "") -> int:
    """Append an event to the alarm's history; the notifications it calls for (an escalation,
    a new critical alarm) are queued in the same transaction. The history row's id."""
    history_id = conn.execute(text("INSERT INTO devices.alarm_history (alarm_id, event, actor, detail) "
                                   "VALUES (:id, :event, :actor, :detail) RETURNING id"),
                              {"id": alarm_id, "event": event, "actor": actor, "detail": detail}).scalar_one()
    notify_alarm_event(conn, history_id, alarm_id, event, detail)
    return history_id


def open_alarm(conn: Connection, t: Transition, model: str, locate: Locator,
               actor: str = POLLER_ACTOR) -> int | None:
    """Open an alarm; None when it is already active (another writer got there first)."""
    layer, code = split_device_id(t.device_id) or (None, None)
    row = conn.execute(text(
        "INSERT INTO devices.alarms (device_id, layer, code, model, rule, severity, state, message, "
        "value, opened_at) VALUES (:device, :layer, :code, :model, :rule, :severity, 'open', :message, "
        ":value, :at) ON CONFLICT (device_id, rule) WHERE state <> 'cleared' DO NOTHING "
        "RETURNING *"),
        {"device": t.device_id, "layer": layer, "code": code, "model": model, "rule": t.rule.id,
         "severity": t.rule.severity, "message": t.message, "value": t.value,
         "at": datetime.fromtimestamp(t.time, UTC)}).mappings().one_or_none()
    if row is None:
        return None
    history_event(conn, row["id"], "open", actor, t.message)
    _publish(conn, row, actor, locate)
    return row["id"]


def clear_alarm(conn: Connection, device: str, rule: str, at: datetime, locate: Locator,
                actor: str = POLLER_ACTOR, detail: str = "condition cleared") -> int | None:
    """Clear the active alarm of a device and rule; None when there is none."""
    row = conn.execute(text(
        "UPDATE devices.alarms SET state = 'cleared', cleared_at = :at "
        "WHERE device_id = :device AND rule = :rule AND state <> 'cleared' RETURNING *"),
        {"device": device, "rule": rule, "at": at}).mappings().one_or_none()
    if row is None:
        return None
    history_event(conn, row["id"], "clear", actor, detail)
    _publish(conn, row, actor, locate)
    return row["id"]


def operator_name(actor: str | Principal, action: str = "acknowledge") -> str:
    """Who acts on an alarm: a principal allowed to write the alarm layer, or a named operator."""
    if isinstance(actor, Principal):
        if not can_write(get_registry().get(ALARM_LAYER), actor):
            raise AlarmError(f"{actor.actor} may not {action} alarms (operators only)")
        return actor.actor
    if not actor:
        raise AlarmError(f"to {action} an alarm needs the operator's name")
    return actor


def acknowledge(engine: Engine, alarm_id: int, actor: str | Principal, note: str = "") -> dict:
    """An operator has seen the alarm; records who and when. Returns the alarm.

    An alarm that returned to normal before anyone saw it (ISA-18.2 "returned to normal,
    unacknowledged") is acknowledged too: it keeps state 'cleared' and leaves the list.
    """
    who = operator_name(actor)
    with engine.begin() as conn:
        row = conn.execute(text(
            "UPDATE devices.alarms SET state = CASE WHEN state = 'open' THEN 'acknowledged' ELSE state END, "
            "acknowledged_at = now(), acknowledged_by = :who WHERE id = :id AND acknowledged_at IS NULL "
            "RETURNING *"),
            {"id": alarm_id, "who": who}).mappings().one_or_none()
        if row is None:
            state = conn.execute(text("SELECT state FROM devices.alarms WHERE id = :id"),
                                 {"id": alarm_id}).scalar_one_or_none()
            if state is None:
                raise UnknownAlarm(f"alarm {alarm_id} does not exist")
            if state == "cleared":
                raise AlarmError(f"alarm {alarm_id} is cleared and already acknowledged")
            raise AlarmError(f"alarm {alarm_id} is {state}, not open")
        history_event(conn, alarm_id, "acknowledge", who, note)
        _publish(conn, row, who, Locator())
        return dict(row)


def list_alarms(engine: Engine, *, active: bool = True, device: str | None = None) -> list[dict]:
    """Alarms newest first: only open/acknowledged ones unless active=False."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT * FROM devices.alarms WHERE (NOT :active OR state <> 'cleared') "
            "AND (CAST(:device AS text) IS NULL OR device_id = :device) ORDER BY opened_at DESC, id DESC"),
            {"active": active, "device": device}).mappings()
        return [dict(r) for r in rows]


def alarm_history(engine: Engine, alarm_id: int) -> list[dict]:
    """Every event of one alarm, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT at, event, actor, detail FROM devices.alarm_history "
                                 "WHERE alarm_id = :id ORDER BY id"), {"id": alarm_id}).mappings()
        return [dict(r) for r in rows]


class AlarmStore:
    """Feeds each batch to the evaluator and persists its transitions."""

    def __init__(self, engine: Engine, evaluator: Evaluator,
                 devices: Mapping[str, DeviceRecord] | None = None) -> None:
        self.engine = engine
        self.evaluator = evaluator
        self.locate = Locator(devices)
        # With several pollers (devices/pollgroup.py) this one evaluates only the devices it
        # polls (None: every device); those it just took start from the database's state.
        self.owned: set[str] | None = None
        self._to_load: set[str] = set()
        self._lock = threading.RLock()  # scope() runs on the poller's loop, process() in the sink's thread

    def load_active(self, devices: Collection[str] | None = None) -> None:
        """Take the database's alarm state as the evaluator's (after a restart or a failure).

        The active alarms, since when each device has been offline and its current fault
        (and since when): without them a restart would clear every offline or fault alarm
        of a device still failing, and restart its timers. `devices`: only theirs (taken
        over from another poller), the rest of the evaluator's state is kept.
        """
        if devices is None and self.owned is not None:
            devices = self.owned
        only = None if devices is None else sorted(devices)
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT device_id, rule FROM devices.alarms WHERE state <> 'cleared' "
                                     "AND (CAST(:ids AS text[]) IS NULL OR device_id = ANY(:ids))"), {"ids": only})
            active = {(r.device_id, r.rule) for r in rows}
            state = conn.execute(text("SELECT device_id, status, status_since, fault, fault_since "
                                      "FROM devices.device_state WHERE (status = 'offline' OR fault_since IS NOT NULL) "
                                      "AND (CAST(:ids AS text[]) IS NULL OR device_id = ANY(:ids))"), {"ids": only})
            offline, faults = {}, {}
            for r in state:
                if r.status == "offline":
                    offline[r.device_id] = r.status_since.timestamp()
                if r.fault and r.fault_since is not None:
                    faults[r.device_id] = (r.fault.partition(":")[0], r.fault_since.timestamp())
        with self._lock:
            self._take_state(devices, active, offline, faults)

    def _take_state(self, devices: Collection[str] | None, active: set, offline: dict, faults: dict) -> None:
        ev = self.evaluator
        if devices is None:
            ev.active, ev.offline_since, ev.faults = active, offline, faults
            return
        ev.active = {k for k in ev.active if k[0] not in devices} | active
        for d in devices:
            ev.offline_since.pop(d, None)
            ev.faults.pop(d, None)
        ev.offline_since.update(offline)
        ev.faults.update(faults)

    def scope(self, models: Mapping[str, str], gained: Collection[str]) -> None:
        """Evaluate only these devices (id -> model) from now on; `gained` ones load their state first.

        A device handed to another poller is forgotten here (its timers, its active alarms):
        the other poller reads them from the database, as after a restart, so an alarm is
        neither cleared nor opened twice by the hand-over.
        """
        with self._lock:
            ev, keep = self.evaluator, set(models)
            self.owned = keep
            for table in (ev.models, ev.offline_since, ev.faults):
                for device in [d for d in table if d not in keep]:
                    del table[device]
            ev.active = {k for k in ev.active if k[0] in keep}
            ev.pending = {k: v for k, v in ev.pending.items() if k[0] in keep}
            ev.clearing = {k: v for k, v in ev.clearing.items() if k[0] in keep}
            ev.models.update(models)
            self._to_load = (self._to_load & keep) | set(gained)

    def process(self, batch: Batch, now: float) -> list[Transition]:
        with self._lock:
            if self._to_load:  # raises while the database is away: the batch is kept and retried
                self.load_active(self._to_load)
                self._to_load = set()
            if self.owned is not None:  # rows polled just before a hand-over are not ours to judge
                batch = Batch([r for r in batch.readings if r.device_id in self.owned],
                              [c for c in batch.changes if c.device_id in self.owned])
            return self._process(batch, now)

    def _process(self, batch: Batch, now: float) -> list[Transition]:
        ev = self.evaluator
        transitions = [t for c in sorted(batch.changes, key=lambda c: c.time) for t in ev.on_change(c)]
        transitions += [t for r in batch.readings for t in ev.on_reading(r)]
        transitions += ev.tick(now)
        to_report: list[int] = []
        cleared: list[int] = []
        if transitions:
            with self.engine.begin() as conn:
                for t in transitions:
                    if t.kind == "open":
                        opened = open_alarm(conn, t, ev.models.get(t.device_id, t.rule.model), self.locate)
                        if opened is not None and t.rule.report:
                            to_report.append(opened)
                    else:
                        done = clear_alarm(conn, t.device_id, t.rule.id, datetime.fromtimestamp(t.time, UTC),
                                           self.locate)
                        if done is not None:
                            cleared.append(done)
        # After the alarms are committed: a complaints problem must never cost an alarm.
        for alarm_id in to_report:
            try:
                file_report(self.engine, alarm_id, self.locate)
            except Exception:
                log.exception("alarms: could not file the report for alarm %s; `python -m devices alarms "
                              "report` retries", alarm_id)
        for alarm_id in cleared:
            try:
                tell_report_cleared(self.engine, alarm_id)
            except Exception:
                log.exception("alarms: could not note on its report that alarm %s cleared", alarm_id)
        return transitions


def tell_report_cleared(engine: Engine, alarm_id: int) -> str | None:
    """Note on the alarm's report (staff only) that the alarm cleared; staff decide whether to close it."""
    from services.complaints.alarms import note_on_report, report_still_open

    with engine.connect() as conn:
        row = conn.execute(text("SELECT report_id, cleared_at FROM devices.alarms WHERE id = :id"),
                           {"id": alarm_id}).one_or_none()
    if row is None or row.report_id is None or not report_still_open(engine, row.report_id):
        return None
    note_on_report(engine, row.report_id, f"Alarm {alarm_code(alarm_id)} selesai (cleared) pada "
                   f"{row.cleared_at:%Y-%m-%d %H:%M:%S %Z}: perangkat tidak lagi melaporkan gangguan. "
                   "Laporan tetap terbuka; petugas memutuskan apakah perbaikan sudah selesai.")
    return row.report_id


def _open_report_of_earlier_alarm(conn: Connection, row: Mapping[str, Any]) -> str | None:
    """The report of an earlier alarm of the same device and rule, if staff have not closed it yet."""
    from services.complaints.alarms import report_still_open

    earlier = conn.execute(text(
        "SELECT report_id FROM devices.alarms WHERE device_id = :device AND rule = :rule AND id < :id "
        "AND report_id IS NOT NULL ORDER BY id DESC LIMIT 1"),
        {"device": row["device_id"], "rule": row["rule"], "id": row["id"]}).scalar_one_or_none()
    return earlier if earlier is not None and report_still_open(conn, earlier) else None


def file_report(engine: Engine, alarm_id: int, locate: Locator | None = None) -> str | None:
    """File (or find) the complaint report of an alarm and link it on the alarm; its id or None.

    services.complaints.alarms.open_report_for_alarm is idempotent per alarm code, so
    calling this again (a retry) never opens a second report; while the report of an
    earlier alarm of the same device and rule is still open, that report is reused.
    """
    from services.complaints.alarms import note_on_report, open_report_for_alarm

    locate = locate or Locator()
    with engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM devices.alarms WHERE id = :id FOR UPDATE"),
                           {"id": alarm_id}).mappings().one_or_none()
        if row is None or row["layer"] is None:
            return None
        if row["report_id"] is not None:
            return row["report_id"]
        # One open report per device and rule: a fault that returns before staff closed the
        # report of its last episode is noted on that report, not filed again.
        report = _open_report_of_earlier_alarm(conn, row)
        if report is not None:
            note_on_report(conn, report, f"Alarm {alarm_code(row['id'])} terbuka lagi (opened again) untuk "
                           f"perangkat {row['code']}: {row['message']}")
        else:
            alarm = {"kode": alarm_code(row["id"]), "device_layer": row["layer"], "device_code": row["code"],
                     "rule": row["rule"], "severity": row["severity"], "message": row["message"]}
            where = locate(conn, row["device_id"])
            if where is not None:
                alarm["lon"], alarm["lat"] = where
            report = open_report_for_alarm(conn, alarm)
        if report is not None:
            conn.execute(text("UPDATE devices.alarms SET report_id = :r WHERE id = :id"),
                         {"r": report, "id": alarm_id})
            history_event(conn, alarm_id, "report", POLLER_ACTOR, report)
        return report


def unreported(engine: Engine) -> list[int]:
    """Active alarms of rules that file reports but have none yet (a failed filing to retry)."""
    from devices.rules import load_rules

    reporting = {(r.model, r.id) for rules in load_rules().values() for r in rules if r.report}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, model, rule FROM devices.alarms WHERE state <> 'cleared' "
                                 "AND report_id IS NULL AND layer IS NOT NULL ORDER BY id")).all()
    return [r.id for r in rows if (r.model, r.rule) in reporting]
