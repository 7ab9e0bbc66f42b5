"""The JSON documents of OGC API - Tiles: the tile matrix set, tileset lists and tileset metadata.

Pure functions of the declarations and the base URL, so the views stay thin.
The tile path keeps the project's contract `{z}/{x}/{y}` (as tipg does); the
templated links spell it in OGC terms, `{tileMatrix}/{tileCol}/{tileRow}`,
which the Core requirements class allows (clients read the template).
"""

from __future__ import annotations

import math
from typing import Any

from layers.access import ANONYMOUS, Principal, readable_properties
from layers.model import LayerSpec
from layers.tiles.grid import BUFFER, EXTENT, MAX_ZOOM, TILE_MATRIX_SET, WEB_MERCATOR_HALF_WIDTH
from layers.tiles.query import MAX_FEATURES_PER_TILE

MVT = "application/vnd.mapbox-vector-tile"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
# Scale of zoom 0 at 0.28 mm per pixel, as the OGC definition tabulates it.
SCALE_DENOMINATOR_Z0 = 559082264.028717
CELL_SIZE_Z0 = 156543.033928041
TILEJSON_TYPES = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean",
                  "date": "String", "datetime": "String"}
JSON_SCHEMA_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
                     "date": "string", "datetime": "string"}


def link(href: str, rel: str, type_: str = "application/json", **extra: Any) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": type_, **extra}


def tile_matrix_set() -> dict[str, Any]:
    """The OGC 2D Tile Matrix Set 2.0 definition of WebMercatorQuad (zooms 0..MAX_ZOOM served)."""
    origin = [-WEB_MERCATOR_HALF_WIDTH, WEB_MERCATOR_HALF_WIDTH]
    return {
        "id": TILE_MATRIX_SET,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": CRS_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "boundingBox": {"lowerLeft": [-WEB_MERCATOR_HALF_WIDTH, -WEB_MERCATOR_HALF_WIDTH],
                        "upperRight": [WEB_MERCATOR_HALF_WIDTH, WEB_MERCATOR_HALF_WIDTH], "crs": CRS_3857},
        "tileMatrices": [
            {
                "id": str(z), "scaleDenominator": SCALE_DENOMINATOR_Z0 / 2**z, "cellSize": CELL_SIZE_Z0 / 2**z,
                "cornerOfOrigin": "topLeft", "pointOfOrigin": origin, "tileWidth": 256, "tileHeight": 256,
                "matrixWidth": 2**z, "matrixHeight": 2**z,
            }
            for z in range(MAX_ZOOM + 1)
        ],
    }


def tile_matrix_sets(base: str) -> dict[str, Any]:
    href = f"{base}/tileMatrixSets/{TILE_MATRIX_SET}"
    return {"tileMatrixSets": [{
        "id": TILE_MATRIX_SET, "title": "Google Maps Compatible for the World", "uri": TMS_URI, "crs": CRS_3857,
        "links": [link(href, "self"), link(href, REL_TILING_SCHEME)],
    }]}


