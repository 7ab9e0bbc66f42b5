"""The compute functions of the indicators declared in services/indicators/indicators.yaml.

Each is `f(conn, *, start, end) -> rows`, one row per (kecamatan, month) and one per month for the
whole city (kode_kec None), computed in one statement with GROUPING SETS so the city figure is the
true figure over all records (a median or a rate is not the mean of the kecamatan's). `end` is the
moment the figures are "as of" (exclusive): a complaint not yet resolved is judged against it.
The SQL is kept on each function (`.sql`) so the dashboard's provenance shows exactly what ran.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA

WIB = ZoneInfo("Asia/Jakarta")
Rows = list[dict[str, Any]]


def _table(layer_id: str) -> str:
    """The quoted table of a declared layer (from the registry, never from a request)."""
    table = get_registry().get(layer_id).table
    return f'"{LAYER_SCHEMA}"."{table}"'


def _moment(day: date) -> datetime:
    """Midnight WIB of a day: months and periods are the city's, not UTC's."""
    return datetime.combine(day, time(0), tzinfo=WIB)


def _run(conn: Connection, statement: str, **params: Any) -> Rows:
    rows = conn.execute(text(statement), params).mappings().all()
    return [{"kode_kec": r["kode_kec"], "agency": r.get("agency"), "month": r["month"],
             "value": None if r["value"] is None else round(float(r["value"]), 4), "n": int(r["n"])}
            for r in rows]


def with_sql(statement: Callable[[], str]) -> Callable[[Callable[..., Rows]], Callable[..., Rows]]:
    """Attach the statement builder to its compute function, for provenance."""
    def attach(function: Callable[..., Rows]) -> Callable[..., Rows]:
        function.sql = statement  # type: ignore[attr-defined]
        return function
    return attach


# Month of a timestamp in WIB, as a date (the first day).
MONTH = "date_trunc('month', {col} AT TIME ZONE 'Asia/Jakarta')::date"


def _complaint_sla_sql() -> str:
    month = MONTH.format(col="c.requested_datetime")
    return f"""
WITH target(code, days) AS (SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:days AS int[]))),
judged AS (
  SELECT k.kode_kec, c.agency, {month} AS month,
         CASE WHEN c.status IN ('resolved', 'closed') AND c.updated_datetime < :as_of
                THEN c.updated_datetime <= c.requested_datetime + make_interval(days => t.days)
              WHEN c.requested_datetime + make_interval(days => t.days) < :as_of THEN false
         END AS on_time
  FROM {_table("complaints")} c
  JOIN target t ON t.code = c.service_code
  JOIN {_table("kelurahan")} k ON k.kode_kel = c.kode_kel
  WHERE c.requested_datetime >= :start AND c.requested_datetime < :as_of AND c.status <> 'rejected')
SELECT kode_kec, agency, month, 100.0 * avg(on_time::int) AS value, count(*) AS n
FROM judged WHERE on_time IS NOT NULL
GROUP BY GROUPING SETS ((kode_kec, agency, month), (kode_kec, month), (agency, month), (month))"""  # noqa: S608 - tables from the layer registry, values bound


@with_sql(_complaint_sla_sql)
def complaint_sla(conn: Connection, *, start: date, end: date) -> Rows:
    """Percent of judged complaints resolved within their category's target, per kecamatan, agency, month."""
    from services.complaints.categories import load_categories

    categories = sorted(load_categories().values(), key=lambda c: c.service_code)
    return _run(conn, _complaint_sla_sql(), codes=[c.service_code for c in categories],
                days=[c.sla_days for c in categories], start=_moment(start), as_of=_moment(end))


def _permit_days_sql() -> str:
    month = MONTH.format(col="p.state_since")
    return f"""
SELECT k.kode_kec, {month} AS month,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.state_since - p.submitted_at) / 86400.0) AS value,
       count(*) AS n
FROM {_table("permit_cases")} p JOIN {_table("kelurahan")} k ON k.kode_kel = p.kode_kel
WHERE p.status IN ('issued', 'rejected') AND p.state_since >= :start AND p.state_since < :as_of
GROUP BY GROUPING SETS ((k.kode_kec, month), (month))"""  # noqa: S608 - tables from the layer registry, values bound


