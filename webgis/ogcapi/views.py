"""Read routes of OGC API – Features: parse the request, call a Flask-free function, serialise.

The blueprint is this module's; writes.py adds the Part 4 routes to it (webgis/app.py imports both).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, current_app, render_template, request

from layers.access import RowScope, can_read, can_see_private, readable_layers, row_scope
from layers.features.geojson import ItemsStream, Page, number_matched, read_extent, read_item
from layers.model import LayerSpec
from layers.queries import ItemsQuery, QueryError, extent_sql, layer_sql, parse_crs_uri
from layers.registry import get_registry
from webgis.accounts.principal import principal_from_request
from webgis.errors import BadRequest, NotFound
from webgis.ogcapi import documents
from webgis.ogcapi.openapi import openapi_document
from webgis.ogcapi.params import (
    ITEM_PARAMETERS,
    encode_cursor,
    is_expensive,
    parse_items_query,
    reject_unknown,
)
from webgis.readroute import read_engine
from webgis.representation import mark_private, representation_etag
from webgis.security import rate_limit

blueprint = Blueprint("ogcapi", __name__)
FEATURE_ID = re.compile(r"^[0-9]{1,18}$")
JSON_TYPES = ["application/json", "application/geo+json", "application/vnd.oai.openapi+json",
              "application/schema+json", "text/html"]
EXTENT_TTL_SECONDS = 60.0


# ---------------------------------------------------------------- helpers

def output_format() -> str:
    """json or html, from ?f= or else the Accept header (JSON when nothing is preferred)."""
    f = request.args.get("f")
    if f is not None:
        if f in ("json", "geojson"):
            return "json"
        if f == "html":
            return "html"
        raise BadRequest(f"f must be json, geojson or html, not {f!r}")
    best = request.accept_mimetypes.best_match(JSON_TYPES, default="application/json")
    return "html" if best == "text/html" else "json"


def language() -> str:
    return request.accept_languages.best_match(["id", "en"], default="id")


def base_url() -> str:
    return request.url_root


def readable_spec(collection_id: str) -> LayerSpec:
    """A collection this request's principal may read (layers.access); others do not exist for it (404)."""
    registry = get_registry()
    if collection_id not in registry or not can_read(registry.get(collection_id), principal_from_request()):
        raise NotFound(f"no collection {collection_id!r}; see /collections for the list")
    spec = registry.get(collection_id)
    if not spec.access.is_public:
        mark_private()  # the public is told it does not exist
    return spec


def sees_private(spec: LayerSpec) -> bool:
    """Whether this request's principal sees the layer's private properties (layers.access decides)."""
    private = can_see_private(spec, principal_from_request())
    if private:
        mark_private()
    return private


def rows_reached(spec: LayerSpec) -> RowScope | None:
    """The rows of the layer this request's principal reaches (layers.access decides; None = all)."""
    return row_scope(spec, principal_from_request())


def visible_layers() -> list[LayerSpec]:
    layers = readable_layers(principal_from_request())
    if any(not spec.access.is_public for spec in layers):
        mark_private()  # a longer list than the public's
    return layers


def feature_id(text: str, spec: LayerSpec) -> int:
    if not FEATURE_ID.match(text):
        raise NotFound(f"no feature {text!r} in collection {spec.id} (feature ids are whole numbers)")
    return int(text)


def tiles_available() -> bool:
    """Whether the tiles blueprint serves anything (another room builds it)."""
    cached = current_app.extensions.get("ogcapi.tiles")
    if cached is None:
        cached = any(rule.endpoint.startswith("tiles.") for rule in current_app.url_map.iter_rules())
        current_app.extensions["ogcapi.tiles"] = cached
    return cached


def has_leaflet() -> bool:
    static = current_app.static_folder
    return bool(static) and (Path(static) / "vendor" / "leaflet" / "leaflet.js").exists()


def json_response(document: Any, mimetype: str = "application/json", **headers: str) -> Response:
    return Response(orjson.dumps(document), mimetype=mimetype, headers=headers)


def html_response(template: str, **context: Any) -> Response:
    body = render_template(f"ogcapi/{template}", has_leaflet=has_leaflet(), lang=language(), **context)
    return Response(body, mimetype="text/html")


def script_json(text: str) -> str:
    """JSON safe inside <script type="application/json">: a '</script>' in a value cannot end the block."""
    return text.replace("<", "\\u003c")


