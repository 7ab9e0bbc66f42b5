"""PPDB zoning for citizens: the page (/ppdb) and its JSON API (/ppdb/api/schools).

The API answers "which public schools of this level can a child living here
apply to?": services.ppdb.schools_for_home (ranked by straight-line distance,
with the in-zone flag) plus the zones of those schools from the school_zones
layer, recomputed first when a school changed since (services.ppdb.zones).
"""

from __future__ import annotations

import math
from dataclasses import asdict

from flask import Response, jsonify, request

from services.errors import ServiceError
from services.ppdb import DEFAULT_RULE, schools_for_home
from services.ppdb.zones import ensure_zones, zones_geojson
from services.ppdb.zoning import LEVELS, check_level, kelurahan_at
from webgis.citizen.common import engine, map_credits, page
from webgis.citizen.views import blueprint
from webgis.errors import BadRequest

MAX_SCHOOLS = 50


@blueprint.get("/ppdb")
def ppdb_page() -> Response:
    return page("citizen/ppdb.html", levels=LEVELS, radii=DEFAULT_RULE.zone_radius_m,
                credits=map_credits("kelurahan", "schools"))


def _number(name: str, low: float, high: float) -> float:
    text = request.args.get(name, "").strip()
    if not text:
        raise BadRequest(f"{name}: required (the home location as lon and lat, WGS 84)")
    try:
        value = float(text)
    except ValueError:
        raise BadRequest(f"{name}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"{name}: must be between {low:g} and {high:g}")
    return value


def _limit() -> int:
    text = request.args.get("limit", "10")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_SCHOOLS:
        raise BadRequest(f"limit: a whole number from 1 to {MAX_SCHOOLS}")
    return int(text)


@blueprint.get("/ppdb/api/schools")
def ppdb_schools() -> Response:
    lon, lat = _number("lon", -180, 180), _number("lat", -90, 90)
    level = request.args.get("level", "")
    try:
        check_level(level)
    except ServiceError as exc:
        raise BadRequest(f"level: {exc.message}") from None
    limit = _limit()
    kelurahan = kelurahan_at(engine(), lon, lat)
    if kelurahan is None:
        raise BadRequest(f"lon/lat: {lat:.5f}, {lon:.5f} is outside Kota Medan; PPDB zoning is for homes in the city")
    choices = schools_for_home(engine(), lon, lat, level, limit=limit)  # a ServiceError is a 400 (webgis/errors.py)
    ensure_zones(engine())
    zones = zones_geojson(engine(), [c.npsn for c in choices])
    return jsonify({
        "home": {"lon": lon, "lat": lat, **kelurahan}, "level": level,
        "zone_radius_m": DEFAULT_RULE.zone_radius_m[level], "distance": "straight line (UTM 47N)",
        "schools": [asdict(c) for c in choices],
        "zones": {"type": "FeatureCollection", "features": zones},
    })
