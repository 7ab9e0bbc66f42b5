"""Alarm rules per device model, declared as data in devices/alarmrules/*.yaml.

A rule watches one point (``point``), the most extreme of several (``any_of``), or the
device's status (``status: offline``) or a named communication fault (``fault: config``,
see FAULTS: the cause the poller found, so a configuration fault is not sent a crew).
Rules in ``all_models.yaml`` (``model: "*"``) apply to every model. It opens when its condition holds, for ``for_s``
seconds if given (the on-delay), and clears when it has stopped holding for
``clear_for_s`` seconds (the off-delay, 0 by default); ``clear_value`` gives hysteresis.
The two delays debounce a flapping fault into one alarm: a rule that files a complaint
report (``report: true``) must declare an on-delay of at least MIN_REPORT_FOR_S, so a
blip never becomes a work order.

The evaluator is pure (no database): it takes the poller's readings and status
changes and returns open/clear transitions, which devices/alarms.py persists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from devices.datatypes import Reading, StatusChange
from devices.registermap import RegisterMap, load_maps

RULES_DIR = Path(__file__).with_name("alarmrules")
SEVERITIES = ("info", "warning", "critical")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
_KEYS = {"id", "point", "any_of", "status", "fault", "quality", "op", "value", "clear_value", "for_s", "clear_for_s", "severity",
         "title", "report"}
MIN_REPORT_FOR_S = 5.0
ALL_MODELS = "*"
# The poller's fault names (devices/pollstate.py PollFailure.fault, plus slow answers).
FAULTS = ("no_answer", "connection", "unit_missing", "config", "device_failure", "busy", "garbled", "slow")


class RuleError(ValueError):
    """An alarm rule file that cannot be used; the message names the model and the rule."""


@dataclass(frozen=True)
class Rule:
    """One alarm rule of one model."""

    id: str
    model: str
    severity: str
    title: Mapping[str, str]
    points: tuple[str, ...] = ()
    status: str | None = None
    fault: str | None = None
    # quality "bad": holds while a watched point (all points if none listed) reads outside
    # its plausible range (the register map's min/max/allowed): a value nobody should trust.
    quality: str | None = None
    op: str = "=="
    value: float = 0.0
    clear_value: float | None = None
    for_s: float = 0.0
    # Opening this alarm also files a complaint report for the agency's work queue.
    report: bool = False
    clear_for_s: float = 0.0
    # The watched points as people read them: name -> (title in Bahasa Indonesia, unit, is a bit),
    # from the register map, so the alarm text says "Antrean lengan utara = 180 m", not "queue_north".
    point_text: Mapping[str, tuple[str, str, bool]] = field(default_factory=dict)

    def check(self, values: Mapping[str, float], active: bool,
              bad: Iterable[str] = ()) -> tuple[bool, str | None, float | None]:
        """(holds, point, value): whether the condition holds now, and what triggered it.

        While the alarm is active the clear threshold applies, so it holds until the
        value is back past ``clear_value``. `bad`: points whose value is implausible
        (out of range); a threshold rule ignores them, a quality rule watches them.
        """
        bad = set(bad)
        if self.quality == "bad":
            hits = sorted(p for p in bad if p in values and (not self.points or p in self.points))
            return (True, hits[0], values[hits[0]]) if hits else (False, None, None)
        values = {p: v for p, v in values.items() if p not in bad}
        threshold = self.clear_value if active and self.clear_value is not None else self.value
        test = OPS[self.op]
        hits = [(p, values[p]) for p in self.points if p in values and test(values[p], threshold)]
        if not hits:
            return False, None, None
        # The most extreme offender is the one worth showing the operator.
        descending = self.op in (">", ">=", "!=", "==")
        point, value = max(hits, key=lambda h: h[1]) if descending else min(hits, key=lambda h: h[1])
        return True, point, value

    def message(self, point: str | None, value: float | None) -> str:
        base = self.title.get("id") or self.id
        if point is None or value is None:
            return base
        label, unit, bit = self.point_text.get(point, (point, "", False))
        if bit:  # "Pintu kabinet terbuka", not "... = 1"
            return f"{base}: {label}"
        return f"{base}: {label} = {value:g}" + (f" {unit}" if unit else "")


def _fail(model: str, rule: str | None, msg: str) -> RuleError:
    return RuleError(f"alarm rules {model}" + (f", rule {rule}" if rule else "") + f": {msg}")


def _parse_rule(model: str, raw: Mapping[str, Any], reg_map: RegisterMap | None) -> Rule:
    rid = str(raw.get("id") or "?")
    unknown = set(raw) - _KEYS
    if unknown:
        raise _fail(model, rid, f"unknown keys {sorted(unknown)}")
    if raw.get("severity") not in SEVERITIES:
        raise _fail(model, rid, f"severity must be one of {SEVERITIES}")
    title = raw.get("title") or {}
    if not isinstance(title, Mapping) or not title.get("id") or not title.get("en"):
        raise _fail(model, rid, "title needs id and en")
    for_s, clear_for_s = float(raw.get("for_s", 0)), float(raw.get("clear_for_s", 0))
    if for_s < 0 or clear_for_s < 0:
        raise _fail(model, rid, "for_s and clear_for_s must not be negative")
    report = raw.get("report", False)
    if not isinstance(report, bool):
        raise _fail(model, rid, "report must be true or false")
    if report and for_s < MIN_REPORT_FOR_S:
        raise _fail(model, rid, f"a rule that files a report needs for_s of at least {MIN_REPORT_FOR_S:g} s "
                    "(a debounce, so a blip does not make a work order)")
    if "quality" in raw:
        if raw["quality"] != "bad" or {"status", "fault", "op", "value"} & set(raw):
            raise _fail(model, rid, "a quality rule is `quality: bad`, optionally with point or any_of")
        watched = (raw["point"],) if "point" in raw else tuple(raw.get("any_of") or ())
        return Rule(rid, model, raw["severity"], dict(title), points=watched, quality="bad", for_s=for_s,
                    report=report, clear_for_s=clear_for_s)
    if "fault" in raw:
        if raw["fault"] not in FAULTS or {"point", "any_of", "status"} & set(raw):
            raise _fail(model, rid, f"a fault rule names one of {FAULTS} and no point")
        return Rule(rid, model, raw["severity"], dict(title), fault=raw["fault"], for_s=for_s, report=report,
                    clear_for_s=clear_for_s)
    if "status" in raw:
        if raw["status"] != "offline" or "point" in raw or "any_of" in raw:
            raise _fail(model, rid, "a status rule is `status: offline` and names no point")
        return Rule(rid, model, raw["severity"], dict(title), status="offline", for_s=for_s, report=report,
                    clear_for_s=clear_for_s)
    points = (raw["point"],) if "point" in raw else tuple(raw.get("any_of") or ())
    if not points or ("point" in raw and "any_of" in raw):
        raise _fail(model, rid, "give either point or any_of (a list of points)")
    for p in points:
        if reg_map is not None and p not in {q.name for q in reg_map.points}:
            raise _fail(model, rid, f"point {p!r} is not in the register map")
    if raw.get("op") not in OPS:
        raise _fail(model, rid, f"op must be one of {sorted(OPS)}")
    for key in ("value", "clear_value"):
        v = raw.get(key)
        if (key == "value" or v is not None) and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise _fail(model, rid, f"{key} must be a number")
    text = {p.name: (p.label("id"), p.unit, p.type == "bool") for p in reg_map.points
            if p.name in points} if reg_map is not None else {}
    return Rule(rid, model, raw["severity"], dict(title), points=points, op=raw["op"],
                value=float(raw["value"]),
                clear_value=None if raw.get("clear_value") is None else float(raw["clear_value"]),
                for_s=for_s, report=report, clear_for_s=clear_for_s, point_text=text)


def parse_rules(data: Mapping[str, Any], maps: Mapping[str, RegisterMap] | None = None) -> list[Rule]:
    """Validated rules of one model from parsed YAML."""
    model = data.get("model") if isinstance(data, Mapping) else None
    if not isinstance(model, str):
        raise RuleError("alarm rules: missing model")
    if maps is not None and model not in maps and model != ALL_MODELS:
        raise _fail(model, None, "no register map for this model")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(model, None, "rules must be a non-empty list")
    rules = [_parse_rule(model, r if isinstance(r, Mapping) else {}, (maps or {}).get(model))
             for r in raw_rules]
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise _fail(model, None, "rule id used twice")
    return rules


def load_rules(directory: Path | str = RULES_DIR) -> dict[str, list[Rule]]:
    """Every model's rules, checked against its register map."""
    maps = load_maps()
    out: dict[str, list[Rule]] = {}
    shared: list[Rule] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        rules = parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")), maps)
        if rules[0].model == ALL_MODELS and path.stem == "all_models":
            shared = rules
        elif rules[0].model != path.stem:
            raise _fail(rules[0].model, None, f"file name {path.name} does not match the model")
        else:
            out[rules[0].model] = rules
    for model, rules in out.items():
        clash = {r.id for r in rules} & {r.id for r in shared}
        if clash:
            raise _fail(model, sorted(clash)[0], "rule id also used in all_models.yaml")
        rules.extend(replace(r, model=model) for r in shared)
    return out


