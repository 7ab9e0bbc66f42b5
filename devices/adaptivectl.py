"""Adaptive traffic signals, the loop: turned on per intersection by an operator, it reads
the poller's data, changes the split plan at most once per cycle through the command path,
and falls back to the fixed plan on any fault or stale data.

Modes (devices.adaptive_signals): ``off`` (the fixed plan runs), ``adaptive`` (the loop
changes greens), ``fallback`` (the loop wanted to act but could not trust the data or
the controller: the fixed plan is restored and kept until the data has been healthy for
the declared `resume_after_s`). Every write is an ordinary command (devices.commands.send:
the register map's bounds and cross-point rules, read-back, an audit row with the actor
`devices:adaptive`); every turn on/off, change, fallback, restore and resume is a row of
devices.adaptive_events naming the commands that carried it.

Two clocks: the loop's (`clock`, the signal's own time: the wall clock in production, a
simulation's time in tests and benchmarks) paces cycles; the wall clock judges how old the
poller's data is.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

from devices.adaptiveplan import (
    APPROACHES,
    COUNT,
    GREEN,
    QUEUE,
    Declaration,
    UnsafePlan,
    check_fixed_plan,
    demand_of,
    fault_reason,
    greens_of,
    load_declaration,
    plan_greens,
    worth_changing,
)
from devices.commands import CommandFailed, send
from devices.registermap import CommandRejected
from devices.registry import ACTIVE_STATUS, device_id, find_device
from layers.access import Principal, can_write
from layers.errors import StatusError
from layers.registry import get_registry

LOOP_ACTOR = "devices:adaptive"
log = logging.getLogger(__name__)


class AdaptiveError(StatusError, ValueError):
    """The loop cannot be turned on or off now (why is in the message): 409, nothing changed."""

    status = 409


def _who(actor: str | Principal, layer: str) -> str:
    if isinstance(actor, Principal):
        if not can_write(get_registry().get(layer), actor):
            raise AdaptiveError(f"{actor.actor} may not command devices of {layer} (operators only)")
        return actor.actor
    if not actor:
        raise AdaptiveError("turning the loop on or off needs the operator's name")
    return actor


def _state(conn: Connection, device: str) -> dict | None:
    row = conn.execute(text("SELECT status, last_seen, scaled, out_of_range FROM devices.device_state "
                            "WHERE device_id = :id"), {"id": device}).mappings().one_or_none()
    return dict(row) if row else None


def _event(conn: Connection, device: str, event: str, actor: str, detail: str = "", *,
           previous: Mapping | None = None, plan: Mapping | None = None, queues: Mapping | None = None,
           command_ids: list[int] | None = None, loop_clock: float | None = None) -> None:
    conn.execute(text(
        # clock_timestamp(): when the event happened (its commands done), not when its transaction began.
        "INSERT INTO devices.adaptive_events (at, device_id, event, actor, detail, previous, plan, queues, command_ids, "
        "loop_clock) VALUES (clock_timestamp(), :device, :event, :actor, :detail, CAST(:previous AS jsonb), "
        "CAST(:plan AS jsonb), CAST(:queues AS jsonb), :ids, :clock)"),
        {"device": device, "event": event, "actor": actor, "detail": detail[:500],
         "previous": json.dumps(previous) if previous is not None else None,
         "plan": json.dumps(plan) if plan is not None else None,
         "queues": json.dumps(queues) if queues is not None else None, "ids": command_ids or [],
         "clock": loop_clock})


def write_greens(engine: Engine, layer: str, code: str, plan: Mapping[str, int], current: Mapping[str, int],
                 actor: str) -> list[int]:
    """Write the greens that differ, shorter ones first (so their sum fits the cycle at every
    step, as the map's rule checks); the audited command ids. CommandRejected or CommandFailed
    (its `result` audited) stop at the first refusal."""
    ids = []
    for a in sorted((a for a in APPROACHES if plan[a] != current[a]), key=lambda a: plan[a] - current[a]):
        ids.append(send(engine, layer, code, GREEN.format(a), plan[a], actor).audit_id)
    return ids


def enable(engine: Engine, layer: str, code: str, actor: str | Principal, *,
           declaration: Declaration | None = None) -> dict:
    """Put an intersection under the loop, its current plan kept as the fixed plan to fall back to."""
    declaration = declaration or load_declaration()
    who = _who(actor, layer)
    try:
        device = find_device(engine, layer, code)
    except KeyError as exc:
        raise AdaptiveError(str(exc).strip("'\"")) from None
    if device.model != declaration.model or device.status != ACTIVE_STATUS:
        raise AdaptiveError(f"{code} is a {device.model} ({device.status}); the loop drives active "
                            f"{declaration.model} controllers")
    with engine.begin() as conn:
        current = conn.execute(text("SELECT mode FROM devices.adaptive_signals WHERE device_id = :id FOR UPDATE"),
                               {"id": device.device_id}).scalar_one_or_none()
        if current in ("adaptive", "fallback"):
            raise AdaptiveError(f"the loop already runs on {code} ({current})")
        row = _state(conn, device.device_id) or {}
        why = fault_reason(row, time.time(), declaration) or check_fixed_plan(row.get("scaled") or {},
                                                                              declaration.bounds)
        greens = greens_of(row["scaled"]) if why is None else {}
        low = [a for a in APPROACHES if why is None and not declaration.bounds.minimum(a) <= greens[a]
               <= declaration.bounds.green_max_s]
        if why is None and low:
            why = f"the fixed plan's green {low[0]} ({greens[low[0]]} s) lies outside the declared bounds"
        if why is not None:
            raise AdaptiveError(f"cannot turn the loop on for {code}: {why}")
        fixed = {"cycle_time": float(row["scaled"]["cycle_time"]), **greens}
        conn.execute(text(
            "INSERT INTO devices.adaptive_signals (device_id, layer, code, mode, fixed_plan, reason, changed_by, "
            "changed_at, last_change_clock, healthy_since_clock) VALUES (:id, :layer, :code, 'adaptive', "
            "CAST(:plan AS jsonb), '', :who, now(), NULL, NULL) ON CONFLICT (device_id) DO UPDATE SET "
            "mode = 'adaptive', fixed_plan = EXCLUDED.fixed_plan, reason = '', changed_by = EXCLUDED.changed_by, "
            "changed_at = now(), last_change_clock = NULL, healthy_since_clock = NULL"),
            {"id": device.device_id, "layer": layer, "code": code, "plan": json.dumps(fixed), "who": who})
        _event(conn, device.device_id, "enable", who, "closed loop on; fixed plan kept to fall back to",
               plan=fixed)
    return status(engine, layer, code)


def disable(engine: Engine, layer: str, code: str, actor: str | Principal) -> dict:
    """Take an intersection off the loop and restore its fixed plan (through the command path)."""
    who = _who(actor, layer)
    device = device_id(layer, code)
    with engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM devices.adaptive_signals WHERE device_id = :id FOR UPDATE"),
                           {"id": device}).mappings().one_or_none()
        if row is None or row["mode"] == "off":
            raise AdaptiveError(f"the loop is not on for {code}")
        conn.execute(text("UPDATE devices.adaptive_signals SET mode = 'off', reason = '', changed_by = :who, "
                          "changed_at = now() WHERE device_id = :id"), {"who": who, "id": device})
        _event(conn, device, "disable", who, "closed loop off by the operator")
        _restore(engine, conn, dict(row), who, "the loop was turned off")
    return status(engine, layer, code)


def _restore(engine: Engine, conn: Connection, row: Mapping[str, Any], actor: str, why: str) -> bool:
    """Write the fixed plan's greens where they differ; True when the device shows it."""
    state = _state(conn, row["device_id"]) or {}
    values = state.get("scaled") or {}
    fixed = {a: int(row["fixed_plan"][a]) for a in APPROACHES}
    if all(GREEN.format(a) in values for a in APPROACHES) and greens_of(values) == fixed:
        return True
    current = greens_of(values) if all(GREEN.format(a) in values for a in APPROACHES) else {a: -1 for a in APPROACHES}
    try:
        ids = write_greens(engine, row["layer"], row["code"], fixed, current, actor)
    except (CommandRejected, CommandFailed) as exc:
        _event(conn, row["device_id"], "restore", actor, f"restoring the fixed plan failed ({why}): {exc}",
               previous=current, plan=fixed)
        return False
    _event(conn, row["device_id"], "restore", actor, f"fixed plan restored: {why}", previous=current,
           plan=fixed, command_ids=ids)
    return True


def status(engine: Engine, layer: str, code: str, events: int = 20) -> dict:
    """The loop's state of an intersection and its latest events (for the operator page and API)."""
    device = device_id(layer, code)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT mode, fixed_plan, reason, changed_by, changed_at FROM devices.adaptive_signals "
                                "WHERE device_id = :id"), {"id": device}).mappings().one_or_none()
        history = conn.execute(text(
            "SELECT at, event, actor, detail, previous, plan, queues, command_ids FROM devices.adaptive_events "
            "WHERE device_id = :id ORDER BY id DESC LIMIT :n"), {"id": device, "n": events}).mappings().all()
    out: dict[str, Any] = {"mode": "off", "fixed_plan": None, "reason": "", "changed_by": None, "changed_at": None}
    if row is not None:
        out.update({k: row[k] for k in ("mode", "fixed_plan", "reason", "changed_by")},
                   changed_at=row["changed_at"].isoformat())
    out["events"] = [{**dict(e), "at": e["at"].isoformat(), "command_ids": list(e["command_ids"])} for e in history]
    return out


