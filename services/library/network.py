"""Where the library is: its branches and the mobile library's stops with their weekly schedule,
as citizens read them ("open now", "the van is here now", in Asia/Jakarta), and as one GeoJSON for
the map. Both layers are public; the row scope is still asked (layers.access) so that a row rule
added to a declaration holds here too."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from layers.access import Principal, row_scope
from layers.registry import get_registry
from services.library import queries
from services.tourism import hours

NETWORK_FILE = Path(__file__).with_name("network.yaml")


@cache
def network() -> dict[str, list[dict[str, Any]]]:
    """The branches and stops as written, checked: unique codes, readable hours, stops of known branches."""
    data = yaml.safe_load(NETWORK_FILE.read_text(encoding="utf-8"))
    branch_codes = [b["kode"] for b in data["branches"]]
    codes = branch_codes + [s["kode"] for s in data["mobile_stops"]]
    if len(set(codes)) != len(codes):
        raise ValueError("network.yaml: a code appears twice")
    for branch in data["branches"]:
        hours.parse(branch["jam_buka"])
    for stop in data["mobile_stops"]:
        hours.parse(stop["jadwal"])
        if stop["cabang"] not in branch_codes:
            raise ValueError(f"network.yaml: stop {stop['kode']} names an unknown branch {stop['cabang']}")
    return data


def branches(engine: Engine, principal: Principal, *, now: datetime | None = None,
             lang: str = "id") -> list[dict[str, Any]]:
    """The branches, central library first, each with whether it is open at `now` and its week."""
    now = now or datetime.now(hours.WIB)
    scope = row_scope(get_registry().get(queries.BRANCHES), principal)
    with engine.connect() as conn:
        rows = conn.execute(queries.branches(scope)).mappings().all()
    return [_timed(dict(row), "jam_buka", now, lang) for row in rows]


def mobile_stops(engine: Engine, principal: Principal, *, now: datetime | None = None,
                 lang: str = "id") -> list[dict[str, Any]]:
    """The mobile library's stops by van and schedule, each with whether the van is there at `now`."""
    now = now or datetime.now(hours.WIB)
    scope = row_scope(get_registry().get(queries.STOPS), principal)
    with engine.connect() as conn:
        rows = conn.execute(queries.mobile_stops(scope)).mappings().all()
    return [_timed(dict(row), "jadwal", now, lang, visits_only=True) for row in rows]


def _timed(row: dict[str, Any], field: str, now: datetime, lang: str, *, visits_only: bool = False) -> dict[str, Any]:
    """The row with `buka_sekarang` at `now` and its week, one line per day (only the days it visits, for a stop)."""
    week = hours.parse(row[field]) if row[field] else None
    lines = hours.describe(week, lang) if week else []
    if week and visits_only:
        lines = [line for line, ranges in zip(lines, week.days, strict=True) if ranges]
    return {**row, "buka_sekarang": bool(week and week.is_open(now)), "jam_mingguan": lines}


def branch_names(engine: Engine, principal: Principal) -> dict[str, str]:
    """kode_cabang -> name, in the map's order (the reservation form's choices)."""
    return {b["kode_cabang"]: b["nama"] for b in branches(engine, principal)}


def as_geojson(found_branches: list[dict[str, Any]], found_stops: list[dict[str, Any]]) -> dict[str, Any]:
    """Branches and stops as points, one FeatureCollection (RFC 7946) for the map and the API."""
    def feature(layer: str, key: str, item: dict[str, Any]) -> dict[str, Any]:
        return {"type": "Feature", "id": item[key], "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
                "properties": {"layer": layer, **{k: v for k, v in item.items() if k not in ("lon", "lat")}}}
    return {"type": "FeatureCollection",
            "features": [feature(queries.BRANCHES, "kode_cabang", b) for b in found_branches]
            + [feature(queries.STOPS, "kode_halte", s) for s in found_stops]}
