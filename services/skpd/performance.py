"""An agency's open cases and how well it keeps its due times, for its public profile: counts only.

Per service the agency handles (a case belongs to the agency named in its row, so complaints, whose
agency depends on category and area, fit the same rule once they run on the engine):
- open cases per state and how many are overdue (past their state's due time, from the case layer);
- of the cases closed in the last `window_days` (entered a final state, from the engine's case events),
  the share closed within due time: every state left before its declared `due_days` ran out.
Nothing personal leaves this module: no case reference, no name, no place finer than the city.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from layers.tables import Bind, reading
from services.engine.model import ServiceSpec
from services.engine.registry import get_services
from services.skpd import queries

WINDOW_DAYS = 90


@dataclass
class ServiceFigures:
    kind: str  # "layanan": a declared service (complaints too, since they run on the engine)
    service: str
    title: dict[str, str]
    states: list[dict[str, Any]] = field(default_factory=list)  # {"state", "title", "n"} of open cases
    overdue: int = 0
    closed: int = 0  # in the window
    on_time: int = 0

    @property
    def open(self) -> int:
        return sum(s["n"] for s in self.states)


def _engine_figures(conn: Connection, spec: ServiceSpec, agency: str, now: datetime, since: datetime) -> ServiceFigures:
    finals = spec.final_states
    dues = {s.id: s.due_days for s in spec.states if s.due_days is not None}
    params = {"service": spec.id, "agency": agency, "finals": finals, "now": now, "since": since}
    figures = ServiceFigures("layanan", spec.id, dict(spec.title))
    titles = {s.id: dict(s.title) for s in spec.states}
    by_state = {r.status: r for r in conn.execute(queries.open_cases(spec.case_layer, spec.columns), params)}
    for state in spec.states:  # in the declaration's order
        if state.id in by_state:
            figures.states.append({"state": state.id, "title": titles[state.id], "n": by_state[state.id].n})
            figures.overdue += by_state[state.id].overdue
    late: dict[str, bool] = {}
    for row in conn.execute(queries.closed_case_stays(spec.case_layer, spec.columns), params):
        due = dues.get(row.from_state) if row.kind == "transition" else None
        overstayed = due is not None and row.stayed_s is not None and float(row.stayed_s) > due * 86400
        late[row.case_ref] = late.get(row.case_ref, False) or overstayed
    figures.closed, figures.on_time = len(late), sum(not was_late for was_late in late.values())
    return figures


def agency_performance(bind: Bind, agency: str, *, now: datetime | None = None,
                       window_days: int = WINDOW_DAYS) -> dict[str, Any]:
    """The agency's figures per service and in total (JSON-ready)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=window_days)
    with reading(bind) as conn:
        per_service = [_engine_figures(conn, spec, agency, now, since) for spec in get_services()]
    shown = [f for f in per_service if f.open or f.closed]
    closed, on_time = sum(f.closed for f in shown), sum(f.on_time for f in shown)
    return {
        "agency": agency, "window_days": window_days, "computed_at": now.isoformat(),
        "open": sum(f.open for f in shown), "overdue": sum(f.overdue for f in shown),
        "closed": closed, "on_time": on_time, "on_time_share": round(on_time / closed, 4) if closed else None,
        "services": [{"kind": f.kind, "service": f.service, "title": f.title, "states": f.states, "open": f.open,
                      "overdue": f.overdue, "closed": f.closed, "on_time": f.on_time,
                      "on_time_share": round(f.on_time / f.closed, 4) if f.closed else None} for f in shown],
    }