@dataclass
class _Window:
    """The readings of one intersection over the last cycle: (clock, queues, counts)."""

    samples: deque = field(default_factory=deque)
    last_seen: object = None

    def add(self, t: float, values: Mapping[str, float], seen: object, horizon_s: float) -> None:
        if seen != self.last_seen:
            self.last_seen = seen
            self.samples.append((t, {a: float(values[QUEUE.format(a)]) for a in APPROACHES},
                                 {a: values.get(COUNT.format(a)) for a in APPROACHES}))
        while self.samples and self.samples[0][0] < t - horizon_s:
            self.samples.popleft()

    def queues(self) -> dict[str, float]:
        return {a: round(sum(s[1][a] for s in self.samples) / len(self.samples), 1) for a in APPROACHES}

    def flows(self) -> dict[str, float | None]:
        (t0, _, c0), (t1, _, c1) = self.samples[0], self.samples[-1]
        out: dict[str, float | None] = {}
        for a in APPROACHES:
            ok = t1 > t0 and c0[a] is not None and c1[a] is not None and c1[a] >= c0[a]
            out[a] = (c1[a] - c0[a]) * 3600 / (t1 - t0) if ok else None  # a counter reset: flow unknown
        return out

    def covers(self, span_s: float) -> bool:
        return len(self.samples) >= 3 and self.samples[-1][0] - self.samples[0][0] >= span_s


