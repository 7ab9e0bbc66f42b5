"""Cross-point rules of a register map, enforced before a command writes.

A point's own bounds (allowed values, min/max, what its register can hold) are checked by
devices/registermap.py check_write. Some rules span points and are declared beside them
in the map:

- ``constraints``: a sum of points compared with another point, e.g. the four greens
  must fit in the cycle: ``{id: greens_fit_cycle, sum: [green_north, ...], op: "<=",
  than: cycle_time, title: {id: ..., en: ...}}``;
- ``interlocks``: a point that may only be written while other points hold given values,
  e.g. the lamp relay only in manual mode: ``{id: manual_only, point: lamp_on,
  when: {auto_mode: 0}, title: {...}}``.

commands.send reads the points a rule involves from the device, puts the new value in
place and refuses the command (nothing written) when a rule would break.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

OPS: dict[str, Callable[[float, float], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
                                                  ">=": operator.ge, "==": operator.eq}


class RuleViolation(ValueError):
    """A command that would break a declared cross-point rule."""


@dataclass(frozen=True)
class Constraint:
    """sum(points) op than."""

    id: str
    points: tuple[str, ...]
    op: str
    than: str
    title: Mapping[str, str]

    @property
    def involved(self) -> frozenset[str]:
        return frozenset((*self.points, self.than))

    def check(self, values: Mapping[str, float]) -> None:
        total = sum(values[p] for p in self.points)
        if not OPS[self.op](total, values[self.than]):
            raise RuleViolation(f"{self.title.get('en', self.id)}: {' + '.join(self.points)} = {total:g} "
                                f"would not be {self.op} {self.than} = {values[self.than]:g}")


@dataclass(frozen=True)
class Interlock:
    """`point` may only be written while every point of `when` holds its value."""

    id: str
    point: str
    when: Mapping[str, float]
    title: Mapping[str, str]

    @property
    def involved(self) -> frozenset[str]:
        return frozenset(self.when)

    def check(self, values: Mapping[str, float]) -> None:
        wrong = {p: values[p] for p, v in self.when.items() if values[p] != v}
        if wrong:
            need = ", ".join(f"{p} = {v:g}" for p, v in self.when.items())
            now = ", ".join(f"{p} is {v:g}" for p, v in wrong.items())
            raise RuleViolation(f"{self.title.get('en', self.id)}: {self.point} may only be written while "
                                f"{need}; now {now}")


def parse_rules(model: str, data: Mapping[str, Any], names: set[str]) -> tuple[Constraint | Interlock, ...]:
    """The map's constraints and interlocks; ValueError names the model and the rule."""
    out: list[Constraint | Interlock] = []
    for raw in data.get("constraints") or []:
        rid = str(raw.get("id", "?"))
        points = tuple(raw.get("sum") or ())
        if not points or raw.get("op") not in OPS or not isinstance(raw.get("than"), str):
            raise ValueError(f"register map {model}, constraint {rid}: give sum (points), op {sorted(OPS)}, than")
        out.append(Constraint(rid, points, raw["op"], raw["than"], dict(raw.get("title") or {})))
    for raw in data.get("interlocks") or []:
        rid = str(raw.get("id", "?"))
        if not isinstance(raw.get("point"), str) or not isinstance(raw.get("when"), Mapping) or not raw["when"]:
            raise ValueError(f"register map {model}, interlock {rid}: give point and when (point: value)")
        out.append(Interlock(rid, raw["point"], {k: float(v) for k, v in raw["when"].items()},
                             dict(raw.get("title") or {})))
    for rule in out:
        unknown = sorted(rule.involved - names) + ([rule.point] if isinstance(rule, Interlock)
                                                    and rule.point not in names else [])
        if unknown:
            raise ValueError(f"register map {model}, rule {rule.id}: unknown points {unknown}")
    return tuple(out)


def rules_for(rules: tuple[Constraint | Interlock, ...], point: str) -> list[Constraint | Interlock]:
    """The rules a write to `point` must respect."""
    return [r for r in rules if (isinstance(r, Interlock) and r.point == point)
            or (isinstance(r, Constraint) and point in r.involved)]


def check_rules(rules: tuple[Constraint | Interlock, ...], point: str, value: float,
                current: Mapping[str, float]) -> None:
    """RuleViolation when writing `value` to `point` breaks a rule, given the device's current values."""
    values = {**current, point: value}
    for rule in rules_for(rules, point):
        rule.check(values)


__all__ = ["Constraint", "Interlock", "RuleViolation", "check_rules", "parse_rules", "rules_for"]