@dataclass(frozen=True)
class Transition:
    """An alarm to open or to clear."""

    kind: str  # open | clear
    device_id: str
    rule: Rule
    time: float
    point: str | None = None
    value: float | None = None

    @property
    def message(self) -> str:
        return self.rule.message(self.point, self.value)


@dataclass
class Evaluator:
    """Remembers which alarms are active and since when each condition holds."""

    rules: Mapping[str, list[Rule]]
    models: dict[str, str] = field(default_factory=dict)  # device_id -> model
    active: set[tuple[str, str]] = field(default_factory=set)  # (device_id, rule id)
    pending: dict[tuple[str, str], float] = field(default_factory=dict)
    # Since when an active alarm's condition has stopped holding (its off-delay running).
    clearing: dict[tuple[str, str], float] = field(default_factory=dict)
    offline_since: dict[str, float] = field(default_factory=dict)
    faults: dict[str, tuple[str, float]] = field(default_factory=dict)  # device -> (fault, since)

    def _rules(self, device: str) -> list[Rule]:
        return self.rules.get(self.models.get(device, ""), [])

    def _step(self, device: str, rule: Rule, holds: bool, now: float,
              point: str | None = None, value: float | None = None) -> Transition | None:
        key = (device, rule.id)
        if not holds:
            self.pending.pop(key, None)
            if key in self.active:
                quiet_since = self.clearing.setdefault(key, now)
                if now - quiet_since < rule.clear_for_s:
                    return None  # off-delay: a fault that returns soon is the same alarm
                self.clearing.pop(key, None)
                self.active.discard(key)
                return Transition("clear", device, rule, now)
            return None
        self.clearing.pop(key, None)
        since = self.pending.setdefault(key, now)
        if key not in self.active and now - since >= rule.for_s:
            self.active.add(key)
            return Transition("open", device, rule, now, point, value)
        return None

    def on_reading(self, reading: Reading) -> list[Transition]:
        self.models[reading.device_id] = reading.model
        out = []
        for rule in self._rules(reading.device_id):
            if rule.status is None and rule.fault is None:
                holds, point, value = rule.check(reading.values, (reading.device_id, rule.id) in self.active,
                                                 reading.out_of_range)
                out.append(self._step(reading.device_id, rule, holds, reading.time, point, value))
        return [t for t in out if t is not None]

    def on_change(self, change: StatusChange) -> list[Transition]:
        if change.status == "offline":
            self.offline_since.setdefault(change.device_id, change.time)
        elif change.status == "online":
            self.offline_since.pop(change.device_id, None)
        elif change.status == "fault" and change.fault:
            if self.faults.get(change.device_id, ("",))[0] != change.fault:
                self.faults[change.device_id] = (change.fault, change.time)
        elif change.status == "recovered":
            self.faults.pop(change.device_id, None)
        return self.tick(change.time, [change.device_id])

    def tick(self, now: float, devices: Iterable[str] | None = None) -> list[Transition]:
        """Status rules (offline for N seconds) move with the clock, not with readings."""
        out = []
        for device in devices if devices is not None else list(self.models):
            fault, fault_since = self.faults.get(device, (None, None))
            for rule in self._rules(device):
                if rule.status == "offline":
                    since = self.offline_since.get(device)
                elif rule.fault is not None:
                    since = fault_since if fault == rule.fault else None
                else:
                    continue
                # pending starts when the condition began, not when we noticed.
                if since is not None:
                    self.pending.setdefault((device, rule.id), since)
                out.append(self._step(device, rule, since is not None, now))
        return [t for t in out if t is not None]
