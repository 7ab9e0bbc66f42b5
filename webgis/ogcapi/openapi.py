"""The OpenAPI 3.0 document of the service, generated from the registry.

Every public collection gets its items and item paths with its own queryable
parameters, so clients (GDAL reads `limit`'s maximum from here) and humans see
exactly what each layer accepts.
"""

from __future__ import annotations

from typing import Any

from layers.model import LayerSpec
from layers.queries import CRS84, SUPPORTED_CRS, layer_sql
from layers.tiles.grid import MAX_ZOOM
from webgis.ogcapi.documents import DESCRIPTION, JSON_SCHEMA_TYPES, TITLE, public_layers
from webgis.ogcapi.params import DEFAULT_LIMIT, MAX_LIMIT

REF = "#/components/"


def _param(name: str, description: str, schema: dict, *, where: str = "query", required: bool = False,
           explode: bool | None = None) -> dict[str, Any]:
    parameter = {"name": name, "in": where, "description": description, "required": required,
                 "schema": schema}
    if explode is not None:
        parameter["style"], parameter["explode"] = "form", explode
    return parameter


CRS_SCHEMA = {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS), "default": CRS84}
PARAMETERS = {
    "f": _param("f", "output format", {"type": "string", "enum": ["json", "html", "geojson"]}),
    "limit": _param("limit", f"features per page (larger values are clamped to {MAX_LIMIT})",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    "offset": _param("offset", "features to skip", {"type": "integer", "minimum": 0, "default": 0}),
    "cursor": _param("cursor", "opaque keyset cursor from a next link", {"type": "string"}),
    "bbox": _param("bbox", "minx,miny,maxx,maxy (or 6 numbers) in bbox-crs",
                   {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}, explode=False),
    "bbox-crs": _param("bbox-crs", "CRS of bbox", CRS_SCHEMA),
    "crs": _param("crs", "CRS of the returned geometries", CRS_SCHEMA),
    "datetime": _param("datetime", "instant or interval (RFC 3339, open ends as ..); on a collection without a "
                       "temporal property every feature matches", {"type": "string"}),
    "properties": _param("properties", "properties to return", {"type": "array", "items": {"type": "string"}},
                         explode=False),
    "sortby": _param("sortby", "+name or -name, comma-separated", {"type": "string"}),
    "filter": _param("filter", "CQL2 filter", {"type": "string"}),
    "filter-lang": _param("filter-lang", "filter language",
                          {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}),
    "filter-crs": _param("filter-crs", "CRS of geometries in the filter", CRS_SCHEMA),
    "featureId": _param("featureId", "feature id", {"type": "integer"}, where="path", required=True),
    "ifMatch": _param("If-Match", "the ETag of the version being changed (\"vN\" or \"vN-private\"): a stale "
                      "one is 412 and changes nothing; * or no If-Match changes whatever version is there "
                      "(the feature history keeps who overwrote which version)", {"type": "string"},
                      where="header"),
    # Tiles (webgis/tiles): WebMercatorQuad, x = column, y = row, as in TileJSON.
    "tileZ": _param("z", "zoom (tile matrix)", {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
                    where="path", required=True),
    "tileX": _param("x", "tile column", {"type": "integer", "minimum": 0}, where="path", required=True),
    "tileY": _param("y", "tile row", {"type": "integer", "minimum": 0}, where="path", required=True),
    "tileProperties": _param(
        "properties", "only these properties in the tile (fid is always there, as the MVT feature id), for "
        "slim tiles, e.g. properties=nama,jenjang; empty: fid only; a name none of the tile's layers offers "
        "the caller is 400", {"type": "array", "items": {"type": "string"}}, explode=False),
    "tileCollections": _param(
        "collections", "layers in the tile (default: every layer the caller may read, visible at this zoom); "
        "a layer the caller may not read is 404", {"type": "array", "items": {"type": "string"}}, explode=False),
}
MVT = "application/vnd.mapbox-vector-tile"
ITEMS_PARAMS = ["f", "limit", "offset", "cursor", "bbox", "bbox-crs", "crs", "datetime", "properties", "sortby",
                "filter", "filter-lang", "filter-crs"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{REF}parameters/{name}"}


def _responses(ok: str, media: str = "application/json", *, status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": ok, "content": {media: {"schema": {"type": "object"}},
                                                "text/html": {"schema": {"type": "string"}}}},
        "400": {"$ref": f"{REF}responses/Error"},
        "404": {"$ref": f"{REF}responses/Error"},
    }


# What a write accepts as geometry (layers/geojson_input.py); refused with a 400 naming the place otherwise.
GEOMETRY_INPUT = (
    " The geometry is RFC 7946 GeoJSON of the layer's type (a single geometry is accepted for its Multi type): "
    "positions of exactly 2 JSON numbers (no text, no height), lines of 2 positions or more, polygon rings of 4 "
    "positions or more whose last equals the first (an open ring is refused, not closed), valid (self-"
    "intersections are refused) and inside Kota Medan. Coordinates are CRS84 (longitude, latitude) unless the "
    "Content-Crs header names another supported CRS (EPSG:4326 is latitude, longitude). A `crs` member "
    "(removed by RFC 7946) is accepted only when it names that same CRS.")


def _feature_body(collection: bool = False) -> dict[str, Any]:
    description = ("a GeoJSON Feature, or a FeatureCollection to create several in one transaction (all or "
                   "none; the 201 body lists the new ids and item links)" if collection else "a GeoJSON Feature")
    return {"required": True, "description": description + "." + GEOMETRY_INPUT,
            "content": {"application/geo+json": {"schema": {"type": "object"}}}}


def _tile_responses() -> dict[str, Any]:
    return {"200": {"description": "a Mapbox Vector Tile", "content": {MVT: {"schema": {"type": "string",
                                                                                       "format": "binary"}}}},
            "204": {"description": "no feature in this tile"},
            "304": {"description": "not modified (If-None-Match)"},
            "400": {"$ref": f"{REF}responses/Error"},
            "404": {"$ref": f"{REF}responses/Error"}}


def _tile_path(operation: str, tag: list[str], extra: list[str]) -> dict[str, Any]:
    params = [_ref("tileZ"), _ref("tileX"), _ref("tileY"), _ref("tileProperties"), *(_ref(n) for n in extra)]
    return {"get": {"operationId": operation, "tags": tag, "parameters": params, "responses": _tile_responses(),
                    "description": "Vector tile (OGC API - Tiles). Cache-Control is private when the tile holds "
                                   "content only some roles may read; Vary: Authorization, Cookie."}}


def _write_responses(status: str, description: str) -> dict[str, Any]:
    return {status: {"description": description},
            **{code: {"$ref": f"{REF}responses/Error"} for code in ("400", "401", "403", "404", "412")}}


def _collection_paths(spec: LayerSpec) -> dict[str, Any]:
    layer = layer_sql(spec.id)
    params = [_ref(n) for n in ITEMS_PARAMS]
    for name, prop in layer.queryable.items():
        schema = dict(JSON_SCHEMA_TYPES[prop.type])
        if prop.allowed is not None:
            schema["enum"] = list(prop.allowed)
        params.append(_param(name, f"features whose {name} equals this value", schema))
    base = f"/collections/{spec.id}"
    tag = [spec.id]
    writable = bool(spec.access.write)
    items: dict[str, Any] = {"get": {"operationId": f"getItems_{spec.id}", "summary": spec.title.en, "tags": tag,
                                     "parameters": params, "responses": _responses("the features",
                                                                                   "application/geo+json")}}
    item: dict[str, Any] = {"get": {"operationId": f"getItem_{spec.id}", "tags": tag,
                                    "parameters": [_ref("featureId"), _ref("f"), _ref("crs")],
                                    "responses": _responses("the feature", "application/geo+json")}}
    if writable:
        secure = {"security": [{"apiToken": []}], "tags": tag}
        items["post"] = {"operationId": f"createItem_{spec.id}", "requestBody": _feature_body(collection=True),
                         "responses": _write_responses("201", "created"), **secure}
        for method, body in (("put", True), ("patch", True), ("delete", False)):
            operation = {"operationId": f"{method}Item_{spec.id}", "parameters": [_ref("featureId"), _ref("ifMatch")],
                         "responses": _write_responses("204", "done; the new ETag in the header"), **secure}
            if body:
                operation["requestBody"] = _feature_body()
            item[method] = operation
    return {
        base: {"get": {"operationId": f"getCollection_{spec.id}", "tags": tag, "parameters": [_ref("f")],
                       "responses": _responses("collection metadata")}},
        f"{base}/queryables": {"get": {"operationId": f"getQueryables_{spec.id}", "tags": tag,
                                       "parameters": [_ref("f")],
                                       "responses": _responses("queryables", "application/schema+json")}},
        f"{base}/schema": {"get": {"operationId": f"getSchema_{spec.id}", "tags": tag, "parameters": [_ref("f")],
                                   "responses": _responses("the features' schema (Part 5)",
                                                           "application/schema+json")}},
        f"{base}/schema/geojson": {"get": {
            "operationId": f"getFeatureSchema_{spec.id}", "tags": tag, "parameters": [_ref("f")],
            "responses": {"200": {"description": "JSON Schema of a GeoJSON feature (GDAL's describedBy)",
                                  "content": {"application/schema+json": {"schema": {"type": "object"}}}},
                          "400": {"$ref": f"{REF}responses/Error"}, "404": {"$ref": f"{REF}responses/Error"}}}},
        f"{base}/items": items,
        f"{base}/items/{{featureId}}": item,
        f"{base}/tiles": _json_path(f"getTilesets_{spec.id}", tag, "the collection's tilesets"),
        f"{base}/tiles/WebMercatorQuad": _json_path(f"getTileset_{spec.id}", tag, "the collection's tileset"),
        f"{base}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}": _tile_path(f"getTile_{spec.id}", tag, []),
    }


def _json_path(operation: str, tag: list[str], summary: str) -> dict[str, Any]:
    """A GET answered with JSON only (the Tiles metadata)."""
    return {"get": {"operationId": operation, "tags": tag, "summary": summary, "responses": {
        "200": {"description": summary, "content": {"application/json": {"schema": {"type": "object"}}}},
        "404": {"$ref": f"{REF}responses/Error"}}}}


def openapi_document(base: str, layers: list[LayerSpec] | None = None) -> dict[str, Any]:
    """The OpenAPI document for `layers` (those the principal may read; default: the public ones)."""
    layers = public_layers() if layers is None else layers
    paths: dict[str, Any] = {}
    for path, operation, summary in (("/", "getLandingPage", "landing page"),
                                     ("/conformance", "getConformance", "conformance classes"),
                                     ("/api", "getApi", "this document"),
                                     ("/collections", "getCollections", "the collections")):
        paths[path] = {"get": {"operationId": operation, "summary": summary, "parameters": [_ref("f")],
                               "responses": _responses(summary)}}
    for spec in layers:
        paths.update(_collection_paths(spec))
    paths["/tileMatrixSets"] = _json_path("getTileMatrixSets", ["tiles"], "the tile matrix sets")
    paths["/tileMatrixSets/WebMercatorQuad"] = _json_path("getTileMatrixSet", ["tiles"], "WebMercatorQuad")
    paths["/tiles"] = _json_path("getDatasetTilesets", ["tiles"], "the dataset's tilesets (every layer)")
    paths["/tiles/WebMercatorQuad"] = _json_path("getDatasetTileset", ["tiles"], "the dataset's tileset")
    paths["/tiles/WebMercatorQuad/{z}/{x}/{y}"] = _tile_path("getTile", ["tiles"], ["tileCollections"])
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "description": DESCRIPTION, "version": "1.0.0",
                 "license": {"name": "see each collection's attribution"}},
        "servers": [{"url": base.rstrip("/") or "/"}],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS,
            # A browser (Accept: text/html, or f=html) gets the error as a page.
            "responses": {"Error": {"description": "an error, with code and description", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "code": {"type": "string"}, "description": {"type": "string"}}}},
                "text/html": {"schema": {"type": "string"}}}}},
            "securitySchemes": {"apiToken": {"type": "http", "scheme": "bearer"}},
        },
        "tags": [{"name": spec.id, "description": spec.title.en} for spec in layers],
    }
