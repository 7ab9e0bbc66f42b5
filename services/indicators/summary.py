"""The indicators' summary: every declared indicator computed once per refresh into
`indicators.summary` (indicator × kecamatan × agency × month), which the dashboard reads.

Refreshed by a command (`python -m services indicators refresh`, which `./medan run` calls after
seeding, and `... indicators run`, which `./medan run` keeps running beside the web server) rather
than by triggers on change: the figures draw
on tables that five services write (complaints, permit cases, PBB payments, PPDB, the risk
analysis), so a trigger would put the cost on every citizen's write and on the payments' callbacks,
while a full refresh of 5 years takes seconds (benchmarks/bench_indicators.py) and the dashboard
says when its figures were computed. Each indicator is replaced in one transaction: a reader sees
the old figures or the new ones, never half.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from services.indicators.model import IndicatorSpec
from services.indicators.registry import compute_function, get_indicators

WIB = ZoneInfo("Asia/Jakarta")
CITY = ""  # kode_kec and agency of the whole city's / every agency's figure in the summary
HISTORY_YEARS = 5
log = logging.getLogger(__name__)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The five years before today's month and today's month so far (end exclusive: tomorrow)."""
    today = today or datetime.now(WIB).date()
    return date(today.year - HISTORY_YEARS, 1, 1), date.fromordinal(today.toordinal() + 1)


@dataclass(frozen=True)
class Refreshed:
    indicator: str
    rows: int
    seconds: float


def _summary_row(spec: IndicatorSpec, row: dict[str, Any]) -> dict[str, Any]:
    return {"indicator": spec.id, "kode_kec": row.get("kode_kec") or CITY, "agency": row.get("agency") or CITY,
            "month": row["month"], "value": row["value"], "n": row["n"]}


INSERT_ROWS = text("""INSERT INTO indicators.summary (indicator, kode_kec, agency, month, value, n)
    SELECT :id, * FROM unnest(CAST(:kode_kec AS text[]), CAST(:agency AS text[]), CAST(:month AS date[]),
                              CAST(:value AS float8[]), CAST(:n AS int[]))""")


def refresh_one(conn: Connection, spec: IndicatorSpec, start: date, end: date) -> Refreshed:
    """Recompute one indicator over [start, end) and replace its summary rows (caller's transaction)."""
    began = time.perf_counter()
    rows = [_summary_row(spec, row) for row in compute_function(spec)(conn, start=start, end=end)]
    conn.execute(text("DELETE FROM indicators.summary WHERE indicator = :id"), {"id": spec.id})
    if rows:  # one statement over arrays: row-by-row inserts took 2.5 s for 3 500 rows, this 0.03 s
        conn.execute(INSERT_ROWS, {"id": spec.id, **{column: [r[column] for r in rows] for column in
                                                     ("kode_kec", "agency", "month", "value", "n")}})
    seconds = time.perf_counter() - began
    conn.execute(text("""INSERT INTO indicators.refreshes (indicator, period_start, period_end, refreshed_at, rows, seconds)
        VALUES (:id, :start, :end, now(), :rows, :seconds)
        ON CONFLICT (indicator) DO UPDATE SET period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
          refreshed_at = EXCLUDED.refreshed_at, rows = EXCLUDED.rows, seconds = EXCLUDED.seconds"""),
                 {"id": spec.id, "start": start, "end": end, "rows": len(rows), "seconds": seconds})
    return Refreshed(spec.id, len(rows), seconds)


def refresh(engine: Engine, ids: Iterable[str] | None = None, *, start: date | None = None,
            end: date | None = None) -> list[Refreshed]:
    """Refresh the named indicators (all when None), each in its own transaction."""
    registry = get_indicators()
    chosen = [registry.get(i) for i in ids] if ids else list(registry)
    default_start, default_end = default_period()
    done = []
    for spec in chosen:
        with engine.begin() as conn:
            done.append(refresh_one(conn, spec, start or default_start, end or default_end))
    return done


def refresh_every(engine: Engine, every_s: float, *, passes: int | None = None,
                  wait: Callable[[float], object] = time.sleep) -> int:
    """Refresh every indicator each `every_s` seconds, `passes` times (forever when None); returns the
    passes made. Several figures are fed after the first run (attendance punches from the machines,
    hospitals' bed reports, PPDB decisions), so one refresh at start-up left them empty until someone
    ran the command. A pass that fails (database away) is logged and the next one tries again."""
    done = 0
    while passes is None or done < passes:
        if done:
            wait(every_s)
        try:
            refreshed = refresh(engine)
            log.info("indicators refreshed: %s", ", ".join(f"{r.indicator} {r.rows}" for r in refreshed))
        except SQLAlchemyError as exc:
            log.warning("indicators refresh failed, next pass in %.0f s: %s", every_s, exc)
        done += 1
    return done


def summary_rows(conn: Connection, indicator: str) -> list[dict[str, Any]]:
    """Every summary row of an indicator, as the compute function gave it (None for city/all)."""
    rows = conn.execute(text("SELECT kode_kec, agency, month, value, n FROM indicators.summary "
                             "WHERE indicator = :id ORDER BY kode_kec, agency, month"), {"id": indicator}).mappings()
    return [{"kode_kec": r["kode_kec"] or None, "agency": r["agency"] or None, "month": r["month"],
             "value": r["value"], "n": r["n"]} for r in rows]


def last_refresh(conn: Connection, indicator: str) -> dict[str, Any] | None:
    row = conn.execute(text("SELECT period_start, period_end, refreshed_at, rows, seconds FROM indicators.refreshes "
                            "WHERE indicator = :id"), {"id": indicator}).mappings().first()
    return dict(row) if row else None
