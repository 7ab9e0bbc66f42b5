"""The published table of one indicator and year: cells per kelurahan, totals per kecamatan and for the
city, each protected by disclosure.py, for the roles the indicator declares (layers.access)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from layers.access import Principal, can_read_counts
from services.errors import NotFound, ServiceError
from services.kelurahan_counts import disclosure, queries
from services.kelurahan_counts.disclosure import Cell

DECLARATIONS = Path(__file__).with_name("counts.yaml")


class Refused(ServiceError):
    """Not for this principal: 401 for the anonymous, 403 for a role the indicator does not name."""

    status = 403
    code = "Forbidden"


class BadQuery(ServiceError):
    code = "InvalidParameterValue"


@dataclass(frozen=True)
class Indicator:
    id: str
    agency: str
    title: dict[str, str]
    count: dict[str, str]
    target: dict[str, str]
    read: tuple[str, ...]


@cache
def indicators() -> dict[str, Indicator]:
    raw = yaml.safe_load(DECLARATIONS.read_text(encoding="utf-8"))
    return {item["id"]: Indicator(item["id"], item["agency"], item["title"], item["count"], item["target"],
                                  tuple(item["read"])) for item in raw}


def readable(principal: Principal) -> list[Indicator]:
    return [i for i in indicators().values() if can_read_counts(principal, i.read)]


def require(principal: Principal, indicator_id: str) -> Indicator:
    indicator = indicators().get(indicator_id)
    if indicator is None:
        raise NotFound(f"indikator {indicator_id!r} tidak ada; pilih {', '.join(indicators())}")
    if not can_read_counts(principal, indicator.read):
        refusal = Refused(f"angka {indicator.id} hanya untuk peran {', '.join(indicator.read)}")
        if principal.is_anonymous:
            refusal.status, refusal.code = 401, "Unauthorized"
        raise refusal
    return indicator


def years(engine: Engine, indicator_id: str) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(queries.years(), {"indikator": indicator_id}).scalars())


def _group_totals(rows: list[dict[str, Any]], cells: list[Cell]) -> tuple[int | None, int | None, bool]:
    """(count total, target total, whether any count is hidden for its complement) of one group."""
    complement_hidden = any(c.jumlah_tampil == disclosure.HIDDEN for c in cells)
    count = disclosure.column_total([r["jumlah"] for r in rows], [c.jumlah for c in cells], complement_hidden)
    target = disclosure.column_total([r["sasaran"] for r in rows], [c.sasaran for c in cells], False)
    return disclosure.complement_safe(count, target), target, complement_hidden


def _city_total(rows: list[dict], cells: list[Cell], withheld: set[str], column: str) -> int | None:
    """The city's total of a column, judged over the cells of the kecamatan whose total was withheld."""
    inside = [(r, c) for r, c in zip(rows, cells, strict=True) if r["kode_kec"] in withheld]
    if column == "jumlah":
        if any(c.jumlah_tampil == disclosure.HIDDEN for _, c in inside):
            return None
        rest = sum(r["sasaran"] - r["jumlah"] for r, _ in inside)
        if disclosure.small(rest):
            return None
    hidden = [r[column] for r, c in inside if getattr(c, column) is None and r[column] != 0]
    return sum(r[column] for r in rows) if disclosure.total_is_safe(hidden) else None


def table(engine: Engine, principal: Principal, indicator_id: str, year: int) -> dict[str, Any]:
    """The protected table: kelurahan cells, kecamatan totals, the city total (None = withheld)."""
    indicator = require(principal, indicator_id)
    if year not in years(engine, indicator_id):
        raise BadQuery(f"tahun {year} tidak ada untuk {indicator_id}")
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(queries.counts(), {"indikator": indicator_id, "tahun": year}).mappings()]
    cells = []
    for r in rows:
        count, count_text, target, target_text = disclosure.protect_cell(r["jumlah"], r["sasaran"])
        coverage = round(100 * count / target, 1) if count is not None and target else None
        cells.append(Cell(r["kode_kel"], r["nama_kel"], r["kode_kec"], r["nama_kec"], count, target, count_text,
                          target_text, coverage))
    districts: dict[str, dict[str, Any]] = {}
    withheld: dict[str, set[str]] = {"jumlah": set(), "sasaran": set()}
    for code in dict.fromkeys(r["kode_kec"] for r in rows):
        pairs = [(r, c) for r, c in zip(rows, cells, strict=True) if r["kode_kec"] == code]
        count, target, _ = _group_totals([r for r, _ in pairs], [c for _, c in pairs])
        if count is None:
            withheld["jumlah"].add(code)
        if target is None:
            withheld["sasaran"].add(code)
        districts[code] = {"kode_kec": code, "nama_kec": pairs[0][1].nama_kec, "jumlah": count, "sasaran": target}
    city_target = _city_total(rows, cells, withheld["sasaran"], "sasaran")
    city_count = disclosure.complement_safe(_city_total(rows, cells, withheld["jumlah"], "jumlah"), city_target)
    return {"indikator": indicator.id, "judul": indicator.title, "jumlah_arti": indicator.count,
            "sasaran_arti": indicator.target, "tahun": year, "ambang": disclosure.THRESHOLD,
            "kelurahan": [c.__dict__ for c in cells], "kecamatan": list(districts.values()),
            "kota": {"jumlah": city_count, "sasaran": city_target}}


def as_geojson(engine: Engine, published: dict[str, Any]) -> dict[str, Any]:
    by_code = {c["kode_kel"]: c for c in published["kelurahan"]}
    with engine.connect() as conn:
        outlines = conn.execute(queries.outlines()).mappings().all()
    features = [{"type": "Feature", "geometry": json.loads(o["geometry"]), "properties": by_code[o["kode_kel"]]}
                for o in outlines if o["kode_kel"] in by_code]
    return {"type": "FeatureCollection", **{k: v for k, v in published.items() if k != "kelurahan"},
            "features": features}
