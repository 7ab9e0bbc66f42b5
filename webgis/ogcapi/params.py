"""Query parameters of the OGC API routes, parsed into the core's query objects.

Flask-free: takes the query string as a MultiDict-like mapping, returns
layers.queries.ItemsQuery or raises BadRequest naming the parameter.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from layers.cql import compile_filter, parse_filter
from layers.model import LayerSpec
from layers.queries import (
    ItemsQuery,
    LayerSQL,
    QueryError,
    check_bbox,
    layer_sql,
    parse_crs_uri,
    parse_datetime_param,
)
from layers.validate import coerce_value
from webgis.errors import BadRequest

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# datetime is on every items endpoint (Part 1 /req/core/fc-time-definition), with or without a temporal property.
ITEMS_PARAMETERS = ("f", "limit", "offset", "cursor", "bbox", "bbox-crs", "crs", "datetime", "properties",
                    "sortby", "filter", "filter-lang", "filter-crs")
ITEM_PARAMETERS = ("f", "crs")


def allowed_item_parameters(spec: LayerSpec, private: bool = False) -> set[str]:
    layer = layer_sql(spec.id, private)
    return set(ITEMS_PARAMETERS) | set(layer.queryable)


def reject_unknown(args: Any, allowed: set[str] | tuple[str, ...]) -> None:
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise BadRequest(f"unknown query parameter(s) {', '.join(unknown)}; this resource takes: "
                         f"{', '.join(sorted(allowed))}")


def single(args: Any, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"parameter {name} is given {len(values)} times; give it once")
    return values[0] if values else None


EXPENSIVE_LIMIT = 1_000


def is_expensive(args: Mapping[str, str]) -> bool:
    """An items request the database works hard for: a CQL2 filter, or a page over
    EXPENSIVE_LIMIT features. Rate-limited per client (EXPENSIVE_QUERY_RATE_LIMIT);
    a malformed limit is not counted here, it gets its 400 from parse_limit."""
    if args.get("filter"):
        return True
    limit = args.get("limit", "")
    return limit.isascii() and limit.isdigit() and int(limit) > EXPENSIVE_LIMIT  # "²" is a digit to isdigit only


def parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise BadRequest(f"limit must be a whole number between 1 and {MAX_LIMIT}, not {text!r}") from None
    if limit < 1:
        raise BadRequest(f"limit must be at least 1, not {limit}")
    return min(limit, MAX_LIMIT)  # larger values are clamped, as Part 1 says


def parse_offset(text: str | None) -> int:
    if text is None:
        return 0
    try:
        offset = int(text)
    except ValueError:
        raise BadRequest(f"offset must be a whole number, not {text!r}") from None
    if offset < 0:
        raise BadRequest(f"offset must be 0 or more, not {offset}")
    return offset


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise BadRequest(f"bbox must be 4 or 6 comma-separated numbers, not {text!r}") from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise BadRequest(f"bbox must be 4 or 6 comma-separated finite numbers, not {text!r}")
    if len(numbers) == 6:  # minx, miny, minz, maxx, maxy, maxz: heights are ignored
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    x0, y0, x1, y1 = numbers
    return x0, y0, x1, y1


def encode_cursor(fid: int, offset: int) -> str:
    """An opaque keyset cursor: the last fid seen and the offset it stands for."""
    return base64.urlsafe_b64encode(f"{fid}:{offset}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        fid_text, offset_text = text.split(":")
        fid, offset = int(fid_text), int(offset_text)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not one this server gave out; follow the next link as it is") from None
    if offset < 0:
        raise BadRequest("cursor is not one this server gave out")
    return fid, offset


def parse_properties(layer: LayerSQL, text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = [*layer.readable, "source"]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BadRequest(f"properties: unknown {', '.join(unknown)}; {layer.spec.id} has {', '.join(known)}")
    return names


def parse_sortby(layer: LayerSQL, text: str) -> list[tuple[str, bool]]:
    keys = []
    for raw in text.split(","):
        item = raw.strip()
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in layer.readable:
            raise BadRequest(f"sortby: {name!r} is not a property of {layer.spec.id}; "
                             f"sort by one of {', '.join(layer.readable)}")
        keys.append((name, descending))
    return keys


def parse_equals(layer: LayerSQL, args: Any) -> dict[str, Any]:
    equals = {}
    for name, prop in layer.queryable.items():
        text = single(args, name)
        if text is None:
            continue
        value: Any = text
        try:
            if prop.type in ("integer", "number"):
                value = float(text) if prop.type == "number" else int(text)
            elif prop.type == "boolean":
                value = {"true": True, "false": False}[text.lower()]
            equals[name] = coerce_value(prop, value)
        except (ValueError, KeyError):
            raise BadRequest(f"{name} must be a {prop.type}, not {text!r}") from None
    return equals


def parse_items_query(spec: LayerSpec, args: Any, *, private: bool = False) -> ItemsQuery:
    """The items request as an ItemsQuery; BadRequest says which parameter is wrong and why.

    `private`: the principal may see (so select, filter and sort by) the private properties.
    """
    reject_unknown(args, allowed_item_parameters(spec, private))
    layer = layer_sql(spec.id, private)
    try:
        query = ItemsQuery(spec.id, private=private, limit=parse_limit(single(args, "limit")),
                           offset=parse_offset(single(args, "offset")),
                           crs=parse_crs_uri(single(args, "crs"), "crs"),
                           bbox_crs=parse_crs_uri(single(args, "bbox-crs"), "bbox-crs"))
        cursor = single(args, "cursor")
        if cursor is not None:
            query.after_fid, query.offset = decode_cursor(cursor)
        bbox = single(args, "bbox")
        if bbox is not None:
            query.bbox = parse_bbox(bbox)
            check_bbox(query.bbox, query.bbox_crs)
        elif single(args, "bbox-crs") is not None:
            raise BadRequest("bbox-crs is given without bbox")
        if (text := single(args, "datetime")) is not None:
            query.datetime = parse_datetime_param(text)
        query.equals = parse_equals(layer, args)
        if (text := single(args, "properties")) is not None:
            query.properties = parse_properties(layer, text)
        if (text := single(args, "sortby")) is not None:
            query.sortby = parse_sortby(layer, text)
            if cursor is not None:
                raise BadRequest("cursor paging follows feature ids; use offset with sortby")
        if (text := single(args, "filter")) is not None:
            lang = single(args, "filter-lang")
            lang = "cql2-text" if lang is None else lang  # given empty is an error (parse_filter names it)
            filter_crs = parse_crs_uri(single(args, "filter-crs"), "filter-crs")
            query.filter = compile_filter(parse_filter(text, lang), layer, filter_crs)
    except QueryError as exc:
        raise BadRequest(exc.message) from None
    return query
