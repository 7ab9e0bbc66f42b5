"""Generic SQL for reading features as GeoJSON, built once per layer from its declaration.

PostgreSQL writes the GeoJSON: each feature comes back as one text row
(`ST_AsGeoJSON` for the geometry, `json_build_object` for the properties), so
the web layer only joins bytes and never decodes a feature into Python
objects. Identifiers come only from declarations; every value is a bound
parameter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from psycopg2 import sql

from layers.access import RowScope
from layers.errors import LayerError
from layers.model import LayerSpec, PropertySpec
from layers.registry import get_registry
from layers.rowsql import scope_sql
from layers.schema import LAYER_SCHEMA

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
# Above this many rows (planner estimate) a full page does not trigger an exact
# count: numberMatched is optional in OGC API Features and a count(*) over a
# million rows would cost more than the page itself.
EXACT_COUNT_MAX_ROWS = 100_000
ESTIMATE_TTL_SECONDS = 60.0


class QueryError(LayerError):
    """A query parameter the layer cannot answer (unknown property, bad CRS, ...)."""

    status = 400


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    lat_lon: bool  # EPSG:4326 is latitude first; CRS84 is longitude first
    decimals: int  # ~1 cm: 7 decimals of a degree, 3 of a metre
    # Where coordinates of this CRS mean something, as (min x, min y, max x, max y) in
    # longitude/easting-first order: the whole globe for geographic CRSs, the EPSG area
    # of use (projected with PROJ) for the projected ones.
    domain: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0)

    @property
    def geographic(self) -> bool:
        return self.srid == 4326


SUPPORTED_CRS: dict[str, Crs] = {
    CRS84: Crs(CRS84, 4326, False, 7),
    EPSG.format(4326): Crs(EPSG.format(4326), 4326, True, 7),
    EPSG.format(3857): Crs(EPSG.format(3857), 3857, False, 3,
                           (-20037508.342789244, -20048966.104014594, 20037508.342789244, 20048966.104014594)),
    EPSG.format(32647): Crs(EPSG.format(32647), 32647, False, 3, (166021.443, 0.0, 833978.557, 9329005.183)),
    EPSG.format(23847): Crs(EPSG.format(23847), 23847, False, 3, (165995.577, -2.653, 833953.782, 599912.551)),
}
_CRS_ALIASES = {"urn:ogc:def:crs:OGC:1.3:CRS84": CRS84, "OGC:CRS84": CRS84, "[OGC:CRS84]": CRS84}


def parse_crs_uri(value: str | None, what: str = "crs") -> Crs:
    """One of the supported CRSs by URI (or EPSG:n / [EPSG:n]); None (absent) is CRS84, an empty value is an error."""
    if value is None:
        return SUPPORTED_CRS[CRS84]
    if not value.strip():
        raise QueryError(f"{what} is empty; leave it out for CRS84, or give one of: {', '.join(SUPPORTED_CRS)}")
    key = _CRS_ALIASES.get(value, value)
    short = key.strip("[]")
    if short.upper().startswith("EPSG:"):
        key = EPSG.format(short[5:])
    elif short.lower().startswith("urn:ogc:def:crs:epsg:"):  # urn:ogc:def:crs:EPSG::32647 (GeoJSON 2008 crs)
        key = EPSG.format(short.rsplit(":", 1)[1])
    try:
        return SUPPORTED_CRS[key]
    except KeyError:
        raise QueryError(f"{what} {value!r} is not supported; use one of: {', '.join(SUPPORTED_CRS)}") from None


# ---------------------------------------------------------------- per-layer fragments

@dataclass(frozen=True, eq=False)  # hashed by identity: one per layer per process
class LayerSQL:
    """Precomputed pieces of SQL for one layer: its public properties, or all of them (`private`).

    Which of the two a request gets is decided by layers.access (the caller
    passes `can_see_private(spec, principal)`), never here.
    """

    spec: LayerSpec
    table: sql.Composable
    readable: dict[str, PropertySpec]
    queryable: dict[str, PropertySpec]

    def properties_json(self, names: list[str] | None) -> sql.Composable:
        chosen = list(dict.fromkeys(self.readable if names is None else names))
        if (names is None or "source" in names) and "source" not in chosen:
            chosen.append("source")
        if not chosen:
            return sql.SQL("'{}'")
        # row_to_json of a one-row subselect, not json_build_object: the latter looks up
        # every argument's type on every row and cost ~2/3 of an export page on the
        # 1,000,000-point layer; this is ~20% cheaper and writes compact JSON.
        return sql.SQL("row_to_json((SELECT p FROM (SELECT {}) p))::text").format(
            sql.SQL(", ").join(sql.Identifier(name) for name in chosen))

    def feature_text(self, crs: Crs, names: list[str] | None) -> sql.Composable:
        return _feature_text(self, crs, tuple(names) if names is not None else None)


@lru_cache(maxsize=512)
def _feature_text(layer: LayerSQL, crs: Crs, names: tuple[str, ...] | None) -> sql.Composable:
    geometry = sql.Identifier("geom")
    if crs.srid != layer.spec.srid:
        geometry = sql.SQL("ST_Transform({}, {})").format(geometry, sql.Literal(crs.srid))
    elif crs.lat_lon:
        geometry = sql.SQL("ST_FlipCoordinates({})").format(geometry)
    return sql.SQL(
        "'{{\"type\":\"Feature\",\"id\":' || fid || ',\"geometry\":' || ST_AsGeoJSON({geom}, {dec}, 0) "
        "|| ',\"properties\":' || {props} || '}}'"
    ).format(geom=geometry, dec=sql.Literal(crs.decimals),
             props=layer.properties_json(list(names) if names is not None else None))


@cache
def layer_sql(layer_id: str, private: bool = False) -> LayerSQL:
    spec = get_registry().get(layer_id)
    readable = {p.name: p for p in (spec.properties if private else spec.public_properties())}
    return LayerSQL(
        spec=spec,
        table=sql.Identifier(LAYER_SCHEMA, spec.table),
        readable=readable,
        queryable={n: p for n, p in readable.items() if p.queryable},
    )


# ---------------------------------------------------------------- the query

@dataclass
class Where:
    """SQL conditions with their bound parameters, in order."""

    parts: list[sql.Composable] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, fragment: sql.Composable, *params: Any) -> None:
        self.parts.append(fragment)
        self.params.extend(params)

    def extend(self, other: Where) -> None:
        self.parts.extend(other.parts)
        self.params.extend(other.params)

    def clause(self) -> sql.Composable:
        if not self.parts:
            return sql.SQL("")
        return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(sql.SQL("({})").format(p) for p in self.parts)


@dataclass
class ItemsQuery:
    layer_id: str
    limit: int = 10
    offset: int = 0
    after_fid: int | None = None  # keyset paging: rows with fid > after_fid
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: Crs = SUPPORTED_CRS[CRS84]
    datetime: tuple[Any, Any] | None = None  # (start, end), None = open end
    equals: dict[str, Any] = field(default_factory=dict)
    filter: Where | None = None
    properties: list[str] | None = None
    sortby: list[tuple[str, bool]] = field(default_factory=list)  # (name, descending)
    crs: Crs = SUPPORTED_CRS[CRS84]
    private: bool = False  # include private properties (layers.access.can_see_private decided)
    scope: RowScope | None = None  # the rows the principal reaches (layers.access.row_scope decided)


def check_bbox(bbox: tuple[float, float, float, float], crs: Crs, what: str = "bbox") -> None:
    """QueryError unless `bbox` (axis order as `crs` says) lies in the CRS's domain.

    OGC 17-069r4 /req/core/fc-bbox-definition: the lower corner comes first; in a
    geographic CRS a box whose west edge is east of its east edge crosses the
    antimeridian (envelope_sql splits it), in a projected CRS that is an error.
    """
    x0, y0, x1, y1 = (bbox[1], bbox[0], bbox[3], bbox[2]) if crs.lat_lon else bbox
    dx0, dy0, dx1, dy1 = crs.domain
    x_name, y_name = ("longitude", "latitude") if crs.geographic else ("x", "y")
    for name, value, low, high in ((x_name, x0, dx0, dx1), (x_name, x1, dx0, dx1),
                                   (y_name, y0, dy0, dy1), (y_name, y1, dy0, dy1)):
        if not low <= value <= high:
            raise QueryError(f"{what}: {name} {value:g} is outside {low:g}..{high:g}, the range of {crs.uri}")
    if y0 > y1:
        raise QueryError(f"{what}: the lower corner's {y_name} {y0:g} is above the upper corner's {y1:g}")
    if x0 > x1 and not crs.geographic:
        raise QueryError(f"{what}: the lower corner's {x_name} {x0:g} is greater than the upper corner's "
                         f"{x1:g}; only a longitude range may cross the antimeridian")


def envelope_sql(bbox: tuple[float, float, float, float], crs: Crs) -> tuple[sql.Composable, list[float]]:
    """An envelope in the layer SRID from a bbox given in `crs` (axis order as that CRS says);
    a geographic box crossing the antimeridian (west edge > east edge) is two envelopes."""
    x0, y0, x1, y1 = bbox
    if crs.lat_lon:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if crs.geographic and x0 > x1:
        envelope = sql.SQL("ST_Collect(ST_MakeEnvelope(%s, %s, 180, %s, 4326), "
                           "ST_MakeEnvelope(-180, %s, %s, %s, 4326))")
        return envelope, [x0, y0, y1, y0, x1, y1]
    envelope = sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, {})").format(sql.Literal(crs.srid))
    if crs.srid != 4326:
        envelope = sql.SQL("ST_Transform({}, 4326)").format(envelope)
    return envelope, [x0, y0, x1, y1]


def where_for(layer: LayerSQL, query: ItemsQuery) -> Where:
    where = Where()
    if query.bbox is not None:
        envelope, params = envelope_sql(query.bbox, query.bbox_crs)
        # ST_Intersects, not bare &&: the index boxes are float4-rounded outwards, so &&
        # alone lets in points a hair outside the bbox.
        where.add(sql.SQL("ST_Intersects(geom, {})").format(envelope), *params)
    if query.datetime is not None:
        _add_datetime(where, layer, query.datetime)
    for name, value in query.equals.items():
        where.add(sql.SQL("{} = %s").format(sql.Identifier(name)), value)
    if query.filter is not None:
        where.extend(query.filter)
    condition = scope_sql(query.scope)
    if condition is not None:
        where.add(condition)
    return where


def _add_datetime(where: Where, layer: LayerSQL, interval: tuple[Any, Any]) -> None:
    name = layer.spec.temporal
    if name is None:
        return  # no temporal property: every feature matches (OGC 17-069r4 /req/core/fc-time-response)
    column = sql.Identifier(name)
    start, end = interval
    if start is not None:
        where.add(sql.SQL("{} >= %s").format(column), start)
    if end is not None:
        where.add(sql.SQL("{} <= %s").format(column), end)
    if start is None and end is None:
        where.add(sql.SQL("{} IS NOT NULL").format(column))


def items_sql(query: ItemsQuery, *, extra_rows: int = 1) -> tuple[sql.Composed, list[Any]]:
    """One statement returning (fid, GeoJSON feature text) rows, limit + extra_rows of them.

    With an offset, the rows to skip are found by their keys alone and only the page's
    rows are turned into GeoJSON: PostgreSQL computes a plain query's select list for
    every skipped row too, which made page 88 of a 10,000-row export 3.6 s instead of 0.1 s.
    """
    layer = layer_sql(query.layer_id, query.private)
    where = where_for(layer, query)
    if query.after_fid is not None:
        where.add(sql.SQL("fid > %s"), query.after_fid)
    order = [sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL("DESC" if desc else "ASC"))
             for n, desc in query.sortby]
    order.append(sql.SQL("fid"))
    order_by = sql.SQL(", ").join(order)
    feature = layer.feature_text(query.crs, query.properties)
    params = [*where.params, query.limit + extra_rows]
    if not query.offset or query.after_fid is not None:
        statement = sql.SQL("SELECT fid, {feature} FROM {table}{where} ORDER BY {order} LIMIT %s").format(
            feature=feature, table=layer.table, where=where.clause(), order=order_by)
        return statement, params
    statement = sql.SQL(
        "SELECT fid, {feature} FROM {table} WHERE fid = ANY(ARRAY("
        "SELECT fid FROM {table}{where} ORDER BY {order} LIMIT %s OFFSET %s)) ORDER BY {order}"
    ).format(feature=feature, table=layer.table, where=where.clause(), order=order_by)
    return statement, [*params, query.offset]


def count_sql(query: ItemsQuery) -> tuple[sql.Composed, list[Any]]:
    layer = layer_sql(query.layer_id, query.private)
    where = where_for(layer, query)
    return sql.SQL("SELECT count(*) FROM {}{}").format(layer.table, where.clause()), where.params


def item_sql(layer_id: str, crs: Crs, private: bool = False, scope: RowScope | None = None) -> sql.Composed:
    """One feature by fid (one parameter), with its version for the ETag; none outside `scope`."""
    layer = layer_sql(layer_id, private)
    return _item_sql(layer, crs, scope)


@lru_cache(maxsize=256)
def _item_sql(layer: LayerSQL, crs: Crs, scope: RowScope | None) -> sql.Composed:
    condition = scope_sql(scope)
    rows = sql.SQL("") if condition is None else sql.SQL(" AND {}").format(condition)
    return sql.SQL("SELECT version, {} FROM {} WHERE fid = %s{}").format(
        layer.feature_text(crs, None), layer.table, rows)


def extent_sql(layer_id: str) -> sql.Composed:
    """The layer's bounding box and time span.

    The box comes from the planner's statistics when the table has been
    analysed (instant on a million rows), else from the rows themselves.
    """
    layer = layer_sql(layer_id)
    temporal = layer.spec.temporal
    span = (sql.SQL("(SELECT min({0}) FROM {1}), (SELECT max({0}) FROM {1})").format(sql.Identifier(temporal), layer.table)
            if temporal else sql.SQL("NULL, NULL"))
    return sql.SQL(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), {span} FROM (SELECT coalesce("
        "(SELECT ST_EstimatedExtent({schema}, {name}, 'geom') WHERE EXISTS "
        "(SELECT 1 FROM pg_stats WHERE schemaname = {schema} AND tablename = {name})), "
        "(SELECT ST_Extent(geom) FROM {table})) AS e) AS x"
    ).format(span=span, table=layer.table, schema=sql.Literal(LAYER_SCHEMA), name=sql.Literal(layer.spec.table))


# ---------------------------------------------------------------- counting cheaply

_estimates: dict[tuple[str, str], tuple[float, float]] = {}


def estimated_rows(cursor: Any, database: str, layer_id: str) -> float:
    """The planner's row estimate for a layer, cached for a minute per process."""
    key = (database, layer_id)
    cached = _estimates.get(key)
    now = time.monotonic()
    if cached and now - cached[1] < ESTIMATE_TTL_SECONDS:
        return cached[0]
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                   (f'{LAYER_SCHEMA}."{layer_sql(layer_id).spec.table}"',))
    row = cursor.fetchone()
    estimate = float(row[0]) if row else 0.0
    _estimates[key] = (estimate, now)
    return estimate


