"""What the dashboard shows, read from the summary (summary.py), Flask-free.

Every figure the dashboard draws comes from `indicators.summary`; `provenance` returns, for any
one of them, the declaration's words, the compute function and its SQL exactly as run, the period
of the refresh and the count of records behind the figure.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, text

from layers.access import Principal, in_audience
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA
from services.errors import NotFound, ServiceError
from services.indicators.registry import UnknownIndicator, compute_function, get_indicators
from services.indicators.summary import CITY, last_refresh

KODE_KEC = re.compile(r"^12\.71\.\d{2}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
AGENCY = re.compile(r"^[A-Z]{2,20}$")


class NotInAudience(ServiceError):
    status = 403
    code = "Forbidden"


@lru_cache(maxsize=1)
def audience() -> dict[str, list[str]]:
    data = yaml.safe_load((Path(__file__).parent / "dashboard.yaml").read_text(encoding="utf-8"))
    return {"roles": list(data["audience"]["roles"]), "agencies": list(data["audience"]["agencies"])}


def may_view(principal: Principal) -> bool:
    return in_audience(principal, audience()["roles"], audience()["agencies"])


def check_audience(principal: Principal) -> None:
    if not may_view(principal):
        raise NotInAudience("dasbor indikator hanya untuk perencana (Bappeda, Setda) dan admin")


def parse_month(raw: str | None) -> date | None:
    if not raw:
        return None
    found = MONTH.match(raw)
    if not found or not 1 <= int(found[2]) <= 12:
        raise ServiceError(f"bulan: format YYYY-MM, bukan {raw[:20]!r}")
    return date(int(found[1]), int(found[2]), 1)


def parse_kecamatan(raw: str | None) -> str:
    if not raw:
        return CITY
    if not KODE_KEC.match(raw):
        raise ServiceError(f"kecamatan: kode seperti 12.71.01, bukan {raw[:20]!r}")
    return raw


def parse_agency(raw: str | None) -> str:
    if not raw:
        return CITY
    if not AGENCY.match(raw):
        raise ServiceError(f"skpd: kode SKPD seperti DSDABMBK, bukan {raw[:20]!r}")
    return raw


def spec_of(indicator: str) -> Any:
    try:
        return get_indicators().get(indicator)
    except UnknownIndicator:
        raise NotFound(f"indikator {indicator[:40]!r} tidak ada") from None


def _declared(spec: Any) -> dict[str, Any]:
    return {"id": spec.id, "title": spec.title.model_dump(), "unit": spec.unit, "better": spec.better,
            "kind": spec.kind, "by_agency": spec.by_agency, "owner": spec.owner}


def overview(conn: Connection) -> list[dict[str, Any]]:
    """Each indicator with its city figure of the latest month and the month before, and its refresh."""
    latest = conn.execute(text("""
        SELECT indicator, month, value, n, row_number() OVER (PARTITION BY indicator ORDER BY month DESC) AS k
        FROM indicators.summary WHERE kode_kec = '' AND agency = ''""")).mappings().all()
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in latest:
        if row["k"] <= 2:
            by_id.setdefault(row["indicator"], []).append(dict(row))
    result = []
    for spec in get_indicators():
        rows = sorted(by_id.get(spec.id, []), key=lambda r: r["k"])
        refreshed = last_refresh(conn, spec.id)
        result.append({**_declared(spec),
                       "latest": _figure(rows[0]) if rows else None,
                       "previous": _figure(rows[1]) if len(rows) > 1 else None,
                       "refreshed_at": refreshed["refreshed_at"].isoformat() if refreshed else None})
    return result


def _figure(row: dict[str, Any]) -> dict[str, Any]:
    return {"month": row["month"].strftime("%Y-%m"), "value": row["value"], "n": row["n"]}


def series(conn: Connection, indicator: str, *, kode_kec: str = CITY, agency: str = CITY) -> dict[str, Any]:
    """The monthly figures of one indicator for the city or one kecamatan (and agency)."""
    spec = spec_of(indicator)
    rows = conn.execute(text("SELECT month, value, n FROM indicators.summary WHERE indicator = :id "
                             "AND kode_kec = :kec AND agency = :agency ORDER BY month"),
                        {"id": spec.id, "kec": kode_kec, "agency": agency}).mappings()
    return {**_declared(spec), "kode_kec": kode_kec or None, "agency": agency or None,
            "points": [_figure(dict(r)) for r in rows]}


def agencies(conn: Connection, indicator: str, month: date | None = None) -> dict[str, Any]:
    """The city-wide figure per agency for one month (the latest when None)."""
    spec = spec_of(indicator)
    month = month or _latest_month(conn, spec.id)
    rows = conn.execute(text("SELECT agency, value, n FROM indicators.summary WHERE indicator = :id "
                             "AND kode_kec = '' AND agency <> '' AND month = :month ORDER BY value DESC NULLS LAST"),
                        {"id": spec.id, "month": month}).mappings()
    return {**_declared(spec), "month": month.strftime("%Y-%m") if month else None,
            "rows": [dict(r) for r in rows]}


def _latest_month(conn: Connection, indicator: str) -> date | None:
    return conn.execute(text("SELECT max(month) FROM indicators.summary WHERE indicator = :id AND kode_kec = ''"),
                        {"id": indicator}).scalar()


KECAMATAN_SHAPES = """
SELECT k.kode_kec, k.nama_kec, ST_AsGeoJSON(ST_SimplifyPreserveTopology(k.geom, 0.0004), 5) AS geometry,
       s.value, s.n
