"""/angkot: the angkot trip planner (A to B, at most one transfer), the route list and one page
per route with its stops, the GTFS download, and the planner's JSON. Phone first, Bahasa
Indonesia first (?lang=en). The logic is services/angkot (Flask-free, also the CLI's).

`dari` / `ke` are `lon,lat`; `jalan` the longest walk in metres (100–1500, default 400). A point
that cannot be read or lies outside Kota Medan answers 400 saying so; no trip is not an error
(200, with the reason: nothing within walking distance of A or of B, or no connection).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from services.angkot import catalogue, describe, planner
from services.errors import ServiceError
from webgis.angkot.strings import UI
from webgis.citizen.common import engine, lang, map_credits, page

blueprint = Blueprint("angkot", __name__)
LAYERS = ("kelurahan", "transit_routes", "transit_stops")


def _asked() -> tuple[tuple[float, float], tuple[float, float], float]:
    return (planner.parse_point("dari", request.args.get("dari")),
            planner.parse_point("ke", request.args.get("ke")), planner.check_walk(request.args.get("jalan")))


def _script_json(value: object) -> str:
    """JSON to embed in a <script> element: no "</script>" can close it early."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _error_page(exc: ServiceError) -> Response:
    return page("angkot/error.html", status=exc.status, extra_strings=UI, error=str(exc))


@blueprint.get("/angkot")
def planner_page() -> Response:
    """The planner; with `dari` and `ke` it also lists the trips (the page works without script).
    A bad point answers 400 with the form kept and the reason above it."""
    answer, error, status = None, None, 200
    if request.args.get("dari") or request.args.get("ke"):
        try:
            origin, destination, walk_m = _asked()
            answer = describe.plan_dict(planner.plan_trip(engine(), origin, destination, walk_m=walk_m),
                                        origin, destination, lang())
        except ServiceError as exc:
            error, status = str(exc), exc.status
    return page("angkot/planner.html", status=status, extra_strings=UI, answer=answer, error=error,
                plan_json=_script_json(answer), walk=request.args.get("jalan") or int(planner.WALK_M),
                credits=map_credits(*LAYERS),
                names={"dari": request.args.get("dari_nama", "")[:80], "ke": request.args.get("ke_nama", "")[:80]})


@blueprint.get("/api/angkot/rencana")
def plan_api() -> Response:
    """Trips best first, each with its steps in words and its legs as GeoJSON; 400 for a bad point."""
    origin, destination, walk_m = _asked()
    found = planner.plan_trip(engine(), origin, destination, walk_m=walk_m)
    return jsonify(describe.plan_dict(found, origin, destination, lang()))


@blueprint.get("/angkot/trayek")
def routes_page() -> Response:
    return page("angkot/routes.html", extra_strings=UI, routes=catalogue.routes(engine()),
                colour=describe.colour)


@blueprint.get("/angkot/trayek/<kode_trayek>")
def route_page(kode_trayek: str) -> Response:
    try:
        found = catalogue.route(engine(), kode_trayek)
    except ServiceError as exc:
        return _error_page(exc)
    return page("angkot/route.html", extra_strings=UI, route=found, colour=describe.colour,
                route_json=_script_json(found), credits=map_credits(*LAYERS))


@blueprint.get("/api/angkot/trayek/<kode_trayek>")
def route_api(kode_trayek: str) -> Response:
    """One route as a GeoJSON Feature with its ordered stops (404 if unknown)."""
    found = catalogue.route(engine(), kode_trayek)
    geometry = found.pop("geometry")
    return jsonify({"type": "Feature", "id": found["kode_trayek"], "geometry": geometry, "properties": found})


@blueprint.get("/angkot/gtfs.zip")
def gtfs_download() -> Response:
    """The routes and stops as a GTFS feed (services/analysis/gtfs.build_feed)."""
    response = Response(catalogue.gtfs_zip(engine()), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="angkot_medan_gtfs.zip"'
    return response
