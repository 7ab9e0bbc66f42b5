"""OGC API - Tiles: vector tiles of every layer, and the multi-layer tiles of the homepage.

Routes (x is the tile column, y the row, as in tipg and TileJSON):
  /tileMatrixSets, /tileMatrixSets/WebMercatorQuad
  /collections/{id}/tiles, /collections/{id}/tiles/WebMercatorQuad
  /collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}
  /tiles, /tiles/WebMercatorQuad, /tiles/WebMercatorQuad/{z}/{x}/{y}?collections=a,b

Status codes: a zoom outside 0..22, x or y outside 0..2^z-1, or (for one
collection) a zoom outside the layer's declared range are 404 with the JSON
error, since the tileset's tileMatrixSetLimits do not list them. A tile
inside them with no feature is 204. In the multi-layer tile a requested layer
outside its zoom range is left out, and a tile with no layer left is 204.
Responses carry a strong ETag (hash of the bytes; If-None-Match gives 304),
Cache-Control, and X-Tile-Cache: hit|miss|bypass (bypass: zoom not cached).
Views parse and serialise; rendering and caching live in layers/tiles/.

Access (issue 5): every route asks layers/access.py through layers/tiles/selection.py
for the request's principal. A layer it may not read is 404 everywhere, like
in the items API (also inside `collections=`: never silently dropped); a tile
carries only the properties it may see. A tile holding a non-public layer or
a private property is `Cache-Control: private`; every tile response carries
`Vary: Authorization, Cookie`, because what a URL holds depends on who asks.

`properties=a,b` (tile routes): only these properties (plus `fid`, always the
feature id) go into the tile, for slim tiles; a name no layer of the tile
offers to the caller is 400.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import Engine

from config.settings import Settings
from layers.access import Principal, readable_layers
from layers.tiles.bounds import layer_bounds
from layers.tiles.cache import Tile, get_tile
from layers.tiles.grid import TILE_MATRIX_SET
from layers.tiles.selection import (
    TileLayer,
    layer_for_tiles,
    requested_layers,
    single_layer,
    tile_layers,
    visible_layers,
)
from webgis.accounts.principal import principal_from_request
from webgis.errors import BadRequest, NotFound, refuse_unknown_parameters
from webgis.readroute import read_engine
from webgis.tiles import metadata
from webgis.tiles.encoding import encoded_tile, etag_matches

blueprint = Blueprint("tiles", __name__)

# Browsers and proxies may reuse a tile this long without asking; after that the
# ETag makes revalidation a 304. Short, because edits change tiles at any time.
MAX_AGE_S = 60
TILE_PARAMS = {"f", "properties"}
MULTI_TILE_PARAMS = {"f", "collections", "properties"}


def _engine() -> Engine:
    return current_app.extensions["engine"]


def _base() -> str:
    return request.url_root.rstrip("/")


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "id"


def _check_params(allowed: set[str]) -> None:
    refuse_unknown_parameters(allowed)
    if request.args.get("f", "mvt") not in ("mvt", "pbf"):
        raise BadRequest("tiles are only served as Mapbox Vector Tiles (f=mvt)")


def names_of(raw: str | None) -> list[str] | None:
    """A comma-separated list parameter; None when absent, [] when given empty."""
    if raw is None:
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def _names(parameter: str) -> list[str] | None:
    return names_of(request.args.get(parameter))


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
    return jsonify(metadata.tileset_list(layer_for_tiles(collection, principal_from_request()), _base(), _lang()))


@blueprint.get("/collections/<collection>/tiles/<tms>")
def collection_tileset(collection: str, tms: str) -> Response:
    principal = principal_from_request()
    spec = layer_for_tiles(collection, principal)
    _check_tms(tms)
    return jsonify(metadata.tileset([spec], _bounds([spec.id]), _base(), spec.id, _lang(), principal))


@blueprint.get("/tiles")
def dataset_tilesets() -> Response:
    """The dataset's tilesets (OGC 20-057 /req/dataset-tilesets/operation): the multi-layer tiles."""
    return jsonify(metadata.tileset_list(None, _base(), _lang()))


