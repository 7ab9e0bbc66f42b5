"""Adaptive traffic signals, the decision: a new split plan from measured demand, within the
declared safety bounds, and the checks that send an intersection back to its fixed plan.

Pure functions over the declaration (devices/adaptive_signals.yaml); devices/adaptivectl.py
runs them against the poller's data and writes through the command path. The split rule
is the one of traffic-responsive control (SCATS, TUC): the cycle's green time is shared
in proportion to each approach's demand (flow plus a weight on its standing queue), each
green kept between the larger of the green minimum and its pedestrian minimum and the
green maximum, each change limited to `max_step_s`, the greens' sum never beyond what
the fixed plan used (so they always fit the cycle).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devices.registermap import load_maps

DECLARATION = Path(__file__).with_name("adaptive_signals.yaml")
APPROACHES = ("north", "east", "south", "west")
GREEN = "green_{}"
QUEUE = "queue_{}"
COUNT = "count_{}"


class AdaptiveDeclarationError(ValueError):
    """devices/adaptive_signals.yaml cannot be used; the message says what is wrong."""


class UnsafePlan(ValueError):
    """A plan that breaks a declared bound: never written."""


@dataclass(frozen=True)
class Bounds:
    green_min_s: int
    green_max_s: int
    cycle_min_s: int
    cycle_max_s: int
    pedestrian_min_s: Mapping[str, int]
    max_step_s: int
    changes_per_cycle: int

    def minimum(self, approach: str) -> int:
        """The shortest green an approach may get: the green minimum or its pedestrians' need."""
        return max(self.green_min_s, self.pedestrian_min_s.get(approach, 0))


@dataclass(frozen=True)
class Declaration:
    model: str
    bounds: Bounds
    queue_weight: float
    dead_band_s: int
    stale_after_s: float
    fault_points: Mapping[str, float]
    resume_after_s: float


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AdaptiveDeclarationError(f"{key} must be a whole number of seconds, not {value!r}")
    return value


def parse_declaration(doc: Mapping[str, Any]) -> Declaration:
    """The declaration, checked against the model's register map; AdaptiveDeclarationError says why not."""
    raw = doc.get("bounds") or {}
    ped = raw.get("pedestrian_min_s") or {}
    if set(ped) - set(APPROACHES):
        raise AdaptiveDeclarationError(f"pedestrian_min_s names unknown approaches {sorted(set(ped) - set(APPROACHES))}")
    bounds = Bounds(_int(raw, "green_min_s"), _int(raw, "green_max_s"), _int(raw, "cycle_min_s"),
                    _int(raw, "cycle_max_s"), {a: _int(ped, a) for a in ped}, _int(raw, "max_step_s"),
                    _int(raw, "changes_per_cycle"))
    reg_map = load_maps().get(str(doc.get("model")))
    if reg_map is None:
        raise AdaptiveDeclarationError(f"no register map for model {doc.get('model')!r}")
    for a in APPROACHES:
        green = reg_map.point(GREEN.format(a))
        if not (green.min or 0) <= bounds.minimum(a) <= bounds.green_max_s <= (green.max or math.inf):
            raise AdaptiveDeclarationError(f"the greens of {a} must lie within the register map's "
                                           f"{green.min:g}..{green.max:g} s and min <= max")
    cycle = reg_map.point("cycle_time")
    if not (cycle.min or 0) <= bounds.cycle_min_s <= bounds.cycle_max_s <= (cycle.max or math.inf):
        raise AdaptiveDeclarationError("the cycle limits must lie within the register map's cycle_time bounds")
    if sum(bounds.minimum(a) for a in APPROACHES) > bounds.cycle_min_s:
        raise AdaptiveDeclarationError("the minimum greens do not fit in the shortest cycle")
    if bounds.max_step_s < 1 or bounds.changes_per_cycle != 1:
        raise AdaptiveDeclarationError("max_step_s must be at least 1 and changes_per_cycle 1")
    return Declaration(reg_map.model, bounds, float(doc.get("queue_weight_vph_per_m", 0)),
                       _int(doc, "dead_band_s"), float(doc.get("stale_after_s", 10)),
                       {str(k): float(v) for k, v in (doc.get("fault_points") or {}).items()},
                       float(doc.get("resume_after_s", 60)))