def tile_col_row(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    col = int((lon + 180.0) / 360.0 * n)
    lat_rad = math.radians(lat)
    row = int((1 - math.asinh(math.tan(lat_rad)) / math.pi) / 2 * n)
    return min(max(col, 0), n - 1), min(max(row, 0), n - 1)


def matrix_limits(bounds: tuple[float, float, float, float], min_zoom: int, max_zoom: int) -> list[dict[str, Any]]:
    """tileMatrixSetLimits: per zoom, the tiles that cover the data's bounds."""
    x0, y0, x1, y1 = bounds
    limits = []
    for z in range(min_zoom, max_zoom + 1):
        min_col, min_row = tile_col_row(x0, y1, z)
        max_col, max_row = tile_col_row(x1, y0, z)
        limits.append({"tileMatrix": str(z), "minTileRow": min_row, "maxTileRow": max_row,
                       "minTileCol": min_col, "maxTileCol": max_col})
    return limits


def _tileset_links(base: str, collection: str | None) -> tuple[str, str]:
    prefix = f"{base}/collections/{collection}" if collection else base
    return f"{prefix}/tiles/{TILE_MATRIX_SET}", f"{prefix}/tiles/{TILE_MATRIX_SET}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}"


def tileset_list(spec: LayerSpec | None, base: str, lang: str = "id") -> dict[str, Any]:
    """/collections/{id}/tiles (geodata tilesets), or /tiles for `spec` None (the dataset's
    tilesets, every layer the caller may read in one tile): one vector tileset each, in
    WebMercatorQuad (OGC 20-057 /req/tilesets-list/tileset-links)."""
    tileset, _ = _tileset_links(base, spec.id if spec else None)
    if spec is None:
        title = "Medan WebGIS"
        links = [link(f"{base}/tiles", "self"), link(f"{base}/", "service-root", title="the landing page")]
    else:
        title = spec.title.get(lang)
        links = [link(f"{base}/collections/{spec.id}/tiles", "self"),
                 link(f"{base}/collections/{spec.id}", "collection")]
    return {
        "links": links,
        "tilesets": [{
            "title": title, "dataType": "vector", "crs": CRS_3857, "tileMatrixSetURI": TMS_URI,
            "links": [link(tileset, "self"), link(f"{base}/tileMatrixSets/{TILE_MATRIX_SET}", REL_TILING_SCHEME)],
        }],
    }


def _properties(spec: LayerSpec, principal: Principal) -> list[Any]:
    """The declared properties this principal finds in the layer's tiles (layers.access decides)."""
    names = set(readable_properties(spec, principal))
    return [p for p in spec.properties if p.name in names]


def vector_layer(spec: LayerSpec, lang: str = "id", principal: Principal = ANONYMOUS) -> dict[str, Any]:
    """TileJSON's vector_layers entry: the MVT layer's name and the fields this principal gets."""
    fields = {"fid": "Number"}
    fields.update({p.name: TILEJSON_TYPES[p.type] for p in _properties(spec, principal)})
    return {"id": spec.id, "description": spec.title.get(lang), "minzoom": spec.zoom.min,
            "maxzoom": min(spec.zoom.max, MAX_ZOOM), "fields": fields}


def ogc_layer(spec: LayerSpec, lang: str = "id", principal: Principal = ANONYMOUS) -> dict[str, Any]:
    """The tileset's `layers` entry (OGC Tile Set Metadata), with a JSON schema of the properties."""
    properties = {"fid": {"type": "integer", "title": "fid"}}
    properties.update({p.name: {"type": JSON_SCHEMA_TYPES[p.type], "title": p.title.get(lang)}
                       for p in _properties(spec, principal)})
    dimension = 0 if "Point" in spec.geometry else 1 if "Line" in spec.geometry else 2
    return {"id": spec.id, "title": spec.title.get(lang), "dataType": "vector", "geometryDimension": dimension,
            "minTileMatrix": str(spec.zoom.min), "maxTileMatrix": str(min(spec.zoom.max, MAX_ZOOM)),
            "propertiesSchema": {"type": "object", "properties": properties}}


def tileset(specs: list[LayerSpec], bounds: tuple[float, float, float, float], base: str,
            collection: str | None, lang: str = "id", principal: Principal = ANONYMOUS) -> dict[str, Any]:
    """Tileset metadata (OGC Tile Set Metadata) with TileJSON 3.0 fields alongside.

    `collection` is None for the multi-layer tileset at /tiles/WebMercatorQuad.
    """
    min_zoom = min(s.zoom.min for s in specs)
    max_zoom = min(max(s.zoom.max for s in specs), MAX_ZOOM)
    self_href, template = _tileset_links(base, collection)
    xyz = template.replace("{tileMatrix}", "{z}").replace("{tileCol}", "{x}").replace("{tileRow}", "{y}")
    title = specs[0].title.get(lang) if collection else "Medan WebGIS"
    x0, y0, x1, y1 = bounds
    return {
        "title": title,
        "description": (f"Vector tiles built by PostGIS (extent {EXTENT}, buffer {BUFFER}); at most "
                        f"{MAX_FEATURES_PER_TILE} features per layer per tile (the first the spatial index "
                        "returns; deeper zooms hold them all), lines and polygons simplified to half a pixel; "
                        "only the properties the caller may read are included, private ones only for roles "
                        "that may write the layer. properties=a,b keeps only those (fid is always the feature "
                        "id); an unknown name is 400."),
        "dataType": "vector",
        "crs": CRS_3857,
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": matrix_limits(bounds, min_zoom, max_zoom),
        "boundingBox": {"lowerLeft": [x0, y0], "upperRight": [x1, y1], "crs": CRS84},
        "layers": [ogc_layer(s, lang, principal) for s in specs],
        "links": [
            link(self_href, "self"),
            link(f"{base}/tileMatrixSets/{TILE_MATRIX_SET}", REL_TILING_SCHEME),
            link(template, "item", MVT, templated=True),
        ],
        # TileJSON 3.0.0, for MapLibre/Leaflet clients that read it directly.
        "tilejson": "3.0.0",
        "name": title,
        "scheme": "xyz",
        "tiles": [xyz],
        "minzoom": min_zoom,
        "maxzoom": max_zoom,
        "bounds": [x0, y0, x1, y1],
        "center": [(x0 + x1) / 2, (y0 + y1) / 2, max(min_zoom, min(12, max_zoom))],
        "attribution": "; ".join(dict.fromkeys(s.source.attribution for s in specs)),
        "vector_layers": [vector_layer(s, lang, principal) for s in specs],
    }
