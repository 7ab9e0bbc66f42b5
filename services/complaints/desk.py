"""The staff desk's reading of the queue: which reports an agency sees, how old, when due, overdue or not.

Flask-free, like the rest of the service: the desk pages and the JSON queue
(webgis/open311) parse their filters with `parse_filter` and list with
`agency_queue`, so both refuse the same bad input with the same words and
show the same reports. A report's due time is the engine's (`due_at`, set by
the declaration's due rule, services/complaints/rules.py: its category's working
target counted from when it was filed); it is overdue past that while it is in a
state with a due time (open, acknowledged, in progress), as the engine's overdue
listing (`python -m services layanan overdue complaints`) says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from layers.access import Principal
from layers.tables import Bind, reading
from services.complaints import queries, workflow
from services.complaints.categories import load_categories
from services.complaints.records import list_complaints, now_utc
from services.complaints.rules import due_at_of
from services.complaints.workflow import check_staff
from services.engine import queue
from services.errors import ServiceError

MAX_QUEUE = 1000
MAX_AGE_DAYS = 3650


@dataclass(frozen=True)
class QueueFilter:
    """What a desk user asked to see; empty tuples mean "any"."""

    statuses: tuple[str, ...] = ()
    kode_kel: tuple[str, ...] = ()
    older_than_days: int = 0
    overdue_only: bool = False
    agency: str | None = None


def _values(args: Mapping[str, Any], name: str) -> list[str]:
    """A list argument given once comma-separated (?status=open,acknowledged) or repeated (form checkboxes)."""
    raw = args.getlist(name) if hasattr(args, "getlist") else [args.get(name) or ""]
    return [v.strip() for value in raw for v in str(value).split(",") if v.strip()]


def parse_filter(args: Mapping[str, Any]) -> QueueFilter:
    """The queue filter from query arguments; ServiceError (400) naming what is wrong."""
    statuses = _values(args, "status")
    known = workflow.statuses()
    unknown = [s for s in statuses if s not in known]
    if unknown:
        raise ServiceError(f"status: unknown {', '.join(unknown)}; use {', '.join(known)}")
    older = str(args.get("older_than_days") or "0").strip()
    if not (older.isascii() and older.isdigit()) or int(older) > MAX_AGE_DAYS:
        raise ServiceError(f"older_than_days: a whole number of days from 0 to {MAX_AGE_DAYS}, not {older!r}")
    kode_kel = _values(args, "kelurahan")
    if any(len(k) > 20 for k in kode_kel):
        raise ServiceError("kelurahan: a kelurahan code such as 12.71.05.1002")
    overdue = str(args.get("overdue") or "").lower()
    if overdue not in ("", "0", "1", "true", "false", "on"):
        raise ServiceError("overdue: 1 (only overdue reports) or empty")
    agency = (str(args.get("agency") or "").strip() or None)
    return QueueFilter(tuple(statuses), tuple(kode_kel), int(older), overdue in ("1", "true", "on"), agency)


def due_datetime(row: Mapping[str, Any]) -> datetime | None:
    """When the report should be handled by (None: its state has no due time)."""
    return due_at_of(row)


def is_overdue(row: Mapping[str, Any], now: datetime) -> bool:
    """The engine's rule: past its due time, in a state that is not final."""
    return queue.is_overdue(workflow.declaration(), {**row, "due_at": due_datetime(row)}, now)


def known_agencies() -> list[str]:
    """Every agency a category sends reports to (categories.yaml), for an admin's choice."""
    found = {a for c in load_categories().values() for a in (c.agency, *c.by_kecamatan.values())}
    return sorted(found)


def visible_agencies(principal: Principal, wanted: str | None) -> list[str] | None:
    """The agencies whose reports the principal sees (None: every agency, for an admin without a choice)."""
    check_staff(principal)
    if principal.is_admin:
        return [wanted] if wanted else None
    mine = sorted(principal.agencies)
    return [a for a in mine if a == wanted] if wanted else mine


def agency_queue(bind: Bind, principal: Principal, chosen: QueueFilter,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """The reports the principal's agencies hold, newest first, each with `due`, `overdue` and `age_days`."""
    now = now or now_utc()
    rows = list_complaints(
        bind, "complaints", statuses=chosen.statuses, kode_kel=chosen.kode_kel,
        agencies=visible_agencies(principal, chosen.agency),
        requested_before=now - timedelta(days=chosen.older_than_days) if chosen.older_than_days else None,
        overdue_at=now if chosen.overdue_only else None, finals=workflow.declaration().untimed_states,
        limit=MAX_QUEUE)
    for row in rows:
        row["due"] = due_datetime(row)
        row["overdue"] = is_overdue(row, now)
        row["age_days"] = (now - row["requested_datetime"]).days
    return rows


def kelurahan_choices(bind: Bind) -> list[dict[str, str]]:
    """Every kelurahan (code, name, kecamatan) for the desk's filter, by kecamatan and name."""
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(queries.select_kelurahan_names()).mappings()]
