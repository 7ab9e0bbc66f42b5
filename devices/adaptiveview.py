"""The operator's view of an intersection's adaptive loop: its state, its latest events and
the queues before and after it was turned on (from the poller's telemetry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from devices.adaptivectl import status
from devices.adaptiveplan import APPROACHES, load_declaration
from devices.registry import device_id, find_device
from devices.traffic import approach_stats

WINDOW_MIN = 15


def _switches(engine: Engine, device: str) -> tuple[datetime | None, datetime | None]:
    """When the loop was last turned on, and when it was turned off after that (None: still on)."""
    with engine.connect() as conn:
        on = conn.execute(text("SELECT max(at) FROM devices.adaptive_events WHERE device_id = :id "
                               "AND event = 'enable'"), {"id": device}).scalar_one()
        off = None if on is None else conn.execute(text(
            "SELECT min(at) FROM devices.adaptive_events WHERE device_id = :id AND event = 'disable' AND at > :on"),
            {"id": device, "on": on}).scalar_one()
    return on, off


def queue_comparison(engine: Engine, device: str, window_min: int = WINDOW_MIN,
                     now: datetime | None = None) -> dict[str, Any] | None:
    """Mean queue per approach over `window_min` minutes on the fixed plan before the loop was
    turned on, and over the latest minutes on the loop: at most as many, and at most the later
    half of its time so far (the first cycles still carry the fixed plan's standing queue).
    None before the loop was ever on."""
    on, off = _switches(engine, device)
    if on is None:
        return None
    end = off or now or datetime.now(UTC)
    after_min = min(window_min, max((end - on).total_seconds() / 120, 1 / 60))
    before = approach_stats(engine, window_min=window_min, devices=[device], until=on).get(device, {})
    after = approach_stats(engine, window_min=after_min, devices=[device], until=end).get(device, {})
    rows = []
    for a in APPROACHES:
        b, f = (before.get(a) or {}).get("queue_avg_m"), (after.get(a) or {}).get("queue_avg_m")
        change = round(100 * (f - b) / b) if b and f is not None else None
        rows.append({"approach": a, "before_m": b, "after_m": f, "change_pct": change})
    total = [sum(r[k] for r in rows) if all(r[k] is not None for r in rows) else None for k in ("before_m", "after_m")]
    return {"enabled_at": on.isoformat(), "until": end.isoformat(), "before_min": window_min,
            "after_min": round(after_min, 1), "approaches": rows,
            "total": {"before_m": total[0], "after_m": total[1]}}


def adaptive_panel(engine: Engine, layer: str, code: str) -> dict[str, Any] | None:
    """The loop's section of a device page, or None for a device the loop does not drive."""
    declaration = load_declaration()
    try:
        if find_device(engine, layer, code).model != declaration.model:
            return None
    except KeyError:
        return None
    device = device_id(layer, code)
    bounds = declaration.bounds
    return {**status(engine, layer, code), "queues": queue_comparison(engine, device),
            "bounds": {"green_min_s": {a: bounds.minimum(a) for a in APPROACHES}, "green_max_s": bounds.green_max_s,
                       "cycle_min_s": bounds.cycle_min_s, "cycle_max_s": bounds.cycle_max_s,
                       "max_step_s": bounds.max_step_s, "stale_after_s": declaration.stale_after_s},
            "since": (datetime.now(UTC) - timedelta(minutes=WINDOW_MIN)).isoformat()}
