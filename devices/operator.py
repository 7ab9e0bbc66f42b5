"""What the operators' view shows, Flask-free: the fleet by status, a device's values, its charts.

webgis/operator serialises these; the CLI and notebooks may call them too. A device's
colour on the map is one of ``online``, ``offline``, ``alarm`` (any open or
acknowledged alarm) or ``unknown`` (registered, never polled yet).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from devices.alarmlife import lifecycle_json, load_policy, operator_alarms
from devices.alarms import alarm_code, list_alarms
from devices.commands import command_log
from devices.registermap import Point, load_maps
from devices.registry import device_id, find_device, read_fleet
from devices.store import latest_state, telemetry_buckets
from layers.registry import get_registry

# Chart windows: how far back, and the bucket each point of the line averages.
WINDOWS: dict[str, tuple[timedelta, int]] = {
    "hour": (timedelta(hours=1), 30),
    "day": (timedelta(days=1), 600),
    "week": (timedelta(days=7), 3600),
}


class UnknownDevice(LookupError):
    """No such device (or not a device layer); the web answers 404."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def colour_status(state: dict | None, alarms: list[dict]) -> str:
    """The map's status of a device: alarm beats offline beats online."""
    if alarms:
        return "alarm"
    if state is None or state.get("status") in (None, "unknown"):
        return "unknown"
    return str(state["status"])


def alarm_json(row: dict) -> dict[str, Any]:
    return {
        "id": row["id"], "kode": alarm_code(row["id"]), "device_id": row["device_id"], "layer": row["layer"],
        "code": row["code"], "rule": row["rule"], "severity": row["severity"], "state": row["state"],
        "message": row["message"], "value": row["value"], "opened_at": _iso(row["opened_at"]),
        "acknowledged_at": _iso(row["acknowledged_at"]), "acknowledged_by": row["acknowledged_by"],
        "report_id": row.get("report_id"), **lifecycle_json(row),
    }


def shelving_json() -> dict[str, Any]:
    """The shelve choices the operator's page offers (devices/alarm_lifecycle.yaml)."""
    policy = load_policy()
    return {"durations_s": list(policy.durations_s), "min_s": policy.shelve_min_s, "max_s": policy.shelve_max_s,
            "reason_min_chars": policy.reason_min_chars, "reason_max_chars": policy.reason_max_chars}


def fleet_status(engine: Engine) -> dict[str, Any]:
    """Every registered device (active) with its position and status, and the open alarms."""
    states = {s["device_id"]: s for s in latest_state(engine)}
    alarms = list_alarms(engine)
    by_device: dict[str, list[dict]] = {}
    for a in alarms:
        by_device.setdefault(a["device_id"], []).append(a)
    devices = []
    for r in read_fleet(engine):
        state = states.get(r.device_id)
        devices.append({
            "id": r.device_id, "layer": r.layer, "code": r.code, "name": r.name, "model": r.model,
            "lon": r.lon, "lat": r.lat, "status": colour_status(state, by_device.get(r.device_id, [])),
            "link": state.get("status") if state else None,
            "last_seen": _iso(state["last_seen"]) if state else None,
            "fault": state.get("fault") if state else None,
        })
    counts: dict[str, int] = {}
    for d in devices:
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    # The alarm list: active or awaiting an acknowledgement (ISA-18.2), the shelved ones apart.
    listed, shelved = operator_alarms(engine)
    return {"devices": devices, "counts": counts, "types": device_types(devices),
            "alarms": [alarm_json(a) for a in listed if a["layer"]],
            "shelved": [alarm_json(a) for a in shelved if a["layer"]], "shelving": shelving_json()}


