"""/wisata: tourism sites and walking routes on a map (phone first, Bahasa Indonesia first,
?lang=en), a site's page, a walk's page, and their JSON (GeoJSON, RFC 7946).

Filters: `jenis` (sejarah, religi, kuliner, taman; repeated or comma-separated), `buka=1` (open
now in Asia/Jakarta, from the site's opening hours), `akses=1` (wheelchair accessible). A wrong
filter answers 400 naming it, an unknown site or walk 404; the logic is services/tourism/guide.py.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from services.errors import ServiceError
from services.tourism import guide
from webgis.accounts.principal import principal_from_request
from webgis.citizen.common import engine, lang, map_credits, page
from webgis.wisata.strings import UI

blueprint = Blueprint("wisata", __name__)
LAYERS = ("kelurahan", "tourism_sites", "tourism_walks")


def _filters() -> dict:
    return {"kinds": guide.parse_kinds(request.args.getlist("jenis")),
            "open_now": guide.parse_flag("buka", request.args.get("buka")),
            "accessible_only": guide.parse_flag("akses", request.args.get("akses"))}


def _error_page(exc: ServiceError) -> Response:
    return page("wisata/error.html", status=exc.status, extra_strings=UI, error=str(exc))


@blueprint.get("/wisata")
def wisata_page() -> Response:
    try:
        filters = _filters()
    except ServiceError as exc:
        return _error_page(exc)
    found = guide.sites(engine(), principal_from_request(), lang=lang(), **filters)
    walks = guide.walks(engine(), principal_from_request(), lang=lang())
    return page("wisata/index.html", extra_strings=UI, sites=found, walks=walks, filters=filters,
                kinds=guide.KIND_LABELS, geojson=json.dumps(guide.as_geojson(found, walks)),
                credits=map_credits(*LAYERS))


@blueprint.get("/wisata/<kode_wisata>")
def site_page(kode_wisata: str) -> Response:
    try:
        found = guide.site(engine(), principal_from_request(), kode_wisata, lang=lang())
    except ServiceError as exc:
        return _error_page(exc)
    return page("wisata/site.html", extra_strings=UI, site=found,
                geojson=json.dumps(guide.as_geojson([found], found["rute"])), credits=map_credits(*LAYERS))


@blueprint.get("/wisata/rute/<kode_rute>")
def walk_page(kode_rute: str) -> Response:
    try:
        found = guide.walk(engine(), principal_from_request(), kode_rute, lang=lang())
    except ServiceError as exc:
        return _error_page(exc)
    stops = [s for s in guide.sites(engine(), principal_from_request(), lang=lang()) if s["kode_wisata"] in found["halte"]]
    stops.sort(key=lambda s: found["halte"].index(s["kode_wisata"]))
    return page("wisata/walk.html", extra_strings=UI, walk=found, stops=stops,
                geojson=json.dumps(guide.as_geojson(stops, [found])), credits=map_credits(*LAYERS))


@blueprint.get("/api/wisata")
def wisata_api() -> Response:
    """Sites matching `jenis`/`buka`/`akses` and every walk, one GeoJSON FeatureCollection."""
    principal = principal_from_request()
    found = guide.sites(engine(), principal, lang=lang(), **_filters())
    return jsonify(guide.as_geojson(found, guide.walks(engine(), principal, lang=lang())))


@blueprint.get("/api/wisata/<kode_wisata>")
def site_api(kode_wisata: str) -> Response:
    """One site as a GeoJSON Feature, with its week of hours and the walks through it (404 if unknown)."""
    found = guide.site(engine(), principal_from_request(), kode_wisata, lang=lang())
    collection = guide.as_geojson([found], [])
    feature = collection["features"][0]
    feature["properties"]["rute"] = [w["kode_rute"] for w in found["rute"]]
    return jsonify(feature)