def connection() -> Any:
    """A psycopg2 connection for reads that may be slightly stale (a replica's, or the primary's:
    webgis/readroute.py) from its SQLAlchemy pool; close() gives it back."""
    return read_engine().raw_connection()


def database_name() -> str:
    return read_engine().url.database or ""


_extents: dict[tuple[str, str], tuple[float, Any]] = {}


def layer_extent(spec: LayerSpec) -> Any:
    """(bbox, time interval) of a layer, cached a minute: a full scan is too dear per request."""
    key = (database_name(), spec.id)
    cached = _extents.get(key)
    if cached and time.monotonic() - cached[0] < EXTENT_TTL_SECONDS:
        return cached[1]
    conn = connection()
    try:
        value = read_extent(conn, extent_sql(spec.id))
    finally:
        conn.close()
    _extents[key] = (time.monotonic(), value)
    return value


# ---------------------------------------------------------------- documents

@blueprint.get("/")
def landing() -> Any:
    fmt = request.args.get("f")
    if fmt is None and output_format() == "html":
        homepage = current_app.view_functions.get("pages.homepage")
        if homepage is not None:
            return homepage()  # a browser's plain visit goes to the citizen map
    fmt = output_format()
    document = documents.landing(base_url(), fmt, tiles_available())
    if fmt == "html":
        return html_response("landing.html", doc=document, title=document["title"])
    return json_response(document)


@blueprint.get("/conformance")
def conformance() -> Any:
    fmt = output_format()
    document = documents.conformance(tiles_available())
    if fmt == "html":
        return html_response("conformance.html", doc=document, title="Conformance",
                             links=documents.self_links(f"{base_url()}conformance", fmt))
    return json_response(document)


@blueprint.get("/api")
def api() -> Any:
    fmt = output_format()
    document = openapi_document(base_url(), visible_layers())
    if fmt == "html":
        return html_response("api.html", doc=document, title="API",
                             links=documents.self_links(f"{base_url()}api", fmt, documents.OPENAPI))
    return json_response(document, documents.OPENAPI)


@blueprint.get("/collections")
def collections() -> Any:
    fmt = output_format()
    layers = visible_layers()
    extents = {spec.id: layer_extent(spec) for spec in layers}
    document = documents.collections(base_url(), fmt, language(), tiles_available(), extents, layers)
    if fmt == "html":
        return html_response("collections.html", doc=document, title="Collections")
    return json_response(document)


@blueprint.get("/collections/<collection_id>")
def collection(collection_id: str) -> Any:
    spec = readable_spec(collection_id)
    fmt = output_format()
    document = documents.collection(base_url(), spec, fmt, language(), tiles_available(), layer_extent(spec))
    if fmt == "html":
        return html_response("collection.html", doc=document, title=document["title"], spec=spec)
    return json_response(document)


@blueprint.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Any:
    spec = readable_spec(collection_id)
    fmt = output_format()
    document = documents.queryables(base_url(), spec, language(), sees_private(spec))
    if fmt == "html":
        return html_response("queryables.html", doc=document, title=f"Queryables: {spec.id}",
                             links=documents.self_links(f"{base_url()}collections/{spec.id}/queryables", fmt,
                                                        documents.SCHEMA))
    return json_response(document, documents.SCHEMA)


@blueprint.get("/collections/<collection_id>/schema")
def schema(collection_id: str) -> Any:
    """Part 5's schema of the features (the logical model); HTML as a table."""
    spec = readable_spec(collection_id)
    fmt = output_format()
    document = documents.schema(base_url(), spec, language(), sees_private(spec))
    if fmt == "html":
        return html_response("queryables.html", doc=document, title=f"Schema: {spec.id}",
                             links=documents.self_links(f"{base_url()}collections/{spec.id}/schema", fmt,
                                                        documents.SCHEMA))
    return json_response(document, documents.SCHEMA)


@blueprint.get("/collections/<collection_id>/schema/geojson")
def feature_schema(collection_id: str) -> Any:
    """The GeoJSON Feature's schema (the collection's describedBy link, for GDAL)."""
    spec = readable_spec(collection_id)
    reject_unknown(request.args, ("f",))
    if request.args.get("f", "json") != "json":
        raise BadRequest("this schema is JSON only (f=json)")
    return json_response(documents.feature_schema(base_url(), spec, language(), sees_private(spec)), documents.SCHEMA)


# ---------------------------------------------------------------- features

