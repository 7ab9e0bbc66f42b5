"""Alarm notifications: escalations and new critical alarms told to the operators on duty.

Called by devices.alarms.history_event in the transaction that writes the event, so the
messages are queued (services.engine.notify, the outbox) if and only if the event
committed. Each message's dedupe key names the event, the operator and the channel:
however often a caller retries, an event is sent once to each. Which events are told
is the lifecycle policy's (devices/alarm_lifecycle.yaml: every `escalate`, an `open` of
a priority with notify_on_open); who, how and when is devices/alarm_recipients.yaml
(operators with contacts and duty hours, routes per device layer and priority).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Connection, text

from devices.alarmpolicy import Policy, load_policy
from devices.rules import SEVERITIES
from services.engine.notify import CHANNELS, enqueue, valid_address

RECIPIENTS_FILE = Path(__file__).with_name("alarm_recipients.yaml")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEVERITY_WORDS = {"critical": "KRITIS", "warning": "PERINGATAN", "info": "INFO"}
ORIGIN = "devices.alarms"


class RecipientsError(ValueError):
    """devices/alarm_recipients.yaml cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Shift:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time  # before start: the shift runs past midnight

    def covers(self, local: datetime) -> bool:
        now, day = local.time(), local.weekday()
        if self.start <= self.end:
            return day in self.days and self.start <= now < self.end
        # Past midnight: the evening part on a duty day, the morning part the day after.
        return (day in self.days and now >= self.start) or ((day - 1) % 7 in self.days and now < self.end)


@dataclass(frozen=True)
class Operator:
    id: str
    name: str
    contacts: Mapping[str, str]  # channel -> address
    shifts: tuple[Shift, ...]


@dataclass(frozen=True)
class Route:
    layers: frozenset[str]  # "*" = every device layer
    priorities: frozenset[str]
    operators: tuple[str, ...]
    channels: tuple[str, ...]

    def matches(self, layer: str | None, severity: str) -> bool:
        return severity in self.priorities and ("*" in self.layers or layer in self.layers)


@dataclass(frozen=True)
class Recipients:
    zone: ZoneInfo
    operators: Mapping[str, Operator]
    routes: tuple[Route, ...]

    def on_duty(self, layer: str | None, severity: str, at: datetime) -> list[tuple[Operator, str]]:
        """(operator, channel) pairs to tell of an alarm of `layer` and `severity` at `at`, in route order."""
        local, chosen = at.astimezone(self.zone), []
        for route in self.routes:
            if not route.matches(layer, severity):
                continue
            for op_id in route.operators:
                operator = self.operators[op_id]
                if not any(s.covers(local) for s in operator.shifts):
                    continue
                chosen += [(operator, c) for c in route.channels
                           if c in operator.contacts and (operator, c) not in chosen]
        return chosen


