"""The OGC API documents (landing, conformance, collections, queryables) built from the registry.

Flask-free: every function takes the service's base URL (ending in "/") and
returns plain dicts that the views serialise as JSON or render as HTML.
"""

from __future__ import annotations

from typing import Any

from layers.model import LayerSpec, PropertySpec
from layers.queries import CRS84, SUPPORTED_CRS, layer_sql
from layers.registry import get_registry

OGC = "http://www.opengis.net/spec/"
CONFORMANCE = [
    OGC + "ogcapi-features-1/1.0/conf/core",
    OGC + "ogcapi-features-1/1.0/conf/oas30",
    OGC + "ogcapi-features-1/1.0/conf/html",
    OGC + "ogcapi-features-1/1.0/conf/geojson",
    OGC + "ogcapi-features-2/1.0/conf/crs",
    OGC + "ogcapi-features-3/1.0/conf/queryables",
    OGC + "ogcapi-features-3/1.0/conf/queryables-query-parameters",
    OGC + "ogcapi-features-3/1.0/conf/filter",
    OGC + "ogcapi-features-3/1.0/conf/features-filter",
    OGC + "ogcapi-features-4/1.0/conf/create-replace-delete",
    OGC + "ogcapi-features-4/1.0/conf/update",
    OGC + "ogcapi-features-4/1.0/conf/features",
    OGC + "ogcapi-features-5/1.0/conf/schemas",
    OGC + "ogcapi-features-5/1.0/conf/returnables-and-receivables",
    OGC + "cql2/1.0/conf/cql2-text",
    OGC + "cql2/1.0/conf/cql2-json",
    OGC + "cql2/1.0/conf/basic-cql2",
    OGC + "cql2/1.0/conf/advanced-comparison-operators",
    OGC + "cql2/1.0/conf/case-insensitive-comparison",
    OGC + "cql2/1.0/conf/basic-spatial-functions",
    OGC + "cql2/1.0/conf/basic-spatial-functions-plus",
    OGC + "cql2/1.0/conf/spatial-functions",
    OGC + "cql2/1.0/conf/temporal-functions",
    OGC + "ogcapi-common-1/1.0/conf/core",
    OGC + "ogcapi-common-2/1.0/conf/collections",
]
# Listed only when the tiles blueprint serves routes (another room builds it).
TILES_CONFORMANCE = [
    OGC + "ogcapi-tiles-1/1.0/conf/core",
    OGC + "ogcapi-tiles-1/1.0/conf/tileset",
    OGC + "ogcapi-tiles-1/1.0/conf/tilesets-list",
    OGC + "ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    OGC + "ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    OGC + "ogcapi-tiles-1/1.0/conf/mvt",
    OGC + "tms/2.0/conf/tilematrixset",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
TITLE = "Medan WebGIS — OGC API"
DESCRIPTION = "Layer peta Kota Medan melalui OGC API – Features (Bagian 1–4). Map layers of Kota Medan."


def link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def self_links(url: str, fmt: str, json_type: str = JSON) -> list[dict]:
    """`self` and `alternate` for a resource served as JSON and HTML; `url` has no f parameter."""
    join = "&" if "?" in url else "?"
    json_link = link(f"{url}{join}f=json", "self" if fmt == "json" else "alternate", json_type, "this document as JSON")
    html_link = link(f"{url}{join}f=html", "self" if fmt == "html" else "alternate", HTML, "this document as HTML")
    return [json_link, html_link] if fmt == "json" else [html_link, json_link]


def public_layers() -> list[LayerSpec]:
    return [spec for spec in get_registry() if spec.access.is_public]


def landing(base: str, fmt: str, tiles: bool) -> dict[str, Any]:
    links = self_links(base, fmt) + [
        link(f"{base}api", "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)"),
        link(f"{base}api?f=html", "service-doc", HTML, "the API documentation"),
        link(f"{base}conformance", "conformance", JSON, "conformance classes implemented"),
        link(f"{base}collections", "data", JSON, "the collections (map layers)"),
    ]
    if tiles:
        links.append(link(f"{base}tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                          JSON, "tile matrix sets"))
        # OGC 20-057 /req/dataset-tilesets/landingpage
        links.append(link(f"{base}tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                          JSON, "vector tiles of every layer"))
    return {"title": TITLE, "description": DESCRIPTION, "links": links}


def conformance(tiles: bool) -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE + (TILES_CONFORMANCE if tiles else [])}


def collection(base: str, spec: LayerSpec, fmt: str, lang: str, tiles: bool,
               extent: tuple[list[float] | None, list[str | None] | None] | None = None) -> dict[str, Any]:
    url = f"{base}collections/{spec.id}"
    links = self_links(url, fmt) + [
        link(f"{url}/items?f=json", "items", GEOJSON, "the features as GeoJSON"),
        link(f"{url}/items?f=html", "items", HTML, "the features as HTML"),
        link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA,
             "queryable properties"),
        # Part 5 /req/returnables-and-receivables/link
        link(f"{url}/schema", "http://www.opengis.net/def/rel/ogc/1.0/schema", SCHEMA, "the features' schema"),
        # The GeoJSON Feature schema, where GDAL's OAPIF driver (3.x) takes its field types. Spelled
        # describedBy: GDAL compares it case-sensitively; RFC 8288 2.1.1 makes the two spellings one relation.
        link(f"{url}/schema/geojson", "describedBy", SCHEMA, "JSON Schema of the GeoJSON features"),
    ]
    if spec.source.url:
        links.append(link(spec.source.url, "license", HTML, spec.source.license))
    if tiles and spec.access.is_public:  # the tiles serve public layers only (webgis/tiles)
        links.append(link(f"{url}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                          JSON, "vector tiles of this collection"))
    document: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title.get(lang),
        "description": spec.description.get(lang),
        "itemType": "feature",
        "crs": list(SUPPORTED_CRS),
        "storageCrs": CRS84,
        "attribution": spec.source.attribution,
        "links": links,
    }
    bbox, interval = extent or (None, None)
    spatial: dict[str, Any] = {"crs": CRS84}
    if bbox:
        spatial["bbox"] = [bbox]
    document["extent"] = {"spatial": spatial}
    if spec.temporal:
        document["extent"]["temporal"] = {
            "interval": [interval or [None, None]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return document


def collections(base: str, fmt: str, lang: str, tiles: bool, extents: dict[str, Any],
                layers: list[LayerSpec] | None = None) -> dict[str, Any]:
    """The collections document; `layers` are those the principal may read (default: the public ones)."""
    return {
        "links": self_links(f"{base}collections", fmt),
        "collections": [collection(base, spec, "json", lang, tiles, extents.get(spec.id))
                        for spec in (public_layers() if layers is None else layers)],
        "crs": list(SUPPORTED_CRS),
    }


JSON_SCHEMA_TYPES = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
    "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


# UCUM symbols the declarations use; any other word is a count, which UCUM writes as an annotation ({jiwa}).
UCUM_SYMBOLS = {"%", "m", "km", "cm", "mm", "ha", "s", "min", "h", "d", "a", "g", "kg", "t", "l", "Cel", "W", "kW",
                "kWh", "V", "A", "Hz", "Pa", "hPa", "bar", "mbar"}


def ucum(unit: str) -> str:
    """A declared unit in UCUM's case-sensitive syntax (Part 5 /req/schemas/unit C): km² -> km2, veh/h -> {veh}/h."""
    def part(text: str) -> str:
        plain = text.strip().replace("²", "2").replace("³", "3")
        return plain if plain.rstrip("23") in UCUM_SYMBOLS else "{" + plain + "}"

    return "/".join(part(p) for p in unit.split("/"))


def _geometry_schema(spec: LayerSpec) -> dict[str, Any]:
    """Part 5 /req/schemas/properties C: a spatial property has a format, no type."""
    return {"title": "geometry", "format": f"geometry-{spec.geometry.lower()}", "x-ogc-role": "primary-geometry"}


def _property_schema(spec: LayerSpec, prop: PropertySpec, lang: str, nullable: bool = False) -> dict[str, Any]:
    """One declared property as JSON Schema (Part 5 /req/schemas/properties, /rec/schemas/properties);
    `nullable`: an optional property's value may be null (as the items carry it)."""
    schema = dict(JSON_SCHEMA_TYPES[prop.type])
    if nullable and not prop.required:
        schema["type"] = [schema["type"], "null"]
    schema["title"] = prop.title.get(lang)
    if prop.description:
        schema["description"] = prop.description.get(lang)
    if prop.allowed is not None:
        # An optional property may be null: JSON Schema's enum must list null too, or a null that
        # the type allows is refused by the enum (permits_public's business kind, null for a PBG).
        schema["enum"] = list(prop.allowed) + ([None] if nullable and not prop.required else [])
    if prop.minimum is not None:
        schema["minimum"] = prop.minimum
    if prop.maximum is not None:
        schema["maximum"] = prop.maximum
    if prop.max_length is not None:
        schema["maxLength"] = prop.max_length
    if prop.unit:
        schema["x-ogc-unit"] = ucum(prop.unit)
    if prop.name == spec.temporal:
        schema["x-ogc-role"] = "primary-instant"
    return schema


def queryables(base: str, spec: LayerSpec, lang: str, private: bool = False) -> dict[str, Any]:
    """The queryables as a JSON Schema (Part 3), with the geometry as `geometry`."""
    layer = layer_sql(spec.id, private)
    properties: dict[str, Any] = {"geometry": _geometry_schema(spec)}
    for name, prop in layer.queryable.items():
        properties[name] = _property_schema(spec, prop, lang)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}collections/{spec.id}/queryables",
        "type": "object",
        "title": spec.title.get(lang),
        "properties": properties,
        "additionalProperties": False,
    }


def schema(base: str, spec: LayerSpec, lang: str, private: bool = False) -> dict[str, Any]:
    """The features' schema (Part 5 /req/returnables-and-receivables), derived from the declaration:
    every property this principal reads, in declaration order, with its type, its constraints and
    whether it is required; `source` is written by the server (readOnly). GDAL's OAPIF driver reads
    the field types from here instead of guessing them from the first page."""
    properties: dict[str, Any] = {
        "fid": {"title": "fid", "type": "integer", "readOnly": True, "x-ogc-role": "id"},
        "geometry": _geometry_schema(spec),
    }
    properties.update(_declared_properties(spec, lang, private, nullable=True))
    for sequence, entry in enumerate(properties.values(), start=1):
        entry["x-ogc-propertySeq"] = sequence
    return _object_schema(f"{base}collections/{spec.id}/schema", spec, lang, properties, _required(spec, private))


def feature_schema(base: str, spec: LayerSpec, lang: str, private: bool = False) -> dict[str, Any]:
    """JSON Schema of one GeoJSON Feature as the items carry it, the `describedBy` document of GDAL's
    OAPIF driver, which takes the field types from its `properties` (JSON types only: GDAL reads
    `"type": ["integer", "null"]` as unknown, so a value left out may be null, as said in `description`)."""
    properties = _declared_properties(spec, lang, private, nullable=False)
    return _object_schema(f"{base}collections/{spec.id}/schema/geojson", spec, lang, {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "integer", "readOnly": True},
        "geometry": {"type": "object", "format": f"geometry-{spec.geometry.lower()}"},
        "properties": {"type": "object", "properties": properties, "required": _required(spec, private),
                       "additionalProperties": False,
                       "description": "a property that is not required may be null"},
        "links": {"type": "array", "items": {"type": "object"}},
    }, ["type", "id", "geometry", "properties"])


def _declared_properties(spec: LayerSpec, lang: str, private: bool, *, nullable: bool) -> dict[str, Any]:
    """The properties this principal reads, in declaration order, then `source` (set by the server)."""
    properties = {p.name: _property_schema(spec, p, lang, nullable) for p in layer_sql(spec.id, private).readable.values()}
    properties["source"] = {"title": "source", "type": "string", "readOnly": True,
                            "description": "where the feature comes from (set by the server)"}
    return properties


def _required(spec: LayerSpec, private: bool) -> list[str]:
    return [p.name for p in layer_sql(spec.id, private).readable.values() if p.required]


def _object_schema(url: str, spec: LayerSpec, lang: str, properties: dict[str, Any],
                   required: list[str]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": spec.title.get(lang),
        "description": spec.description.get(lang),
        "properties": properties,
        **({"required": required} if required else {}),
        "additionalProperties": False,
    }