def worth_exact_count(estimate: float) -> bool:
    # reltuples is -1 for a never-analysed table: count it, it is probably small.
    return estimate < EXACT_COUNT_MAX_ROWS


# ---------------------------------------------------------------- datetime parameter

def parse_instant(text: str, what: str = "datetime") -> datetime | date:
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise QueryError(f"{what} {text!r} is not an RFC 3339 date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_datetime_param(text: str) -> tuple[Any, Any]:
    """`datetime=` as an inclusive (start, end): an instant, `a/b`, `../b` or `a/..`.

    A bare date means the whole day.
    """
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start = None if start_text in ("..", "") else parse_instant(start_text)
        end = None if end_text in ("..", "") else parse_instant(end_text)
        if isinstance(end, date) and not isinstance(end, datetime):
            end = _end_of_day(end)
        if start is not None and end is not None and _as_datetime(start) > _as_datetime(end):
            raise QueryError(f"datetime {text!r} ends before it starts")
        return start, end
    instant = parse_instant(text)
    if isinstance(instant, datetime):
        return instant, instant
    return _as_datetime(instant), _end_of_day(instant)


def _as_datetime(value: date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _end_of_day(value: date) -> datetime:
    return _as_datetime(value) + timedelta(days=1) - timedelta(microseconds=1)