class AdaptiveLoop:
    """One process's loop over every intersection under adaptive control; `tick` is one pass."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time,
                 wall: Callable[[], float] = time.time, declaration: Declaration | None = None) -> None:
        self.engine, self.clock, self.wall = engine, clock, wall
        self.declaration = declaration or load_declaration()
        self.windows: dict[str, _Window] = {}
        self.restored_at: dict[str, float] = {}  # wall time of the last restore sent, per device

    def tick(self) -> dict[str, str]:
        """Look at each intersection under the loop once; what happened to each (for logs and tests)."""
        with self.engine.connect() as conn:
            devices = conn.execute(text("SELECT device_id FROM devices.adaptive_signals "
                                        "WHERE mode <> 'off' ORDER BY device_id")).scalars().all()
        return {d: self._one(d) for d in devices}

    def _one(self, device: str) -> str:
        with self.engine.begin() as conn:
            # The row lock makes the change, and the once-per-cycle rule, one writer's at a time.
            row = conn.execute(text("SELECT * FROM devices.adaptive_signals WHERE device_id = :id AND mode <> 'off' "
                                    "FOR UPDATE SKIP LOCKED"), {"id": device}).mappings().one_or_none()
            if row is None:
                return "busy"
            row = dict(row)
            state = _state(conn, device) or {}
            why = fault_reason(state, self.wall(), self.declaration)
            now = self.clock()
            if why is None:
                cycle = float(state["scaled"]["cycle_time"])
                self.windows.setdefault(device, _Window()).add(now, state["scaled"], state["last_seen"], cycle)
            if row["mode"] == "fallback":
                return self._in_fallback(conn, row, why, now)
            if why is not None:
                return self._fall_back(conn, row, why)
            return self._maybe_change(conn, row, state["scaled"], now)

    def _fall_back(self, conn: Connection, row: dict, why: str) -> str:
        conn.execute(text("UPDATE devices.adaptive_signals SET mode = 'fallback', reason = :why, "
                          "healthy_since_clock = NULL WHERE device_id = :id"), {"why": why, "id": row["device_id"]})
        _event(conn, row["device_id"], "fallback", LOOP_ACTOR, why)
        log.warning("adaptive signals %s: back to the fixed plan (%s)", row["device_id"], why)
        self.windows.pop(row["device_id"], None)
        self._restore_if_reachable(conn, row, why)
        return "fallback"

    def _restore_if_reachable(self, conn: Connection, row: Mapping[str, Any], why: str) -> bool:
        # An offline controller cannot take a write (it runs its own plan meanwhile); the loop
        # restores ours once it answers. After a restore, the poller's data shows it within a
        # poll: no second restore (and audit rows) before the data could show the first.
        state = _state(conn, row["device_id"]) or {}
        last = self.restored_at.get(row["device_id"])
        if state.get("status") != "online" or (last is not None and self.wall() - last < self.declaration.stale_after_s):
            return False
        self.restored_at[row["device_id"]] = self.wall()
        return _restore(self.engine, conn, row, LOOP_ACTOR, why)

    def _in_fallback(self, conn: Connection, row: dict, why: str | None, now: float) -> str:
        state = _state(conn, row["device_id"]) or {}
        values = state.get("scaled") or {}
        shows_fixed = all(GREEN.format(a) in values for a in APPROACHES) and \
            greens_of(values) == {a: int(row["fixed_plan"][a]) for a in APPROACHES}
        if not shows_fixed:
            self._restore_if_reachable(conn, row, row["reason"] or "fallback")
            return "fallback"
        if why is not None:
            conn.execute(text("UPDATE devices.adaptive_signals SET healthy_since_clock = NULL, reason = :why "
                              "WHERE device_id = :id"), {"why": why, "id": row["device_id"]})
            return "fallback"
        since = row["healthy_since_clock"]
        if since is None:
            conn.execute(text("UPDATE devices.adaptive_signals SET healthy_since_clock = :now WHERE device_id = :id"),
                         {"now": now, "id": row["device_id"]})
            return "fallback"
        if now - since < self.declaration.resume_after_s:
            return "fallback"
        conn.execute(text("UPDATE devices.adaptive_signals SET mode = 'adaptive', reason = '', "
                          "healthy_since_clock = NULL, last_change_clock = :now WHERE device_id = :id"),
                     {"now": now, "id": row["device_id"]})
        _event(conn, row["device_id"], "resume", LOOP_ACTOR,
               f"data healthy for {now - since:.0f} s after: {row['reason']}")
        return "resumed"

    def _maybe_change(self, conn: Connection, row: dict, values: Mapping[str, float], now: float) -> str:
        cycle = float(values["cycle_time"])
        last = row["last_change_clock"]
        if last is None:  # just turned on: the first change after one whole cycle on the loop's clock
            conn.execute(text("UPDATE devices.adaptive_signals SET last_change_clock = :now WHERE device_id = :id"),
                         {"now": now, "id": row["device_id"]})
            return "observing"
        if now - last < cycle:
            return "waiting for the cycle"  # at most one change per cycle
        window = self.windows.get(row["device_id"])
        if window is None or not window.covers(cycle / 2):
            return "observing"
        current = greens_of(values)
        budget = int(sum(int(row["fixed_plan"][a]) for a in APPROACHES))
        queues, flows = window.queues(), window.flows()
        demand = demand_of(flows, queues, self.declaration.queue_weight)
        try:
            plan = plan_greens(current, demand, budget, cycle, self.declaration.bounds)
        except UnsafePlan as exc:
            return self._fall_back(conn, row, f"no safe plan: {exc}")
        if not worth_changing(plan, current, self.declaration.dead_band_s):
            return "no change needed"
        try:
            ids = write_greens(self.engine, row["layer"], row["code"], plan, current, LOOP_ACTOR)
        except (CommandRejected, CommandFailed) as exc:
            return self._fall_back(conn, row, f"a command did not go through: {exc}")
        conn.execute(text("UPDATE devices.adaptive_signals SET last_change_clock = :now WHERE device_id = :id"),
                     {"now": now, "id": row["device_id"]})
        flows_shown = {a: None if f is None else round(f) for a, f in flows.items()}
        _event(conn, row["device_id"], "change", LOOP_ACTOR,
               f"demand (veh/h) {json.dumps({a: round(d) for a, d in demand.items()})}, flows {json.dumps(flows_shown)}",
               previous=current, plan=plan, queues=queues, command_ids=ids, loop_clock=now)
        return "changed"

    def run(self, stop: Callable[[], bool], every_s: float = 1.0) -> None:
        """Tick until `stop()` is true; a database fault is logged once and retried."""
        failing = False
        while not stop():
            try:
                self.tick()
            except Exception as exc:  # the database or a device misbehaved: the next pass tries again
                if not failing:
                    log.error("adaptive signal loop failed (%s: %s); retrying", type(exc).__name__, exc)
                failing = True
            else:
                if failing:
                    log.info("adaptive signal loop works again")
                failing = False
            time.sleep(every_s)


__all__ = ["LOOP_ACTOR", "AdaptiveError", "AdaptiveLoop", "disable", "enable", "status", "write_greens"]