def _clock(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise RecipientsError(f"{where}: {value!r} is not a time of day HH:MM") from None


def _operator(op_id: str, raw: Mapping[str, Any]) -> Operator:
    contacts = {c: str(raw[c]) for c in CHANNELS if raw.get(c)}
    for channel, address in contacts.items():
        if not valid_address(channel, address):
            raise RecipientsError(f"operator {op_id}: {channel} {address!r} is not a valid address")
    shifts = []
    for n, shift in enumerate(raw.get("on_duty") or []):
        days = shift.get("days") or []
        if not days or any(d not in DAYS for d in days):
            raise RecipientsError(f"operator {op_id} shift {n + 1}: days must be among {', '.join(DAYS)}")
        shifts.append(Shift(frozenset(DAYS.index(d) for d in days), _clock(shift.get("from"), op_id),
                            _clock(shift.get("to"), op_id)))
    if not contacts or not shifts:
        raise RecipientsError(f"operator {op_id} needs a contact and duty hours (on_duty)")
    return Operator(op_id, str(raw.get("name") or op_id), contacts, tuple(shifts))


def _route(n: int, raw: Mapping[str, Any], operators: Mapping[str, Operator]) -> Route:
    where = f"route {n + 1}"
    priorities, channels = raw.get("priorities") or [], raw.get("channels") or []
    if not priorities or any(p not in SEVERITIES for p in priorities):
        raise RecipientsError(f"{where}: priorities must be among {', '.join(SEVERITIES)}")
    if not channels or any(c not in CHANNELS for c in channels):
        raise RecipientsError(f"{where}: channels must be among {', '.join(CHANNELS)}")
    unknown = [o for o in raw.get("operators") or [] if o not in operators]
    if unknown or not raw.get("operators"):
        raise RecipientsError(f"{where}: unknown or missing operators {unknown}")
    if not raw.get("layers"):
        raise RecipientsError(f"{where}: layers are missing (\"*\" for every device layer)")
    return Route(frozenset(raw["layers"]), frozenset(priorities), tuple(raw["operators"]), tuple(channels))


def parse_recipients(doc: Mapping[str, Any]) -> Recipients:
    """The recipients declaration; RecipientsError names what is wrong."""
    operators = {op_id: _operator(op_id, raw) for op_id, raw in (doc.get("operators") or {}).items()}
    routes = tuple(_route(n, raw, operators) for n, raw in enumerate(doc.get("routes") or []))
    return Recipients(ZoneInfo(str(doc.get("timezone", "Asia/Jakarta"))), operators, routes)


@functools.cache
def load_recipients(path: Path = RECIPIENTS_FILE) -> Recipients:
    return parse_recipients(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def wants_notice(event: str, severity: str, policy: Policy) -> bool:
    """Is this alarm event told to the operators? Escalations always; openings if the priority says so."""
    if event == "escalate":
        return True
    return event == "open" and policy.priorities[severity].notify_on_open


def _text(alarm: Mapping[str, Any], event: str, detail: str, zone: ZoneInfo) -> tuple[str, str, str]:
    """Subject and body of the e-mail, and the short text of an SMS or WhatsApp message, in
    Bahasa Indonesia (the control room's language)."""
    level = SEVERITY_WORDS.get(alarm["severity"], alarm["severity"].upper())
    what = "belum ditanggapi (eskalasi)" if event == "escalate" else "baru"
    code = f"ALM-{alarm['id']:06d}"
    subject = f"[{level}] Alarm {what}: {alarm['device_id']} - {alarm['message']}"[:200]
    opened = alarm["opened_at"].astimezone(zone)
    lines = [f"Alarm {code} {what}.", f"Perangkat: {alarm['device_id']} ({alarm['model']})",
             f"Aturan: {alarm['rule']} ({alarm['severity']})", f"Pesan: {alarm['message']}",
             f"Mulai: {opened:%d-%m-%Y %H:%M:%S} WIB"]
    if alarm["value"] is not None:
        lines.append(f"Nilai: {alarm['value']:g}")
    if detail:
        lines.append(f"Keterangan: {detail}")
    if alarm["layer"]:
        lines.append(f"Halaman perangkat: /operator/devices/{alarm['layer']}/{alarm['code']}")
    lines.append("Tanggapi (acknowledge) alarm ini di halaman operator.")
    subject = " ".join(subject.split())
    short = f"{subject} ({code}, mulai {opened:%H:%M} WIB)"
    return subject, "\n".join(lines), short


def notify_alarm_event(conn: Connection, history_id: int, alarm_id: int, event: str, detail: str = "",
                       policy: Policy | None = None, recipients: Recipients | None = None) -> list[int]:
    """Queue the messages an alarm event calls for, in `conn`'s transaction; their outbox ids."""
    if event not in ("open", "escalate"):
        return []
    alarm = conn.execute(text("SELECT * FROM devices.alarms WHERE id = :id"), {"id": alarm_id}).mappings().one()
    if not wants_notice(event, alarm["severity"], policy or load_policy()):
        return []
    recipients = recipients or load_recipients()
    at = conn.execute(text("SELECT at FROM devices.alarm_history WHERE id = :id"), {"id": history_id}).scalar_one()
    subject, body, short = _text(alarm, event, detail, recipients.zone)
    queued = []
    for operator, channel in recipients.on_duty(alarm["layer"], alarm["severity"], at):
        mail = channel == "email"
        outbox_id = enqueue(conn, channel=channel, recipient=operator.contacts[channel],
                            subject=subject if mail else "", body=body if mail else short,
                            dedupe_key=f"alarm-event:{history_id}:{operator.id}:{channel}", origin=ORIGIN)
        if outbox_id is not None:
            queued.append(outbox_id)
    return queued


def queued_for(conn: Connection, alarm_id: int) -> Sequence[Mapping[str, Any]]:
    """The notifications queued for an alarm's events (for the operator's alarm detail)."""
    return conn.execute(text(
        "SELECT o.id, o.channel, o.recipient, o.status, o.attempts, o.created_at, o.sent_at, o.last_error "
        "FROM notify.outbox o WHERE o.origin = :origin AND o.dedupe_key LIKE 'alarm-event:%' "
        "AND split_part(o.dedupe_key, ':', 2)::bigint IN "
        "(SELECT id FROM devices.alarm_history WHERE alarm_id = :id) ORDER BY o.id"),
        {"origin": ORIGIN, "id": alarm_id}).mappings().all()


__all__ = ["RECIPIENTS_FILE", "Recipients", "RecipientsError", "load_recipients", "notify_alarm_event",
           "parse_recipients", "queued_for", "wants_notice"]
