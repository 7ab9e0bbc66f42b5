"""Complaints' own rules that the engine asks for by name in services/complaints/declaration.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from services.complaints.categories import load_categories


def target_days(service_code: str | None) -> int | None:
    """The category's working target in days (categories.yaml `sla_days`); None for an unknown category."""
    category = load_categories().get(service_code or "")
    return category.sla_days if category else None


def due_at(spec: Any, state: str, case: Mapping[str, Any], since: datetime) -> datetime | None:
    """When a report in `state` is due: its category's target counted from when it was filed, one date
    for the whole request as Open311's expected_datetime is; a state without a due time has none; a
    report of a category without a target is due `due_days` after entering the state."""
    days = spec.state(state).due_days
    if days is None:
        return None
    target = target_days(case.get("service_code"))
    filed = case.get("submitted_at") or case.get("requested_datetime")
    if target is None or filed is None:
        return since + timedelta(days=days)
    return filed + timedelta(days=target)


def due_at_of(row: Mapping[str, Any]) -> datetime | None:
    """A report's due time: as stored on the staff layer (the engine set it), or, for a row of
    complaints_public (which does not carry it), by the same rule from its category and filing time."""
    if "due_at" in row:
        return row["due_at"]
    days = target_days(row.get("service_code"))
    return None if days is None else row["requested_datetime"] + timedelta(days=days)