FROM "{schema}"."{table}" k
LEFT JOIN indicators.summary s ON s.indicator = :id AND s.kode_kec = k.kode_kec AND s.agency = '' AND s.month = :month
ORDER BY k.kode_kec"""  # the table comes from the layer registry; values are bound


def choropleth(conn: Connection, indicator: str, month: date | None = None) -> dict[str, Any]:
    """The kecamatan as GeoJSON (RFC 7946) with the indicator's figure of one month (the latest when None)."""
    spec = spec_of(indicator)
    month = month or _latest_month(conn, spec.id)
    statement = KECAMATAN_SHAPES.format(schema=LAYER_SCHEMA, table=get_registry().get("kecamatan").table)
    rows = conn.execute(text(statement), {"id": spec.id, "month": month}).mappings()
    features = [{"type": "Feature", "id": r["kode_kec"], "geometry": json.loads(r["geometry"]),
                 "properties": {"kode_kec": r["kode_kec"], "nama_kec": r["nama_kec"], "value": r["value"], "n": r["n"]}}
                for r in rows]
    return {"type": "FeatureCollection", "indicator": _declared(spec),
            "month": month.strftime("%Y-%m") if month else None, "features": features}


def provenance(conn: Connection, indicator: str, *, kode_kec: str = CITY, agency: str = CITY,
               month: date | None = None) -> dict[str, Any]:
    """How one figure was computed: the declaration's words, the function and SQL, period and counts."""
    spec = spec_of(indicator)
    month = month or _latest_month(conn, spec.id)
    figure = conn.execute(text("SELECT value, n FROM indicators.summary WHERE indicator = :id AND kode_kec = :kec "
                               "AND agency = :agency AND month = :month"),
                          {"id": spec.id, "kec": kode_kec, "agency": agency, "month": month}).mappings().first()
    function = compute_function(spec)
    refreshed = last_refresh(conn, spec.id)
    statement = getattr(function, "sql", None)
    return {**_declared(spec), "provenance": spec.provenance.model_dump(), "layers": spec.layers,
            "compute": spec.compute, "function_source": inspect.getsource(function),
            "sql": statement() if callable(statement) else None,
            "kode_kec": kode_kec or None, "agency": agency or None,
            "month": month.strftime("%Y-%m") if month else None,
            "value": figure["value"] if figure else None, "n": figure["n"] if figure else 0,
            "period": {"start": refreshed["period_start"].isoformat(), "end": refreshed["period_end"].isoformat(),
                       "refreshed_at": refreshed["refreshed_at"].isoformat(), "rows": refreshed["rows"],
                       "seconds": round(refreshed["seconds"], 3)} if refreshed else None}