@functools.cache
def load_declaration(path: Path = DECLARATION) -> Declaration:
    return parse_declaration(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def greens_of(values: Mapping[str, float]) -> dict[str, int]:
    return {a: int(round(values[GREEN.format(a)])) for a in APPROACHES}


def check_fixed_plan(values: Mapping[str, float], bounds: Bounds) -> str | None:
    """Why a fixed plan cannot be the loop's base (cycle or greens outside the bounds), else None."""
    cycle = values.get("cycle_time")
    if cycle is None or not bounds.cycle_min_s <= cycle <= bounds.cycle_max_s:
        return f"the cycle {cycle} s lies outside the declared {bounds.cycle_min_s}..{bounds.cycle_max_s} s"
    greens = greens_of(values)
    if sum(bounds.minimum(a) for a in APPROACHES) > sum(greens.values()):
        return "the fixed plan's greens leave no room above the minimum greens"
    if sum(greens.values()) > cycle:
        return "the fixed plan's greens do not fit its cycle"
    return None


def check_plan(plan: Mapping[str, int], current: Mapping[str, int], budget: int, cycle: float,
               bounds: Bounds) -> None:
    """UnsafePlan unless every green, step and the sum keep the declared bounds."""
    for a in APPROACHES:
        if not bounds.minimum(a) <= plan[a] <= bounds.green_max_s:
            raise UnsafePlan(f"green {a} {plan[a]} s outside {bounds.minimum(a)}..{bounds.green_max_s} s")
        if abs(plan[a] - current[a]) > bounds.max_step_s:
            raise UnsafePlan(f"green {a} would change by {plan[a] - current[a]} s (at most {bounds.max_step_s})")
    if sum(plan.values()) > min(budget, cycle):
        raise UnsafePlan(f"the greens ({sum(plan.values())} s) exceed the budget {min(budget, cycle):g} s")


def _shares(demand: Mapping[str, float], budget: int, bounds: Bounds) -> dict[str, float]:
    """The budget shared in proportion to demand, each share kept within its bounds."""
    free = dict.fromkeys(APPROACHES, 0.0)
    fixed: dict[str, float] = {}
    while True:
        open_ = [a for a in APPROACHES if a not in fixed]
        left = budget - sum(fixed.values())
        weight = sum(max(demand.get(a, 0.0), 1.0) for a in open_)
        for a in open_:
            free[a] = left * max(demand.get(a, 0.0), 1.0) / weight
        clipped = {a: min(max(free[a], bounds.minimum(a)), bounds.green_max_s) for a in open_
                   if not bounds.minimum(a) <= free[a] <= bounds.green_max_s}
        if not clipped:
            return {**free, **fixed}
        fixed.update(clipped)


def plan_greens(current: Mapping[str, int], demand: Mapping[str, float], budget: int,
                cycle: float, bounds: Bounds) -> dict[str, int]:
    """The next split plan: towards the demand-proportional shares, by at most max_step_s a
    green, whole seconds, the sum within `budget` (the fixed plan's total green)."""
    target = _shares(demand, budget, bounds)
    plan = {}
    for a in APPROACHES:
        step = max(-bounds.max_step_s, min(bounds.max_step_s, math.floor(target[a] - current[a] + 0.5)))
        plan[a] = min(max(current[a] + step, bounds.minimum(a)), bounds.green_max_s)
    # Steps limited one by one may overshoot the budget: take the excess back from the
    # growing greens, largest growth first.
    excess = sum(plan.values()) - min(budget, int(cycle))
    while excess > 0:
        growing = max(APPROACHES, key=lambda a: plan[a] - current[a])
        if plan[growing] <= max(current[growing], bounds.minimum(growing)):
            break
        plan[growing] -= 1
        excess -= 1
    check_plan(plan, current, budget, cycle, bounds)
    return plan


def worth_changing(plan: Mapping[str, int], current: Mapping[str, int], dead_band_s: int) -> bool:
    return any(abs(plan[a] - current[a]) >= dead_band_s for a in APPROACHES)


def demand_of(flow_vph: Mapping[str, float | None], queue_m: Mapping[str, float], weight: float) -> dict[str, float]:
    """Each approach's demand: measured flow plus `weight` times its mean queue."""
    return {a: (flow_vph.get(a) or 0.0) + weight * queue_m.get(a, 0.0) for a in APPROACHES}


def fault_reason(row: Mapping[str, Any], wall_now: float, declaration: Declaration) -> str | None:
    """Why the loop must not act on this intersection's data now (device_state row), or None."""
    if not row or row.get("last_seen") is None:
        return "no readings from the controller yet"
    if row.get("status") != "online":
        return f"the controller is {row.get('status') or 'unknown'}"
    last_seen = row.get("last_seen")
    if last_seen is None or wall_now - last_seen.timestamp() > declaration.stale_after_s:
        age = "never" if last_seen is None else f"{wall_now - last_seen.timestamp():.0f} s ago"
        return f"detector data stale (last good reading {age}, limit {declaration.stale_after_s:g} s)"
    values = row.get("scaled") or {}
    for point, healthy in declaration.fault_points.items():
        if point in values and values[point] != healthy:
            return f"{point} = {values[point]:g} (fault)"
    missing = [p for a in APPROACHES for p in (QUEUE.format(a), GREEN.format(a)) if p not in values]
    if missing or "cycle_time" not in values:
        return f"points missing from the readings: {', '.join(missing) or 'cycle_time'}"
    bad = [p for p in row.get("out_of_range") or [] if p.startswith(("queue_", "count_", "green_"))]
    if bad:
        return f"implausible detector values: {', '.join(bad)}"
    return None
