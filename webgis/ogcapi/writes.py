"""Part 4 routes: create, replace, update and delete features, through the core's write API.

Validation and history live in layers.features; this module only parses the
body, the token and the preconditions.

The If-Match policy (issue 17): the generic editing clients send none (OWSLib's
collection_item_update/delete; QGIS 3.32+'s OAPIF provider, whose PUT, PATCH
and DELETE carry no precondition), so
- with `If-Match: "vN"` the write happens only if the feature is still at
  version N (412 Precondition Failed otherwise, nothing changed), and
  `If-Match: *` means "whatever its version, but it must exist";
- without If-Match the write is accepted (last writer wins). Every writer is
  authenticated (layers.access decides who may write), and the history
  (core.feature_history) keeps the actor and the whole row it overwrote,
  version included, so who overwrote which version is always on record and
  can be restored (`webgis layers history/restore`).
Clients that can, should send If-Match: the ETag of GET and of every write answer.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from flask import Response, current_app, request

from layers import delete_feature, insert_features, update_feature
from layers.features.geojson import read_item
from layers.queries import CRS84, SUPPORTED_CRS, Crs, QueryError, parse_crs_uri
from webgis.accounts.principal import principal_from_request
from webgis.auth import require_write_access
from webgis.errors import (
    BadRequest,
    NotFound,
    PreconditionFailed,
    UnsupportedMediaType,
)
from webgis.ogcapi.views import base_url, blueprint, feature_id, readable_spec, rows_reached

JSON_BODY_TYPES = ("application/geo+json", "application/json", "application/merge-patch+json")
# One POST of a FeatureCollection is one transaction; bigger loads go through the
# import CLI (layers/files.py), which streams and reports per row.
MAX_FEATURES_PER_POST = 10_000
# Either representation's ETag names the version (webgis/representation.py): staff editing from the
# private representation send "v3-private".
VERSION_TAG = re.compile(r'^(?:W/)?"v([0-9]{1,9})(?:-private)?"$')


def _engine() -> Any:
    return current_app.extensions["engine"]


def _body() -> dict:
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_BODY_TYPES:
        raise UnsupportedMediaType(f"send the feature as application/geo+json, not {mimetype}")
    try:
        body = orjson.loads(request.get_data(cache=False) or b"")
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a GeoJSON Feature object (or a FeatureCollection, to create several)")
    return body


def _feature(body: dict) -> dict:
    if body.get("type") != "Feature":
        raise BadRequest('the body is not a GeoJSON Feature (it needs "type": "Feature")')
    return body


def _input_crs(feature: dict) -> tuple[dict, str | None]:
    """The feature with lon/lat axes and the CRS to hand to the core (from Content-Crs)."""
    header = request.headers.get("Content-Crs")
    try:
        crs = parse_crs_uri(header.strip().strip("<>") if header else None, "Content-Crs")
    except QueryError as exc:
        raise BadRequest(exc.message) from None
    feature = _without_crs_member(feature, crs, header)
    if not header:
        return feature, None
    if crs.lat_lon and isinstance(feature.get("geometry"), dict):
        feature = {**feature, "geometry": _swap_axes(feature["geometry"])}
        return feature, None
    return feature, None if crs.srid == 4326 else f"EPSG:{crs.srid}"


def _without_crs_member(feature: dict, crs: Crs, header: str | None) -> dict:
    """The feature without the `crs` member of GeoJSON 2008, which RFC 7946 removed: accepted when it names
    the CRS the coordinates are in (Content-Crs, else CRS84), refused when it contradicts it."""
    geometry = feature.get("geometry")
    holders = [("the feature", feature)] + ([("the geometry", geometry)] if isinstance(geometry, dict) else [])
    for where, holder in holders:
        if "crs" not in holder:
            continue
        member = holder["crs"]
        name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
        try:
            named = parse_crs_uri(name, "crs") if isinstance(name, str) else None
        except QueryError:
            named = None
        if named is None:
            raise BadRequest(f"the crs member of {where} names no CRS this server knows ({member!r}); RFC 7946 "
                             "removed crs: leave it out and send the CRS in the Content-Crs header")
        if named.srid != crs.srid:
            said = f"Content-Crs says <{crs.uri}>" if header else "without Content-Crs the coordinates are CRS84"
            raise BadRequest(f"the crs member of {where} says {name} but {said}; send the CRS once, in "
                             "Content-Crs (RFC 7946 removed crs)")
    if isinstance(geometry, dict) and "crs" in geometry:
        feature = {**feature, "geometry": {k: v for k, v in geometry.items() if k != "crs"}}
    return {k: v for k, v in feature.items() if k != "crs"}


def _swap_axes(geometry: dict) -> dict:
    def swap(coordinates: Any) -> Any:
        if isinstance(coordinates, list | tuple) and coordinates and isinstance(coordinates[0], int | float):
            return [coordinates[1], coordinates[0], *coordinates[2:]]
        if isinstance(coordinates, list | tuple):
            return [swap(c) for c in coordinates]
        return coordinates

    return {**geometry, "coordinates": swap(geometry.get("coordinates"))}


def _expected_version() -> int | None:
    """The version If-Match names; None for `*` or no If-Match (see the policy above)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    for tag in header.split(","):
        match = VERSION_TAG.match(tag.strip())
        if match:
            return int(match.group(1))
    raise PreconditionFailed(f"If-Match {header!r} names no version of this feature")


