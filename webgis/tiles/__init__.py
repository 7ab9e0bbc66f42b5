"""OGC API - Tiles: vector tiles of every layer, and the multi-layer tiles of the homepage.

Routes (x is the tile column, y the row, as in tipg and TileJSON):
  /tileMatrixSets, /tileMatrixSets/WebMercatorQuad
  /collections/{id}/tiles, /collections/{id}/tiles/WebMercatorQuad
  /collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}
  /tiles/WebMercatorQuad, /tiles/WebMercatorQuad/{z}/{x}/{y}?collections=a,b

Status codes: a zoom outside 0..22, x or y outside 0..2^z-1, or (for one
collection) a zoom outside the layer's declared range are 404 with the JSON
error, since the tileset's tileMatrixSetLimits do not list them. A tile
inside them with no feature is 204. In the multi-layer tile a requested layer
outside its zoom range is left out, and a tile with no layer left is 204.
Responses carry a strong ETag (hash of the bytes; If-None-Match gives 304),
Cache-Control, and X-Tile-Cache: hit|miss|bypass (bypass: zoom not cached).
Views parse and serialise; rendering and caching live in layers/tiles.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import Engine

from layers.registry import get_registry
from layers.tiles import (
    TILE_MATRIX_SET,
    Tile,
    get_tile,
    layer_bounds,
    layer_for_tiles,
    single_layer,
    visible_layers,
)
from webgis.errors import BadRequest, NotFound
from webgis.settings import Settings
from webgis.tiles import metadata

blueprint = Blueprint("tiles", __name__)

# Browsers and proxies may reuse a tile this long without asking; after that the
# ETag makes revalidation a 304. Short, because edits change tiles at any time.
MAX_AGE_S = 60
TILE_PARAMS = {"f"}
MULTI_TILE_PARAMS = {"f", "collections"}


def _engine() -> Engine:
    return current_app.extensions["engine"]


def _base() -> str:
    return request.url_root.rstrip("/")


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "id"


def _check_params(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise BadRequest(f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    if request.args.get("f", "mvt") not in ("mvt", "pbf"):
        raise BadRequest("tiles are only served as Mapbox Vector Tiles (f=mvt)")


def _check_tms(tms: str) -> None:
    if tms != TILE_MATRIX_SET:
        raise NotFound(f"no tile matrix set {tms!r}; this server offers {TILE_MATRIX_SET}")


def _bounds(layer_ids: list[str]) -> tuple[float, float, float, float]:
    settings: Settings = current_app.config["SETTINGS"]
    return layer_bounds(_engine(), layer_ids) or settings.medan_extent


@blueprint.get("/tileMatrixSets")
def tile_matrix_sets() -> Response:
    return jsonify(metadata.tile_matrix_sets(_base()))


@blueprint.get("/tileMatrixSets/<tms>")
def tile_matrix_set(tms: str) -> Response:
    _check_tms(tms)
    return jsonify(metadata.tile_matrix_set())


@blueprint.get("/collections/<collection>/tiles")
def collection_tilesets(collection: str) -> Response:
    return jsonify(metadata.tileset_list(layer_for_tiles(collection), _base(), _lang()))


@blueprint.get("/collections/<collection>/tiles/<tms>")
def collection_tileset(collection: str, tms: str) -> Response:
    spec = layer_for_tiles(collection)
    _check_tms(tms)
    return jsonify(metadata.tileset([spec], _bounds([spec.id]), _base(), spec.id, _lang()))


@blueprint.get("/tiles/<tms>")
def multi_tileset(tms: str) -> Response:
    _check_tms(tms)
    specs = [s for s in get_registry() if s.access.is_public]
    return jsonify(metadata.tileset(specs, _bounds([s.id for s in specs]), _base(), None, _lang()))


@blueprint.get("/collections/<collection>/tiles/<tms>/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>")
def collection_tile(collection: str, tms: str, z: int, x: int, y: int) -> Response:
    _check_params(TILE_PARAMS)
    _check_tms(tms)
    layers = single_layer(collection, z, x, y)
    return _tile_response(get_tile(_engine(), layers, z, x, y))


@blueprint.get("/tiles/<tms>/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>")
def multi_tile(tms: str, z: int, x: int, y: int) -> Response:
    _check_params(MULTI_TILE_PARAMS)
    _check_tms(tms)
    raw = request.args.get("collections", "").strip()
    requested = [c.strip() for c in raw.split(",") if c.strip()] if raw else None
    layers = visible_layers(requested, z, x, y)
    return _tile_response(get_tile(_engine(), layers, z, x, y))


def _tile_response(tile: Tile) -> Response:
    if request.if_none_match.contains_weak(tile.etag):
        response = Response(status=304)
    elif tile.empty:
        response = Response(status=204)
    else:
        response = Response(tile.data, status=200, mimetype=metadata.MVT)
    response.set_etag(tile.etag)
    # Only public layers are served today; a tile holding a restricted layer (issue 5)
    # must not be kept by shared caches.
    public = all(get_registry().get(i).access.is_public for i in tile.layers)
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={MAX_AGE_S}"
    response.headers["X-Tile-Cache"] = tile.cache
    return response
