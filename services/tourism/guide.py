"""The tourism guide as citizens read it: sites filtered by kind, "open now" (Asia/Jakarta) and
wheelchair access; one site with its week of hours and the walks through it; the walks with their
ordered stops. Flask-free: the /wisata pages, their JSON and notebooks call these functions.

Both layers are public (services/tourism/layers/*.yaml); the row scope is still asked
(layers.access) so that a row rule added to a declaration holds here too.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from layers.access import Principal, row_scope
from layers.registry import get_registry
from services.errors import NotFound, ServiceError
from services.tourism import hours, queries

KINDS = ("sejarah", "religi", "kuliner", "taman")
KIND_LABELS = {"sejarah": ("Sejarah", "Heritage"), "religi": ("Religi", "Religious"),
               "kuliner": ("Kuliner", "Culinary"), "taman": ("Taman", "Parks")}
YES = ("1", "ya", "true", "on")


def parse_kinds(raw: list[str]) -> tuple[str, ...]:
    """`jenis` values (repeated or comma-separated), each one of KINDS; ServiceError names a wrong one."""
    chosen = [k.strip() for value in raw for k in value.split(",") if k.strip()]
    wrong = [k for k in chosen if k not in KINDS]
    if wrong:
        raise ServiceError(f"jenis: salah satu dari {', '.join(KINDS)}, bukan {wrong[0][:30]!r}")
    return tuple(dict.fromkeys(chosen))


def parse_flag(name: str, raw: str | None) -> bool:
    """A yes/no filter (`1`/`ya`/`true`, or `0`/`tidak`/`false`; absent = no)."""
    if raw is None or raw == "":
        return False
    if raw.lower() in YES:
        return True
    if raw.lower() in ("0", "tidak", "false", "off"):
        return False
    raise ServiceError(f"{name}: 1 atau 0, bukan {raw[:20]!r}")


def sites(engine: Engine, principal: Principal, *, kinds: tuple[str, ...] = (), open_now: bool = False,
          accessible_only: bool = False, now: datetime | None = None, lang: str = "id") -> list[dict[str, Any]]:
    """The sites matching the filters, by name, each with whether it is open at `now`."""
    now = now or datetime.now(hours.WIB)
    scope = row_scope(get_registry().get(queries.SITES), principal)
    with engine.connect() as conn:
        rows = conn.execute(queries.sites(scope, kinds=kinds, accessible_only=accessible_only)).mappings().all()
    found = [_site(dict(row), now, lang) for row in rows]
    return [s for s in found if s["buka_sekarang"]] if open_now else found


def site(engine: Engine, principal: Principal, code: str, *, now: datetime | None = None,
         lang: str = "id") -> dict[str, Any]:
    """One site with its week of hours and the walks that stop there; NotFound when unknown."""
    scope = row_scope(get_registry().get(queries.SITES), principal)
    with engine.connect() as conn:
        row = conn.execute(queries.sites(scope, code=code)).mappings().first()
    if row is None:
        raise NotFound(f"tempat wisata {code[:40]!r} tidak ada")
    found = _site(dict(row), now or datetime.now(hours.WIB), lang)
    found["rute"] = [w for w in walks(engine, principal, lang=lang) if code in w["halte"]]
    return found


def _site(row: dict[str, Any], now: datetime, lang: str) -> dict[str, Any]:
    week = hours.parse(row["jam_buka"]) if row["jam_buka"] else None
    return {**row, "uraian": row["uraian_en"] if lang == "en" else row["uraian_id"],
            "jenis_label": KIND_LABELS[row["jenis"]][1 if lang == "en" else 0],
            "buka_sekarang": bool(week and week.is_open(now)),
            "jam_mingguan": hours.describe(week, lang) if week else []}


def walks(engine: Engine, principal: Principal, *, code: str | None = None, lang: str = "id") -> list[dict[str, Any]]:
    """The walks (or the one `code`), each with its stops in order as {kode, nama, lon, lat}."""
    scope = row_scope(get_registry().get(queries.WALKS), principal)
    site_scope = row_scope(get_registry().get(queries.SITES), principal)
    with engine.connect() as conn:
        rows = conn.execute(queries.walks(scope, code=code)).mappings().all()
        names = {r["kode_wisata"]: r for r in conn.execute(queries.sites(site_scope)).mappings()}
    found = []
    for row in rows:
        codes = row["halte"].split(",")
        found.append({**{k: row[k] for k in queries.WALK_FIELDS}, "halte": codes,
                      "nama": row["nama_en"] if lang == "en" else row["nama_id"],
                      "uraian": row["uraian_en"] if lang == "en" else row["uraian_id"],
                      "geometry": json.loads(row["line"]),
                      "persinggahan": [{"kode": c, "nama": names[c]["nama"], "lon": names[c]["lon"],
                                        "lat": names[c]["lat"]} for c in codes if c in names]})
    return found


def walk(engine: Engine, principal: Principal, code: str, *, lang: str = "id") -> dict[str, Any]:
    found = walks(engine, principal, code=code, lang=lang)
    if not found:
        raise NotFound(f"rute {code[:40]!r} tidak ada")
    return found[0]


def as_geojson(found_sites: list[dict[str, Any]], found_walks: list[dict[str, Any]]) -> dict[str, Any]:
    """Sites as points and walks as lines, one FeatureCollection (RFC 7946) for the map and the API."""
    features = [{"type": "Feature", "id": s["kode_wisata"], "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                 "properties": {"layer": "tourism_sites", **{k: v for k, v in s.items() if k not in ("lon", "lat", "rute")}}}
                for s in found_sites]
    features += [{"type": "Feature", "id": w["kode_rute"], "geometry": w["geometry"],
                  "properties": {"layer": "tourism_walks", **{k: v for k, v in w.items() if k != "geometry"}}}
                 for w in found_walks]
    return {"type": "FeatureCollection", "features": features}
