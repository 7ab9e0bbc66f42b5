"""Traffic: ATCS detector counts and queues aggregated per intersection, and green-time suggestions.

`aggregate(engine)` reads the last `window_min` minutes of ATCS telemetry and returns
per intersection and approach the vehicle flow (from the detector counters, resets
skipped), the mean and longest queue and the number of readings. `refresh(engine)`
writes one feature per intersection into the public `traffic_congestion` layer
through layers/ (history kept), so citizens see "alternatif kemacetan" on the map.

`suggestions(...)` applies the adaptive rule declared in devices/traffic.yaml: a
congested approach gets a suggested longer green, bounded by the register map. It
never writes to a device; an operator applies it through devices.commands.send
(confirmation, bounds, read-back, audit), like any other command.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, text

from devices.interlocks import RuleViolation, check_rules
from devices.registermap import RegisterMap, load_maps
from devices.registry import DeviceRecord, read_fleet
from layers import upsert_features

RULES_FILE = Path(__file__).with_name("traffic.yaml")
LAYER = "traffic_congestion"
DEVICE_LAYER = "atcs_intersections"
APPROACHES = ("north", "east", "south", "west")
TRAFFIC_ACTOR = "devices:traffic"


class TrafficRuleError(ValueError):
    """devices/traffic.yaml cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class TrafficRules:
    """The congestion levels and the green-time suggestion rule, as declared."""

    model: str
    window_min: int
    min_samples: int
    levels: tuple[tuple[str, float], ...]
    suggestion_id: str
    suggest_queue_m: float
    step_s: float
    point: str
    title: Mapping[str, str]

    def level(self, queue_avg_m: float | None, samples: int) -> str:
        if queue_avg_m is None or samples < self.min_samples:
            return "tidak_ada_data"
        for name, threshold in self.levels:
            if queue_avg_m >= threshold:
                return name
        return self.levels[-1][0]