def reached_feature(spec: Any, item_id: str) -> int:
    """The fid of a feature this principal reaches (layers.access row rules), else 404 before the body is
    read: a row outside the scope answers like a missing one, whatever is sent."""
    fid = feature_id(item_id, spec)
    scope = rows_reached(spec)
    if scope is not None and read_item(_engine(), spec.id, fid, SUPPORTED_CRS[CRS84], scope=scope) is None:
        raise NotFound(f"no feature {fid} in collection {spec.id}")
    return fid


def _item_url(collection_id: str, fid: int) -> str:
    return f"{base_url()}collections/{collection_id}/items/{fid}"


def _collection_features(body: dict) -> list[dict]:
    features = body.get("features")
    if not isinstance(features, list) or not features:
        raise BadRequest('a FeatureCollection to create needs a non-empty "features" array')
    if len(features) > MAX_FEATURES_PER_POST:
        raise BadRequest(f"at most {MAX_FEATURES_PER_POST} features per request, not {len(features)}; "
                         "load bigger files with the import command")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise BadRequest(f'features[{index}] is not a GeoJSON Feature (it needs "type": "Feature"); '
                             "nothing was created")
    return features


@blueprint.post("/collections/<collection_id>/items")
def create_item(collection_id: str) -> Response:
    """One Feature: 201 with Location and ETag (Part 4). A FeatureCollection: every
    feature or none, in one transaction; 201 with a JSON body listing the new ids
    and one `item` link each (a response has one Location, so the
    collection's items URL goes there)."""
    spec = readable_spec(collection_id)
    actor = require_write_access(spec)
    body = _body()
    if body.get("type") == "FeatureCollection":
        features = [_input_crs(f) for f in _collection_features(body)]
        crs = features[0][1]
        fids = insert_features(_engine(), spec.id, [f for f, _ in features], actor=actor, crs=crs,
                                principal=principal_from_request())
        document = {"numberCreated": len(fids), "ids": fids,
                    "links": [{"href": _item_url(spec.id, fid), "rel": "item", "type": "application/geo+json"}
                              for fid in fids]}
        return Response(orjson.dumps(document), status=201, mimetype="application/json",
                        headers={"Location": f"{base_url()}collections/{spec.id}/items"})
    feature, crs = _input_crs(_feature(body))
    (fid,) = insert_features(_engine(), spec.id, [feature], actor=actor, crs=crs,
                                principal=principal_from_request())
    return Response(status=201, headers={"Location": _item_url(spec.id, fid), "ETag": '"v1"'})


@blueprint.put("/collections/<collection_id>/items/<item_id>")
def replace_item(collection_id: str, item_id: str) -> Response:
    spec = readable_spec(collection_id)
    actor = require_write_access(spec)
    fid = reached_feature(spec, item_id)
    feature, crs = _input_crs(_feature(_body()))
    expected = _expected_version()
    version = update_feature(_engine(), spec.id, fid, feature, actor=actor, expected_version=expected, crs=crs,
                             principal=principal_from_request())
    return Response(status=204, headers={"ETag": f'"v{version}"'})


@blueprint.patch("/collections/<collection_id>/items/<item_id>")
def update_item(collection_id: str, item_id: str) -> Response:
    """JSON merge patch (RFC 7396) of the properties and/or the geometry."""
    spec = readable_spec(collection_id)
    actor = require_write_access(spec)
    fid = reached_feature(spec, item_id)
    body = _body()
    unknown = set(body) - {"type", "id", "properties", "geometry"}
    if unknown:
        raise BadRequest(f"a patch may change properties and geometry only, not {', '.join(sorted(unknown))}")
    if "geometry" in body and body["geometry"] is None:
        raise BadRequest("the geometry cannot be removed (every feature needs one)")
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise BadRequest("properties must be an object")
    patch = {"type": "Feature", "properties": properties, "geometry": body.get("geometry")}
    patch, crs = _input_crs(patch)
    expected = _expected_version()
    version = update_feature(_engine(), spec.id, fid, patch, actor=actor, expected_version=expected,
                             partial=True, crs=crs, principal=principal_from_request())
    return Response(status=204, headers={"ETag": f'"v{version}"'})


@blueprint.delete("/collections/<collection_id>/items/<item_id>")
def delete_item(collection_id: str, item_id: str) -> Response:
    spec = readable_spec(collection_id)
    actor = require_write_access(spec)
    fid = reached_feature(spec, item_id)
    expected = _expected_version()
    delete_feature(_engine(), spec.id, fid, actor=actor, expected_version=expected, principal=principal_from_request())
    return Response(status=204)
