"""/rute-berkendara: a driving route from A to B that avoids the intersections the ATCS detectors
report congested, beside the usual route (phone first, Bahasa Indonesia first, ?lang=en), and
its JSON. The logic is services/routing/planner.py; the graph, services/routing/graph.py.

GET /api/rute-berkendara?dari=LON,LAT&ke=LON,LAT[&hindari=0]
  200: a GeoJSON FeatureCollection (RFC 7946) of the suggested and the usual route (LineStrings,
       `peran` saran|biasa) and the congested intersections avoided (Points, `peran` dihindari),
       with the summary (`ringkasan`: distances, times, delays, streets) as a foreign member.
  400: A or B missing, malformed, outside Kota Medan or too far from a street; 404: no street
  joins them; 409: no streets loaded ("Peta jalan belum dimuat"). Messages in Bahasa Indonesia.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from services.routing.graph import graph_status
from services.routing.planner import RoutingError, parse_point, route
from webgis.accounts.principal import principal_from_request
from webgis.berkendara.strings import UI
from webgis.citizen.common import engine, map_credits, page

blueprint = Blueprint("berkendara", __name__)
LAYERS = ("kelurahan", "osm_roads", "traffic_congestion")


@blueprint.get("/rute-berkendara")
def drive_page() -> Response:
    """The page; ?dari=&ke= (as in the API) open it on a route, which makes it shareable."""
    status = graph_status(engine())
    return page("berkendara/index.html", extra_strings=UI, ready=status["edges"] > 0, credits=map_credits(*LAYERS),
                start=request.args.get("dari", ""), end=request.args.get("ke", ""))


@blueprint.get("/api/rute-berkendara")
def drive_api() -> Response:
    a = parse_point(request.args.get("dari"), "dari")
    b = parse_point(request.args.get("ke"), "ke")
    avoid = _flag(request.args.get("hindari", "1"))
    found = route(engine(), a, b, avoid_congestion=avoid, principal=principal_from_request())
    summary = found.as_json()
    features = [_line(found.suggested.coordinates, "saran"), _line(found.usual.coordinates, "biasa")]
    features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                  "properties": {"peran": "dihindari", **c}} for c in summary["dihindari"]]
    return jsonify({"type": "FeatureCollection", "features": features, "ringkasan": summary})


def _line(coordinates: list[tuple[float, float]], role: str) -> dict:
    return {"type": "Feature", "properties": {"peran": role},
            "geometry": {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in coordinates]}}


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise RoutingError("hindari: tulis 1 (hindari simpang macet) atau 0.")
    return value == "1"