def _page_links(spec: LayerSpec, query: ItemsQuery, fmt: str) -> Callable[[Page], list[dict]]:
    """Links of an items page; built from the request now, used when the stream ends."""
    root = base_url()
    url = f"{root}collections/{spec.id}/items"
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("f", "offset", "cursor")]

    def href(extra: list[tuple[str, Any]], f: str) -> str:
        return f"{url}?{urlencode(args + extra + [('f', f)])}"

    here: list[tuple[str, Any]] = []
    if request.args.get("cursor"):
        here = [("cursor", request.args["cursor"])]
    elif query.offset:
        here = [("offset", query.offset)]

    def links(page: Page) -> list[dict]:
        json_self = documents.link(href(here, "json"), "self" if fmt == "json" else "alternate",
                                   documents.GEOJSON, "this page as GeoJSON")
        html_self = documents.link(href(here, "html"), "self" if fmt == "html" else "alternate",
                                   documents.HTML, "this page as HTML")
        result = [json_self, html_self] if fmt == "json" else [html_self, json_self]
        kind, kind_type = ("json", documents.GEOJSON) if fmt == "json" else ("html", documents.HTML)
        if page.has_next:
            if query.sortby or page.last_fid is None:
                following = [("offset", query.offset + query.limit)]
            else:
                following = [("cursor", encode_cursor(page.last_fid, query.offset + page.returned))]
            result.append(documents.link(href(following, kind), "next", kind_type, "next page"))
        if query.offset > 0:
            previous = [("offset", max(0, query.offset - query.limit))]
            result.append(documents.link(href(previous, kind), "prev", kind_type, "previous page"))
        result.append(documents.link(f"{root}collections/{spec.id}", "collection", documents.JSON,
                                     "the collection"))
        return result

    return links


@blueprint.get("/collections/<collection_id>/items")
@rate_limit("EXPENSIVE_QUERY_RATE_LIMIT", "300 per minute", scope="expensive",
            per_address=("EXPENSIVE_QUERY_RATE_LIMIT_PER_ADDRESS", "1200 per minute"),
            exempt_when=lambda: not is_expensive(request.args))
def items(collection_id: str) -> Any:
    spec = readable_spec(collection_id)
    fmt = output_format()
    query = parse_items_query(spec, request.args, private=sees_private(spec))
    query.scope = rows_reached(spec)
    links = _page_links(spec, query, fmt)
    database = database_name()
    try:
        stream = ItemsStream(connection(), query, links)
    except QueryError as exc:
        raise BadRequest(exc.message) from None
    headers = {"Content-Crs": f"<{query.crs.uri}>"}
    if fmt == "html":
        try:
            features = [orjson.loads(text) for _, text in stream.features()]
            matched = number_matched(stream.connection, database, stream.page)
        finally:
            stream.close()
        columns = list(layer_sql(spec.id, query.private).readable.values())
        return html_response("items.html", spec=spec, columns=columns, features=features, links=links(stream.page),
                             matched=matched, title=spec.title.get(language()),
                             geojson=script_json(orjson.dumps({"type": "FeatureCollection", "features": features}).decode()))
    body = stream.geojson(lambda page: number_matched(stream.connection, database, page))
    return Response(body, mimetype="application/geo+json", headers=headers)


@blueprint.get("/collections/<collection_id>/items/<item_id>")
def item(collection_id: str, item_id: str) -> Any:
    spec = readable_spec(collection_id)
    fmt = output_format()
    reject_unknown(request.args, ITEM_PARAMETERS)
    fid = feature_id(item_id, spec)
    try:
        crs = parse_crs_uri(request.args.get("crs"), "crs")
    except QueryError as exc:
        raise BadRequest(exc.message) from None
    private = sees_private(spec)
    found = read_item(read_engine(), spec.id, fid, crs, private=private,
                      scope=rows_reached(spec))
    if found is None:
        raise NotFound(f"no feature {fid} in collection {spec.id}")
    version, text = found
    collection_url = f"{base_url()}collections/{spec.id}"
    links = documents.self_links(f"{collection_url}/items/{fid}", fmt, documents.GEOJSON) + [
        documents.link(collection_url, "collection", documents.JSON, "the collection")]
    if fmt == "html":
        feature = orjson.loads(text)
        return html_response("item.html", spec=spec, feature=feature, links=links, title=f"{spec.id} {fid}",
                             geojson=script_json(text))
    body = text[:-1] + ',"links":' + orjson.dumps(links).decode() + "}"
    return Response(body, mimetype="application/geo+json",
                    headers={"ETag": representation_etag(version, private), "Content-Crs": f"<{crs.uri}>"})
