"""What is the permits service's own: the site checks of a plot, and the PBG fee.

Site checks (shown at once to the applicant while drawing, and to staff on the desk):
- zoning: the zone covering most of the plot must allow the building's use (or the
  business's kind), and a building may not exceed the zone's floors; green open space
  (RTH) allows no building at all.
- flood hazard: a plot touching a high-hazard zone gets a warning (raised floor, drainage).
- river setback: a plot closer than RIVER_SETBACK_M to a river is refused (sempadan sungai,
  Permen PUPR 28/2015: at least 10-15 m in an urban area); closer than RIVER_NOTICE_M is a warning.
Each finding has a level (ok, warning, blocker) and text in Bahasa Indonesia and English.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from layers.tables import Bind, reading
from services.permits import queries

OPEN_SPACE = "ruang_terbuka"  # the only use of a green open space zone (RTH)
RIVER_SETBACK_M = 15.0
RIVER_NOTICE_M = 50.0
# What a kind of business counts as among a zone's allowed uses.
BUSINESS_USE = {"perdagangan": "usaha", "jasa": "usaha", "kuliner": "usaha", "industri_kecil": "industri",
                "gudang": "industri"}
# PBG retribution (simplified from PP 16/2021): floor area x standard building price per m² (SHST)
# x the rate x the index of the building's function; rounded to the thousand rupiah.
SHST_PER_M2 = 1_800_000
RATE = 0.0175
USE_INDEX = {"hunian": 0.5, "usaha": 1.0, "industri": 1.0, "sosial": 0.0}


def _finding(check: str, level: str, indonesian: str, english: str) -> dict[str, str]:
    return {"check": check, "level": level, "id": indonesian, "en": english}


def _zoning(zones: list[dict[str, Any]], use: str | None, floors: int | None) -> list[dict[str, str]]:
    if not zones:
        return [_finding("zoning", "warning", "Tidak ada data zonasi di lokasi ini; petugas memeriksa manual.",
                         "No zoning data here; staff will check by hand.")]
    zone = zones[0]
    out = [_finding("zoning", "ok", f"Zona {zone['zone_name']} ({zone['zone_code']}), {zone['share']:.0%} bidang.",
                    f"Zone {zone['zone_name']} ({zone['zone_code']}), {zone['share']:.0%} of the plot.")]
    allowed = [u for u in (zone["allowed_uses"] or "").split(",") if u]
    if use and use not in allowed:
        open_space = allowed == [OPEN_SPACE]  # green open space: no building at all
        out.append(_finding("zoning", "blocker", f"Peruntukan '{use}' tidak diizinkan di zona {zone['zone_code']} "
                            f"(diizinkan: {'tidak ada bangunan' if open_space else ', '.join(allowed)}).",
                            f"Use '{use}' is not allowed in zone {zone['zone_code']} "
                            f"(allowed: {'no building' if open_space else ', '.join(allowed)})."))
    if floors and zone["max_floors"] is not None and floors > zone["max_floors"]:
        out.append(_finding("zoning", "blocker", f"{floors} lantai melebihi batas zona ({zone['max_floors']} lantai).",
                            f"{floors} floors exceed the zone's limit ({zone['max_floors']} floors)."))
    if len(zones) > 1:
        out.append(_finding("zoning", "warning", "Bidang melintasi lebih dari satu zona.",
                            "The plot crosses more than one zone."))
    return out


def _flood(flood_class: str | None) -> dict[str, str]:
    if flood_class == "tinggi":
        return _finding("flood", "warning", "Bahaya banjir TINGGI: lantai dasar perlu ditinggikan dan drainase disiapkan.",
                        "HIGH flood hazard: raise the ground floor and plan drainage.")
    if flood_class == "sedang":
        return _finding("flood", "warning", "Bahaya banjir sedang.", "Moderate flood hazard.")
    return _finding("flood", "ok", f"Bahaya banjir {flood_class or 'tidak terpetakan'}.",
                    f"Flood hazard {flood_class or 'not mapped'}.")


def _river(distance: float | None) -> dict[str, str]:
    if distance is None:
        return _finding("river", "ok", f"Tidak ada sungai dalam {queries.RIVER_SEARCH_M} m.",
                        f"No river within {queries.RIVER_SEARCH_M} m.")
    if distance < RIVER_SETBACK_M:
        return _finding("river", "blocker", f"Berjarak {distance:.0f} m dari sungai: di dalam sempadan sungai "
                        f"({RIVER_SETBACK_M:.0f} m).", f"{distance:.0f} m from a river: inside the river setback "
                        f"({RIVER_SETBACK_M:.0f} m).")
    level = "warning" if distance < RIVER_NOTICE_M else "ok"
    return _finding("river", level, f"Jarak ke sungai terdekat {distance:.0f} m.",
                    f"Nearest river {distance:.0f} m away.")


def site_findings(bind: Bind | Connection, geometry: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """The checks of a plot for this application: {findings: [...], summary: {...}, verdict}.

    `summary` holds the case layer's columns (zone_code, flood_class, river_distance_m);
    verdict is the worst level found."""
    with reading(bind) as conn:
        row = conn.execute(queries.select_site(), {"geometry": json.dumps(dict(geometry)), "search_m": queries.RIVER_SEARCH_M}).mappings().one()
    zones = row["zones"] if isinstance(row["zones"], list) else json.loads(row["zones"] or "[]")
    use = properties.get("building_use") or BUSINESS_USE.get(properties.get("business_kind") or "")
    findings = [*_zoning(zones, use, properties.get("floors")), _flood(row["flood_class"]), _river(row["river_m"])]
    levels = [f["level"] for f in findings]
    verdict = "blocker" if "blocker" in levels else "warning" if "warning" in levels else "ok"
    distance = None if row["river_m"] is None else round(float(row["river_m"]), 1)
    return {"findings": findings, "verdict": verdict,
            "summary": {"zone_code": zones[0]["zone_code"] if zones else None, "flood_class": row["flood_class"],
                        "river_distance_m": distance}}


def pbg_fee(properties: Mapping[str, Any]) -> int:
    """The PBG retribution in rupiah for the application's floor area and building use."""
    area = float(properties.get("floor_area_m2") or 0)
    index = USE_INDEX.get(properties.get("building_use") or "", 1.0)
    return int(round(area * SHST_PER_M2 * RATE * index, -3))