@with_sql(_permit_days_sql)
def permit_days(conn: Connection, *, start: date, end: date) -> Rows:
    """Median days from application to decision, per kecamatan and month of the decision."""
    return _run(conn, _permit_days_sql(), start=_moment(start), as_of=_moment(end))


def _pbb_collection_sql() -> str:
    return f"""
WITH months AS (
  SELECT generate_series(date_trunc('month', CAST(:start_day AS date)), CAST(:end_day AS date) - 1,
                         interval '1 month')::date AS month),
assessed AS (
  SELECT k.kode_kec, s.tahun, s.pbb_terutang, s.paid_amount, s.paid_at
  FROM pbb.sppt s JOIN {_table("kelurahan")} k ON k.kode_kel = s.kode_kel)
SELECT a.kode_kec, m.month,
       100.0 * sum(CASE WHEN a.paid_at < LEAST((m.month + interval '1 month')::timestamp AT TIME ZONE 'Asia/Jakarta', :as_of)
                        THEN a.paid_amount ELSE 0 END) / sum(a.pbb_terutang) AS value,
       count(*) AS n
FROM months m JOIN assessed a ON a.tahun = extract(year FROM m.month)
GROUP BY GROUPING SETS ((a.kode_kec, m.month), (m.month))"""  # noqa: S608 - tables from the layer registry, values bound


@with_sql(_pbb_collection_sql)
def pbb_collection(conn: Connection, *, start: date, end: date) -> Rows:
    """Cumulative collection of each tax year's PBB-P2 by the end of each of its months."""
    return _run(conn, _pbb_collection_sql(), start_day=start, end_day=end, as_of=_moment(end))


PLACED = ("admitted", "re_registered", "released")
DECIDED = (*PLACED, "not_admitted")


def _ppdb_acceptance_sql() -> str:
    month = MONTH.format(col="r.submitted_at")
    return f"""
SELECT k.kode_kec, {month} AS month,
       100.0 * avg((r.status = ANY(CAST(:placed AS text[])))::int) AS value, count(*) AS n
FROM {_table("ppdb_registrations")} r JOIN {_table("kelurahan")} k ON k.kode_kel = r.kode_kel
WHERE r.status = ANY(CAST(:decided AS text[])) AND r.submitted_at >= :start AND r.submitted_at < :as_of
GROUP BY GROUPING SETS ((k.kode_kec, month), (month))"""  # noqa: S608 - tables from the layer registry, values bound


@with_sql(_ppdb_acceptance_sql)
def ppdb_acceptance(conn: Connection, *, start: date, end: date) -> Rows:
    """Percent of decided PPDB registrations given a seat, per kecamatan of home and month registered."""
    return _run(conn, _ppdb_acceptance_sql(), placed=list(PLACED), decided=list(DECIDED),
                start=_moment(start), as_of=_moment(end))


def _flood_exposure_sql() -> str:
    month = MONTH.format(col="max(f.updated_at) OVER ()")
    return f"""
WITH run AS (
  SELECT k.kode_kec, f.penduduk, f.penduduk_terpapar, {month} AS month
  FROM {_table("flood_exposure")} f JOIN {_table("kelurahan")} k ON k.kode_kel = f.kode_kel)
SELECT kode_kec, month, 100.0 * sum(penduduk_terpapar) / NULLIF(sum(penduduk), 0) AS value, count(*) AS n
FROM run WHERE month >= CAST(:start_day AS date) AND month < CAST(:end_day AS date)
GROUP BY GROUPING SETS ((kode_kec, month), (month))"""  # noqa: S608 - tables from the layer registry, values bound


@with_sql(_flood_exposure_sql)
def flood_exposure(conn: Connection, *, start: date, end: date) -> Rows:
    """Percent of people in medium+high flood hazard per kecamatan, as of the last risk analysis."""
    return _run(conn, _flood_exposure_sql(), start_day=start, end_day=end)