def parse_rules(data: Mapping[str, Any]) -> TrafficRules:
    """Validated rules from parsed YAML; TrafficRuleError names the problem."""
    try:
        levels = tuple((str(x["level"]), float(x["queue_avg_m"])) for x in data["levels"])
        s = data["suggestion"]
        rules = TrafficRules(
            model=str(data["model"]), window_min=int(data["window_min"]), min_samples=int(data.get("min_samples", 1)),
            levels=levels, suggestion_id=str(s["id"]), suggest_queue_m=float(s["queue_avg_m"]),
            step_s=float(s["step_s"]), point=str(s["point"]), title=dict(s["title"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise TrafficRuleError(f"traffic rules: missing or malformed {exc}") from None
    if rules.window_min < 1 or rules.step_s <= 0:
        raise TrafficRuleError("traffic rules: window_min and step_s must be positive")
    if [t for _, t in levels] != sorted((t for _, t in levels), reverse=True):
        raise TrafficRuleError("traffic rules: levels must go from the highest queue threshold down")
    reg_map = load_maps().get(rules.model)
    if reg_map is None:
        raise TrafficRuleError(f"traffic rules: no register map for model {rules.model}")
    for a in APPROACHES:
        name = rules.point.format(approach=a)
        point = next((p for p in reg_map.points if p.name == name), None)
        if point is None or not point.writable:
            raise TrafficRuleError(f"traffic rules: {name} is not a writable point of {rules.model}")
    return rules


@cache
def load_rules(path: Path = RULES_FILE) -> TrafficRules:
    return parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")))


# Per device and approach over the window: counter increases (a reset, i.e. a negative
# step, counts nothing), the span they cover, and the queue statistics.
_AGGREGATE = """
WITH readings AS (
    SELECT d.device_id, t.time, a.approach,
           t.values[array_position(l.points, 'count_' || a.approach)] AS count,
           t.values[array_position(l.points, 'queue_' || a.approach)] AS queue
    FROM devices.readings t JOIN devices.point_layouts l ON l.id = t.layout
    JOIN devices.telemetry_devices d ON d.id = t.device
    CROSS JOIN unnest(CAST(:approaches AS text[])) AS a (approach)
    WHERE l.model = :model AND t.time >= :since AND t.time <= :until
      AND (CAST(:devices AS text[]) IS NULL OR d.device_id = ANY(CAST(:devices AS text[])))
), steps AS (
    SELECT *, count - lag(count) OVER (PARTITION BY device_id, approach ORDER BY time) AS step
    FROM readings
)
SELECT device_id, approach, count(*) AS samples,
       coalesce(sum(step) FILTER (WHERE step > 0), 0) AS vehicles,
       extract(epoch FROM max(time) - min(time)) AS span_s,
       avg(queue) AS queue_avg, max(queue) AS queue_max
FROM steps GROUP BY device_id, approach ORDER BY device_id, approach
"""


def approach_stats(engine: Engine, *, window_min: int | None = None, devices: Sequence[str] | None = None,
                   until: datetime | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{device_id: {approach: {samples, vehicles_per_hour, queue_avg_m, queue_max_m}}} over the window."""
    rules = load_rules()
    until = until or datetime.now(UTC)
    since = until - timedelta(minutes=window_min or rules.window_min)
    with engine.connect() as conn:
        rows = conn.execute(text(_AGGREGATE), {
            "approaches": list(APPROACHES), "model": rules.model, "since": since, "until": until,
            "devices": list(devices) if devices is not None else None}).mappings().all()
    out: dict[str, dict[str, dict[str, float]]] = {}
    for r in rows:
        span = float(r["span_s"] or 0)
        out.setdefault(r["device_id"], {})[r["approach"]] = {
            "samples": int(r["samples"]),
            "vehicles_per_hour": round(float(r["vehicles"]) * 3600 / span, 1) if span > 0 else None,
            "queue_avg_m": None if r["queue_avg"] is None else round(float(r["queue_avg"]), 1),
            "queue_max_m": None if r["queue_max"] is None else round(float(r["queue_max"]), 1),
        }
    return out


def intersection_summary(stats: Mapping[str, Mapping[str, float | None]], rules: TrafficRules) -> dict[str, Any]:
    """One intersection's congestion from its approaches' statistics."""
    queued = {a: s["queue_avg_m"] for a, s in stats.items() if s.get("queue_avg_m") is not None}
    samples = min((int(s["samples"] or 0) for s in stats.values()), default=0)
    flows = [s["vehicles_per_hour"] for s in stats.values() if s.get("vehicles_per_hour") is not None]
    worst = max(queued, key=lambda a: queued[a]) if queued else None
    maxima = [s["queue_max_m"] for s in stats.values() if s.get("queue_max_m") is not None]
    return {
        "level": rules.level(queued[worst] if worst else None, samples),
        "vehicles_per_hour": round(sum(flows), 1) if flows else None,
        "queue_max_m": max(maxima) if maxima else None,
        "queue_avg_m": round(sum(queued.values()) / len(queued), 1) if queued else None,
        "worst_approach": worst, "samples": samples,
    }


def suggestions(stats: Mapping[str, Mapping[str, Mapping[str, float | None]]],
                latest: Mapping[str, Mapping[str, float]], rules: TrafficRules | None = None) -> list[dict[str, Any]]:
    """Suggested longer greens, one per congested approach whose green may still grow.

    `latest` is each device's latest scaled values (devices.device_state), which give
    the current green; the suggestion is bounded by the register map's max.
    """
    rules = rules or load_rules()
    reg_map = load_maps()[rules.model]
    out = []
    for device, approaches in sorted(stats.items()):
        for approach in APPROACHES:
            s = approaches.get(approach)
            if not s or s.get("queue_avg_m") is None or s["samples"] < rules.min_samples:
                continue
            if s["queue_avg_m"] < rules.suggest_queue_m:
                continue
            point = reg_map.point(rules.point.format(approach=approach))
            current = (latest.get(device) or {}).get(point.name)
            if current is None or (isinstance(current, float) and math.isnan(current)):
                continue
            target = min(float(point.max if point.max is not None else current + rules.step_s),
                         float(current) + rules.step_s)
            target = _fitting(reg_map, point.name, target, float(current), latest.get(device) or {})
            if target <= current:
                continue  # already at the longest green the map (bounds, cycle) allows
            layer, _, code = device.partition("/")
            out.append({
                "rule": rules.suggestion_id, "device_id": device, "layer": layer, "code": code,
                "approach": approach, "point": point.name, "unit": point.unit, "current": current,
                "suggested": target, "queue_avg_m": s["queue_avg_m"],
                "point_title": {"id": point.label("id"), "en": point.label("en")},
                "title": {k: _sentence(v.format(approach=approach, point=point.label(k).lower()))
                          for k, v in rules.title.items()},
            })
    return out


def _sentence(text: str) -> str:
    """Upper-case first letter: a point title put mid-sentence is lower-cased, the sentence is not."""
    return text[:1].upper() + text[1:]


def _fitting(reg_map: RegisterMap, point: str, target: float, current: float, values: Mapping[str, float]) -> float:
    """The longest green up to `target` that the map's cross-point rules allow (the greens fit the cycle)."""
    while target > current:
        try:
            check_rules(reg_map.rules, point, target, values)
            return target
        except KeyError:  # a value the rule needs was not polled: the command path checks it on sending
            return target
        except RuleViolation:
            target -= 1.0
    return current


def _feature(record: DeviceRecord, summary: Mapping[str, Any], window_min: int, at: datetime) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [record.lon, record.lat]},
            "properties": {"kode": record.code, "nama": record.name, "window_min": window_min,
                           "updated": at.isoformat(), **summary}}


def refresh(engine: Engine, *, window_min: int | None = None, until: datetime | None = None) -> dict[str, Any]:
    """Recompute the congestion layer from telemetry; returns counts and the suggestions."""
    rules = load_rules()
    window = window_min or rules.window_min
    until = until or datetime.now(UTC)
    # The layer's `updated` in whole seconds: read_layer parses a datetime column with one
    # format, and the seed has none. The window itself ends at `until`, not at the truncated
    # second, or a refresh ignored up to a second of the newest telemetry.
    at = until.replace(microsecond=0)
    # Every registered intersection, retired ones too: without telemetry they read "no data",
    # never a stale level.
    records = [r for r in read_fleet(engine, layers=[DEVICE_LAYER], active_only=False) if r.model == rules.model]
    stats = approach_stats(engine, window_min=window, devices=[r.device_id for r in records], until=until)
    features = [_feature(r, intersection_summary(stats.get(r.device_id, {}), rules), window, at) for r in records]
    counts = upsert_features(engine, LAYER, features, actor=TRAFFIC_ACTOR, source="devices")
    latest = latest_values(engine, [r.device_id for r in records])
    return {**counts, "intersections": len(features), "suggestions": suggestions(stats, latest, rules)}


def latest_values(engine: Engine, devices: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each device's latest scaled values (from devices.device_state)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT device_id, scaled FROM devices.device_state WHERE device_id = ANY(:ids)"),
                            {"ids": list(devices)})
        return {r.device_id: dict(r.scaled or {}) for r in rows}


def current_suggestions(engine: Engine, devices: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The suggestions for now (for the operator page and API), optionally for some devices."""
    stats = approach_stats(engine, devices=devices)
    return suggestions(stats, latest_values(engine, list(stats)))


__all__ = ["approach_stats", "current_suggestions", "intersection_summary", "load_rules",
           "refresh", "suggestions"]