def device_types(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The kinds of device on the map (one per device layer), titled by their declaration, with counts."""
    registry = get_registry()
    counts: dict[str, int] = {}
    for d in devices:
        counts[d["layer"]] = counts.get(d["layer"], 0) + 1
    return [{"layer": layer, "title": _title(registry.get(layer).title), "count": n}
            for layer, n in sorted(counts.items())]


def _title(text: Any) -> dict[str, str]:
    return {"id": text.id, "en": text.en}


def _point_json(p: Point, value: float | None) -> dict[str, Any]:
    if isinstance(value, float) and math.isnan(value):
        value = None
    return {"name": p.name, "title": {"id": p.label("id"), "en": p.label("en")}, "value": value, "unit": p.unit,
            "description": p.description,
            "writable": p.writable, "allowed": list(p.allowed) if p.allowed is not None else None,
            "min": p.min, "max": p.max, "pulse": p.pulse, "function": p.function}


def device_detail(engine: Engine, layer: str, code: str) -> dict[str, Any]:
    """One device: who it is, its latest scaled values with units, writable points with bounds,
    its active alarms, recent commands and traffic suggestions (ATCS)."""
    try:
        record = find_device(engine, layer, code)
    except KeyError as exc:
        raise UnknownDevice(str(exc).strip("'\"")) from None
    ident = device_id(layer, code)
    state = next(iter(s for s in latest_state(engine, layer) if s["device_id"] == ident), None)
    alarms = list_alarms(engine, device=ident)
    values = (state or {}).get("scaled") or {}
    reg_map = load_maps().get(record.model)
    points = [_point_json(p, values.get(p.name)) for p in (reg_map.points if reg_map else ())]
    from devices.traffic import current_suggestions, load_rules

    traffic = current_suggestions(engine, [ident]) if record.model == load_rules().model else []
    return {
        "id": ident, "layer": layer, "code": code, "name": record.name, "model": record.model,
        "type_title": _title(get_registry().get(layer).title),
        "model_title": dict(reg_map.title) if reg_map and reg_map.title else {"id": record.model, "en": record.model},
        "registry_status": record.status, "lon": record.lon, "lat": record.lat,
        "interval_s": record.interval_s,
        "status": colour_status(state, alarms), "link": (state or {}).get("status"),
        "fault": (state or {}).get("fault"), "last_seen": _iso((state or {}).get("last_seen")),
        "out_of_range": list((state or {}).get("out_of_range") or []),
        "points": points, "alarms": [alarm_json(a) for a in _device_alarms(engine, ident)],
        "shelving": shelving_json(),
        "commands": [_command_json(c) for c in command_log(engine, ident, limit=10)],
        "suggestions": traffic,
    }


def _device_alarms(engine: Engine, ident: str) -> list[dict]:
    """A device's alarms on the operator's list, its shelved ones too (marked), newest first."""
    listed, shelved = operator_alarms(engine, device=ident)
    return sorted(listed + shelved, key=lambda a: (a["opened_at"], a["id"]), reverse=True)


def device_diagnostics(engine: Engine, layer: str, code: str, now: datetime | None = None) -> dict[str, Any]:
    """A device's polling settings (where each comes from), its communication counters and its
    offline history with availability per day (30) and month (12)."""
    from devices.diagnostics import availability, comm_counters
    from devices.poller import PollerConfig

    try:
        record = find_device(engine, layer, code)
    except KeyError as exc:
        raise UnknownDevice(str(exc).strip("'\"")) from None
    ident = device_id(layer, code)
    poller = PollerConfig()
    polling = {"interval_s": record.interval_s,
               "timeout_s": poller.timeout_s if record.timeout_s is None else record.timeout_s,
               "retries": poller.retries if record.retries is None else record.retries,
               # Which are the poller's defaults (no property and no model default declared).
               "poller_defaults": [k for k, v in (("timeout_s", record.timeout_s), ("retries", record.retries))
                                   if v is None]}
    counters = comm_counters(engine, ident)
    if counters is not None:
        counters = {k: _iso(v) if isinstance(v, datetime) else v for k, v in counters.items() if k != "device_id"}
    return {"id": ident, "polling": polling, "comm": counters, **availability(engine, ident, now=now)}


def _command_json(row: dict) -> dict[str, Any]:
    return {"id": row["id"], "at": _iso(row["at"]), "actor": row["actor"], "point": row["point"],
            "value": row["value"], "previous": row["previous"], "read_back": row["read_back"],
            "result": row["result"], "detail": row["detail"]}


def device_telemetry(engine: Engine, layer: str, code: str, window: str,
                     now: datetime | None = None) -> dict[str, Any]:
    """Chart series of a device's numeric points over a window (hour, day or week), bucketed."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}")
    try:
        record = find_device(engine, layer, code)
    except KeyError as exc:
        raise UnknownDevice(str(exc).strip("'\"")) from None
    span, bucket = WINDOWS[window]
    since = (now or datetime.now(UTC)) - span
    rows = telemetry_buckets(engine, device_id(layer, code), since, bucket)
    reg_map = load_maps().get(record.model)
    units = {p.name: p.unit for p in reg_map.points} if reg_map else {}
    titles = {p.name: {"id": p.label("id"), "en": p.label("en")} for p in reg_map.points} if reg_map else {}
    series: dict[str, dict[str, list]] = {}
    for r in rows:
        s = series.setdefault(r["point"], {"t": [], "v": []})
        s["t"].append(r["t"].timestamp())
        s["v"].append(round(r["avg"], 3))
    return {"id": device_id(layer, code), "window": window, "bucket_s": bucket, "since": since.isoformat(),
            "series": [{"point": name, "title": titles.get(name, {"id": name, "en": name}), "unit": units.get(name, ""),
                        **data} for name, data in sorted(series.items())]}