@blueprint.get("/tiles/<tms>")
def multi_tileset(tms: str) -> Response:
    _check_tms(tms)
    principal = principal_from_request()
    specs = readable_layers(principal)
    return jsonify(metadata.tileset(specs, _bounds([s.id for s in specs]), _base(), None, _lang(), principal))


@blueprint.get("/collections/<collection>/tiles/<tms>/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>")
def collection_tile(collection: str, tms: str, z: int, x: int, y: int) -> Response:
    _check_params(TILE_PARAMS)
    _check_tms(tms)
    principal = principal_from_request()
    layers = collection_tile_layers(collection, z, x, y, principal, _names("properties"))
    return _tile_response(_get_tile(layers, z, x, y))


@blueprint.get("/tiles/<tms>/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>")
def multi_tile(tms: str, z: int, x: int, y: int) -> Response:
    _check_params(MULTI_TILE_PARAMS)
    _check_tms(tms)
    principal = principal_from_request()
    layers = multi_tile_layers(_names("collections"), z, x, y, principal, _names("properties"))
    return _tile_response(_get_tile(layers, z, x, y))


def collection_tile_layers(collection: str, z: int, x: int, y: int, principal: Principal,
                           properties: list[str] | None) -> tuple[TileLayer, ...]:
    """What goes into a layer's tile for this caller (here and in the cached-tile lane)."""
    return tile_layers(single_layer(collection, z, x, y, principal), principal, properties)


def multi_tile_layers(collections: list[str] | None, z: int, x: int, y: int, principal: Principal,
                      properties: list[str] | None) -> tuple[TileLayer, ...]:
    """What goes into a multi-layer tile for this caller; `collections` absent or empty
    means every layer the caller may read (here and in the cached-tile lane)."""
    visible = visible_layers(collections or None, z, x, y, principal)
    return tile_layers(visible, principal, properties, also_requested=requested_layers(collections or None, principal))


def _get_tile(layers: tuple[TileLayer, ...], z: int, x: int, y: int) -> Tile:
    settings: Settings = current_app.config["SETTINGS"]
    return get_tile(_engine(), layers, z, x, y, settings.web.tile_cache_max_zoom, uncached_from=read_engine())


def tile_headers(tile: Tile, etag: str | None = None) -> list[tuple[str, str]]:
    """Headers of every tile answer (200, 204 and 304), here and in the cached-tile lane;
    `etag` is the one of the representation sent (webgis.tiles.encoding), default the tile's."""
    # Content only some roles may see must not be kept by shared caches; and what a
    # URL holds depends on who asks (layers, properties), so caches key on the credentials.
    # Accept-Encoding: the body is gzip or not by it (webgis.tiles.encoding).
    return [("ETag", f'"{etag or tile.etag}"'),
            ("Cache-Control", f"{'public' if tile.public else 'private'}, max-age={MAX_AGE_S}"),
            ("Vary", "Authorization, Cookie, Accept-Encoding"), ("X-Tile-Cache", tile.cache)]


def _tile_response(tile: Tile) -> Response:
    """200 with the MVT (gzip when accepted), 204 for an empty tile, 304 when If-None-Match
    names it in either encoding. 204 and 304 carry no body, so no Content-Type (webgis.app)."""
    body, etag, encoding = (b"", tile.etag, None) if tile.empty else \
        encoded_tile(tile.etag, tile.data, request.headers.get("Accept-Encoding"))
    headers = tile_headers(tile, etag)
    asked = request.if_none_match
    if asked.star_tag or etag_matches(asked.as_set(include_weak=True), tile.etag):
        return Response(status=304, headers=headers)
    if tile.empty:
        return Response(status=204, headers=headers)
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return Response(body, status=200, headers=headers, mimetype=metadata.MVT)
