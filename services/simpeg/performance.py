"""A staff member's performance indicators: attendance, and the SLA of the case steps they took.

Cases are the service engine's (services/engine): every transition is an event with its actor.
A step a person took counts as on time when the case had been in the state it left no longer
than that state's due time (`due_days` in the service's declaration); the state was entered at
the case's previous submission or transition. States without a due time are not counted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Engine

from services.engine.registry import get_services
from services.simpeg import attendance, queries
from services.simpeg.staff import Staff


def case_steps(engine: Engine, user_id: int | None, start: date, end: date) -> dict[str, Any]:
    """The steps one account took in the period: how many, how many within their state's due time."""
    if user_id is None:
        return {"langkah": 0, "dengan_batas": 0, "tepat_waktu": 0, "persen_tepat_waktu": None,
                "median_jam": None, "per_layanan": {}}
    lo = datetime.combine(start, time.min, attendance.WIB)
    hi = datetime.combine(end + timedelta(days=1), time.min, attendance.WIB)
    with engine.connect() as conn:
        rows = queries.transitions_by(conn, user_id, lo, hi)
    services = get_services()
    per_service: dict[str, dict[str, int]] = {}
    hours, timed, on_time = [], 0, 0
    for r in rows:
        counts = per_service.setdefault(r["service"], {"langkah": 0, "tepat_waktu": 0, "dengan_batas": 0})
        counts["langkah"] += 1
        # A service or state no longer declared has no due time to measure against.
        states = services.get(r["service"]).states if r["service"] in services else []
        due_days = next((s.due_days for s in states if s.id == r["from_state"]), None)
        if due_days is None or r["entered"] is None:
            continue
        took = (r["at"] - r["entered"]).total_seconds()
        hours.append(took / 3600)
        timed += 1
        counts["dengan_batas"] += 1
        if took <= due_days * 86400:
            on_time += 1
            counts["tepat_waktu"] += 1
    return {"langkah": len(rows), "dengan_batas": timed, "tepat_waktu": on_time,
            "persen_tepat_waktu": round(100 * on_time / timed, 1) if timed else None,
            "median_jam": round(median(hours), 1) if hours else None, "per_layanan": per_service}


def indicators(engine: Engine, person: Staff, start: date, end: date, *, now: datetime | None = None
               ) -> dict[str, Any]:
    """Attendance and case SLA of one person over a period (for the person, their head, admins)."""
    days = attendance.person_month(engine, person.nip, start, end, now=now)
    return {"pegawai": person.public_dict(), "dari": start.isoformat(), "sampai": end.isoformat(),
            "kehadiran": attendance.summary(days), "hari": [d.as_dict() for d in days],
            "layanan": case_steps(engine, person.user_id, start, end)}
