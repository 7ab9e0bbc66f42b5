"""Hazard rasters as XYZ PNG tiles and their metadata (services/analysis/rasters.yaml).

Routes:
  /rasters                                                    every declared raster (JSON)
  /rasters/{raster_id}                                        one raster: legend, bounds, zooms, tile URL, provenance
  /rasters/{raster_id}/tiles/WebMercatorQuad/{z}/{x}/{y}.png  a 256 px PNG tile

Ids are looked up in the declarations, never used as paths, so a request
cannot name a file. An unknown id, tile matrix set, zoom outside the
declared range or x/y outside the matrix is 404; a tile inside the range
with no data is a transparent PNG (X-Tile-Empty: true), which every map
client draws without an error. Tiles carry a strong ETag (If-None-Match
gives 304) and Cache-Control. Rendering lives in services/analysis/raster_tiles.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from services.analysis.raster_tiles import (
    TILE_MATRIX_SET,
    get_raster,
    legend,
    load_rasters,
    metadata,
    render_tile,
    tile_url_template,
    valid_tile,
)
from webgis.errors import NotFound, refuse_unknown_parameters

blueprint = Blueprint("rasters", __name__)

# A raster changes only when an analysis rebuilds it, and the ETag follows the
# bytes, so clients may keep a tile for an hour and then revalidate with a 304.
MAX_AGE_S = 3600


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "id"


def overlays(lang: str) -> list[dict]:
    """The rasters for the homepage's layer control: relative tile URL, zooms, bounds, opacity, legend."""
    result = []
    for spec in load_rasters().values():
        meta = metadata(spec, lang)
        result.append({"id": spec.id, "title": spec.title.get(lang), "tiles": tile_url_template(spec),
                       "minzoom": spec.zoom.min, "maxzoom": spec.zoom.max, "bounds": meta["bounds"],
                       "opacity": spec.opacity, "legend": legend(spec, lang),
                       "attribution": spec.source.attribution, "synthetic": meta["source"]["synthetic"]})
    return result


@blueprint.get("/rasters")
def rasters_json() -> Response:
    refuse_unknown_parameters({"lang", "f"})
    base = request.url_root.rstrip("/")
    return jsonify({"rasters": [metadata(spec, _lang(), base) for spec in load_rasters().values()]})


@blueprint.get("/rasters/<raster_id>")
def raster_json(raster_id: str) -> Response:
    refuse_unknown_parameters({"lang", "f"})
    return jsonify(metadata(get_raster(raster_id), _lang(), request.url_root.rstrip("/")))


@blueprint.get("/rasters/<raster_id>/tiles/<tms>/<int:z>/<int:x>/<int:y>.png")
def raster_tile(raster_id: str, tms: str, z: int, x: int, y: int) -> Response:
    spec = get_raster(raster_id)
    if tms != TILE_MATRIX_SET:
        raise NotFound(f"no tile matrix set {tms!r}; rasters are served in {TILE_MATRIX_SET}")
    if not valid_tile(spec, z, x, y):
        raise NotFound(f"no tile {z}/{x}/{y}: {spec.id} is served at zoom {spec.zoom.min}..{spec.zoom.max}, "
                       f"x and y in 0..2^z-1")
    tile = render_tile(spec, z, x, y)
    response = Response(tile.png, mimetype="image/png")
    response.set_etag(tile.etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    response.headers["X-Tile-Empty"] = "true" if tile.empty else "false"
    return response.make_conditional(request)
