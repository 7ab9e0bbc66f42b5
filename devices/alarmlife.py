"""The alarm lifecycle after ISA-18.2 (IEC 62682): the operator's list, shelving, escalation.

devices.alarms keeps two dimensions of an alarm: its condition (``state`` open or
acknowledged while active, cleared once it returned to normal) and its acknowledgement
(``acknowledged_at``). Their product gives the ISA-18.2 states:

- ``unack``: active, unacknowledged
- ``ack``: active, acknowledged
- ``rtn_unack``: returned to normal unacknowledged; on the operator's list until
  acknowledged when its priority says ``ack_after_clear`` (a critical alarm that cleared
  unseen must still be seen)
- ``normal``: returned to normal and acknowledged; off the list, kept in the history.

Shelving is an overlay an operator sets with a reason and an expiry: a shelved alarm is
off the active list but listed apart, and comes back by itself at the expiry (the sweep
records it; the lists compare the expiry with the clock, so a late sweep never shows a
stale shelf). Escalation: an alarm unacknowledged beyond its priority's
``escalate_after_s`` is marked ``escalated_at`` and an ``escalate`` event is appended to
devices.alarm_history; writing that event queues its notifications to the operators on
duty in the same transaction (devices/alarmnotify.py, through the notification outbox).

Suppressed-by-design and out-of-service are not modelled: no rule or register map
declares them yet. The policy is data: devices/alarm_lifecycle.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from devices.alarmpolicy import (
    POLICY_FILE,
    LifecycleError,
    Policy,
    Priority,
    load_policy,
    parse_policy,
)
from devices.alarms import POLLER_ACTOR, AlarmError, UnknownAlarm, history_event, operator_name
from layers.access import Principal
from layers.errors import StatusError


class BadShelf(StatusError, ValueError):
    """A shelve request with a missing reason or a duration out of bounds: 400, nothing changed."""

    status = 400


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def is_shelved(row: Mapping[str, Any], now: datetime | None = None) -> bool:
    until = row.get("shelved_until")
    return until is not None and until > _now(now)


def isa_state(row: Mapping[str, Any]) -> str:
    """unack, ack, rtn_unack or normal (see the module's docstring)."""
    if row["state"] != "cleared":
        return "ack" if row["acknowledged_at"] is not None else "unack"
    return "normal" if row["acknowledged_at"] is not None else "rtn_unack"


def lifecycle_json(row: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The lifecycle fields of an alarm for the operator's API and pages."""
    shelved = is_shelved(row, now)
    return {
        "isa_state": isa_state(row), "needs_ack": row["acknowledged_at"] is None,
        "cleared_at": _iso(row.get("cleared_at")), "shelved": shelved,
        "shelved_until": _iso(row.get("shelved_until")) if shelved else None,
        "shelved_by": row.get("shelved_by") if shelved else None,
        "shelve_reason": row.get("shelve_reason") if shelved else None,
        "escalated": row.get("escalated_at") is not None and row["acknowledged_at"] is None,
        "escalated_at": _iso(row.get("escalated_at")),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def operator_alarms(engine: Engine, device: str | None = None, now: datetime | None = None,
                    policy: Policy | None = None) -> tuple[list[dict], list[dict]]:
    """(listed, shelved): the operator's alarm list (active, or waiting for an acknowledgement)
    without the shelved ones, and the shelved ones apart; newest first."""
    policy, now = policy or load_policy(), _now(now)
    with engine.connect() as conn:
        rows = conn.execute(text(
            # The operator's list: the active alarms and those awaiting an acknowledgement.
            "SELECT * FROM devices.alarms WHERE (state <> 'cleared' OR (acknowledged_at IS NULL "
            "AND severity = ANY(CAST(:latching AS text[])))) "
            "AND (CAST(:device AS text) IS NULL OR device_id = :device) ORDER BY opened_at DESC, id DESC"),
            {"latching": policy.latching, "device": device}).mappings()
        alarms = [dict(r) for r in rows]
    return ([a for a in alarms if not is_shelved(a, now)], [a for a in alarms if is_shelved(a, now)])


def _why_not(conn: Connection, alarm_id: int) -> dict:
    row = conn.execute(text("SELECT * FROM devices.alarms WHERE id = :id"), {"id": alarm_id}).mappings().one_or_none()
    if row is None:
        raise UnknownAlarm(f"alarm {alarm_id} does not exist")
    return dict(row)


def check_shelf(reason: Any, duration_s: Any, policy: Policy) -> tuple[str, float]:
    """The reason (trimmed) and duration of a shelve request; BadShelf says what is wrong."""
    if not isinstance(reason, str) or not policy.reason_min_chars <= len(reason.strip()) <= policy.reason_max_chars:
        raise BadShelf(f"a shelved alarm needs a reason of {policy.reason_min_chars} to "
                       f"{policy.reason_max_chars} characters")
    if isinstance(duration_s, bool) or not isinstance(duration_s, int | float) \
            or not policy.shelve_min_s <= duration_s <= policy.shelve_max_s:
        raise BadShelf(f"duration_s must be a number of seconds from {policy.shelve_min_s:g} to "
                       f"{policy.shelve_max_s:g} (a shelf is temporary)")
    return reason.strip(), float(duration_s)


def shelve(engine: Engine, alarm_id: int, actor: str | Principal, reason: Any, duration_s: Any,
           policy: Policy | None = None) -> dict:
    """Shelve an alarm on the operator's list for `duration_s` seconds, with a reason; the alarm row."""
    policy = policy or load_policy()
    who = operator_name(actor, "shelve")
    reason, duration_s = check_shelf(reason, duration_s, policy)
    with engine.begin() as conn:
        row = conn.execute(text(
            "UPDATE devices.alarms SET shelved_at = now(), shelved_until = now() + make_interval(secs => :s), "
            "shelved_by = :who, shelve_reason = :reason WHERE id = :id "
            "AND (shelved_until IS NULL OR shelved_until <= now()) "
            "AND (state <> 'cleared' OR (acknowledged_at IS NULL AND severity = ANY(CAST(:latching AS text[])))) RETURNING *"),
            {"s": duration_s, "who": who, "reason": reason, "id": alarm_id,
             "latching": policy.latching}).mappings().one_or_none()
        if row is None:
            current = _why_not(conn, alarm_id)
            if is_shelved(current):
                raise AlarmError(f"alarm {alarm_id} is already shelved until {current['shelved_until']:%Y-%m-%d %H:%M %Z} "
                                 f"by {current['shelved_by']}; unshelve it first")
            raise AlarmError(f"alarm {alarm_id} has returned to normal and was acknowledged: nothing to shelve")
        history_event(conn, alarm_id, "shelve", who, f"until {row['shelved_until'].isoformat()}: {reason}")
        return dict(row)


def unshelve(engine: Engine, alarm_id: int, actor: str | Principal, note: str = "") -> dict:
    """Put a shelved alarm back on the active list before its shelf expires; the alarm row."""
    who = operator_name(actor, "unshelve")
    with engine.begin() as conn:
        row = conn.execute(text(
            "UPDATE devices.alarms SET shelved_at = NULL, shelved_until = NULL, shelved_by = NULL, "
            "shelve_reason = NULL WHERE id = :id AND shelved_until > now() RETURNING *"),
            {"id": alarm_id}).mappings().one_or_none()
        if row is None:
            _why_not(conn, alarm_id)
            raise AlarmError(f"alarm {alarm_id} is not shelved")
        history_event(conn, alarm_id, "unshelve", who, note or "unshelved by the operator")
        return dict(row)


def sweep(engine: Engine, now: datetime | None = None, policy: Policy | None = None) -> dict[str, list[int]]:
    """Unshelve the alarms whose shelf expired and escalate those unacknowledged too long.

    Idempotent, safe with several pollers: each row changes once (the WHERE re-checks it
    under the row lock). Returns the ids, per action.
    """
    policy, now = policy or load_policy(), _now(now)
    done: dict[str, list[int]] = {"unshelved": [], "escalated": []}
    with engine.begin() as conn:
        expired = conn.execute(text(
            "UPDATE devices.alarms a SET shelved_at = NULL, shelved_until = NULL, shelved_by = NULL, "
            "shelve_reason = NULL FROM devices.alarms old WHERE old.id = a.id AND a.shelved_until <= :now "
            "RETURNING a.id, old.shelved_until, old.shelved_by, old.shelve_reason"), {"now": now}).all()
        for r in expired:
            history_event(conn, r.id, "unshelve", POLLER_ACTOR,
                          f"shelf expired at {r.shelved_until.isoformat()} (shelved by {r.shelved_by}: {r.shelve_reason})")
            done["unshelved"].append(r.id)
        for severity, priority in policy.priorities.items():
            if priority.escalate_after_s is None:
                continue
            overdue = conn.execute(text(
                "UPDATE devices.alarms SET escalated_at = :now WHERE acknowledged_at IS NULL "
                "AND escalated_at IS NULL AND severity = :severity AND opened_at <= :due "
                "AND (shelved_until IS NULL OR shelved_until <= :now) AND (state <> 'cleared' OR :latching) "
                "RETURNING id, opened_at"),
                {"now": now, "severity": severity, "due": now - timedelta(seconds=priority.escalate_after_s),
                 "latching": priority.ack_after_clear}).all()
            for r in overdue:
                waited = (now - r.opened_at).total_seconds()
                history_event(conn, r.id, "escalate", POLLER_ACTOR,
                              f"unacknowledged {waited:.0f} s after it opened; priority {severity} escalates "
                              f"after {priority.escalate_after_s:g} s")
                done["escalated"].append(r.id)
    return done


# The policy is read in devices/alarmpolicy.py; its names stay importable from here.
__all__ = ["POLICY_FILE", "BadShelf", "LifecycleError", "Policy", "Priority", "check_shelf", "is_shelved",
           "isa_state", "lifecycle_json", "load_policy", "operator_alarms", "parse_policy", "shelve", "sweep",
           "unshelve"]
