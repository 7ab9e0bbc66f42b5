"""CQL2 filters (text and JSON) parsed by pygeofilter and compiled here into SQL.

pygeofilter gives the syntax tree; this module turns it into psycopg2.sql with
every literal a bound parameter and every property name looked up in the
layer's declared queryable properties, so nothing a client sends is ever
interpolated or evaluated.

pygeofilter 0.4.0's CQL2-text grammar lacks the standard function forms
`T_INTERSECTS(a, b)` and `S_DWITHIN(a, b, d, units)`, intervals with dates or
`'..'`, and `''` inside strings; they are added here by extending its grammar.
Two of its quirks are kept and documented: `T_INTERSECTS` arrives as
`TimeOverlaps` (both mean "shares an instant" for the instant properties
declared here), and LIKE uses CQL2's wildcards `%` and `_` with `\\` as
escape, whatever the tree says.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import orjson
import shapely.geometry
from lark import Lark, v_args
from lark.exceptions import LarkError
from psycopg2 import sql
from pygeofilter import ast, values
from pygeofilter.cql2 import TEMPORAL_PREDICATES_MAP
from pygeofilter.parsers.cql2_json.parser import walk_cql_json
from pygeofilter.parsers.cql2_text import parser as text_parser

from layers.model import PropertySpec
from layers.queries import Crs, LayerSQL, QueryError, Where, check_bbox, parse_instant

GEOMETRY_NAMES = ("geometry", "geom")
DWITHIN_UNITS = {"meters": 1.0, "metres": 1.0, "meter": 1.0, "metre": 1.0, "m": 1.0,
                 "kilometers": 1000.0, "kilometres": 1000.0, "km": 1000.0}
# One degree is at least 100 km anywhere in Medan (latitude ~3.6 N), so a
# degree-distance of d/100000 is a safe index prefilter for a metre distance d.
METRES_PER_DEGREE_LOWER_BOUND = 100_000.0
MAX_FILTER_LENGTH = 20_000

# T_DISJOINT is in CQL2's temporal-functions class but not in pygeofilter 0.4.0's grammar or map.
TEMPORAL_FUNCTIONS = {**TEMPORAL_PREDICATES_MAP, "t_disjoint": ast.TimeDisjoint}
_EXTRA_GRAMMAR = r"""
%extend _binary_temporal_predicate_func: "T_DISJOINT"i
%extend predicate: _binary_temporal_predicate_func "(" expression "," expression ")" -> temporal_function
    | "S_DWITHIN"i "(" expression "," expression "," full_number "," attribute ")" -> dwithin
%override interval: "INTERVAL"i "(" SINGLE_QUOTED "," SINGLE_QUOTED ")"
%override SINGLE_QUOTED: "'" /(''|[^'])*/ "'"
"""


@v_args(meta=False, inline=True)
class _Transformer(text_parser.CQLTransformer):
    def temporal_function(self, op: Any, lhs: Any, rhs: Any) -> ast.Node:
        return TEMPORAL_FUNCTIONS[str(op).lower()](lhs, rhs)

    def dwithin(self, lhs: Any, rhs: Any, distance: Any, units: Any) -> ast.Node:
        return ast.DistanceWithin(lhs, rhs, distance, units.name)

    def interval(self, start: str, end: str) -> values.Interval:
        return values.Interval(_bound(start), _bound(end))

    def SINGLE_QUOTED(self, token: Any) -> str:  # noqa: N802 (lark terminal name)
        return token[1:-1].replace("''", "'")


def _bound(text: str) -> Any:
    return None if text == ".." else parse_instant(text, "interval bound")


_BASE_GRAMMAR = Path(text_parser.__file__).with_name("grammar.lark").read_text(encoding="utf-8")
_parser = Lark(
    _BASE_GRAMMAR + _EXTRA_GRAMMAR,
    parser="lalr", maybe_placeholders=False, transformer=_Transformer(),
    import_paths=[os.path.dirname(os.path.dirname(text_parser.__file__))],
)


def parse_filter(text: str, lang: str) -> ast.Node:
    """The syntax tree of a cql2-text or cql2-json filter; QueryError when it does not parse."""
    if len(text) > MAX_FILTER_LENGTH:
        raise QueryError(f"filter is longer than {MAX_FILTER_LENGTH} characters")
    try:
        if lang == "cql2-text":
            return _parser.parse(text)
        if lang == "cql2-json":
            return _walk_json(_bbox_to_polygon(orjson.loads(text)))
    except QueryError:
        raise
    except LarkError as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise QueryError(f"filter does not parse as CQL2 text: {first_line}") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise QueryError(f"filter does not parse as CQL2 JSON: {exc}") from None
    raise QueryError(f"filter-lang {lang!r} is not supported; use cql2-text or cql2-json")


def _bbox_to_polygon(node: Any) -> Any:
    """{"bbox": [...]} as a GeoJSON polygon: pygeofilter 0.4.0 reads CQL2's minx, miny, maxx, maxy
    order as x1, x2, y1, y2."""
    if isinstance(node, list):
        return [_bbox_to_polygon(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "bbox" in node and "op" not in node:
        box = node["bbox"]
        if not isinstance(box, list) or len(box) not in (4, 6):
            raise ValueError("a bbox needs 4 or 6 numbers")
        x0, y0, x1, y1 = box[:4] if len(box) == 4 else (box[0], box[1], box[3], box[4])
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        return {"type": "Polygon", "coordinates": [ring]}
    return {k: _bbox_to_polygon(v) for k, v in node.items()}


def _walk_json(node: Any) -> Any:
    """CQL2-JSON 1.0 forms pygeofilter 0.4.0 does not know, then pygeofilter for the rest."""
    if isinstance(node, dict) and "op" in node:
        op, args = node["op"], node.get("args")
        if not isinstance(args, list):
            raise ValueError(f"'args' of {op!r} must be an array")
        if op in ("and", "or"):
            parts = [_walk_json(a) for a in args]
            if len(parts) < 2:
                raise ValueError(f"{op!r} needs at least two arguments")
            return (ast.And if op == "and" else ast.Or).from_items(*parts)
        if op == "not":
            return ast.Not(_walk_json(args[0]))
        if op == "between" and len(args) == 3:
            return ast.Between(_walk_json(args[0]), _walk_json(args[1]), _walk_json(args[2]), False)
        if op == "s_dwithin":
            return ast.DistanceWithin(_walk_json(args[0]), _walk_json(args[1]), args[2], "meters")
        if op == "t_disjoint" and len(args) == 2:
            return ast.TimeDisjoint(_walk_json(args[0]), _walk_json(args[1]))
    return walk_cql_json(node)


# ---------------------------------------------------------------- compiling

class _Compiler:
    def __init__(self, layer: LayerSQL, crs: Crs):
        self.layer = layer
        self.crs = crs
        self.params: list[Any] = []

    def fail(self, message: str) -> QueryError:
        return QueryError(f"filter: {message}")

    # -- operands: (sql, type name or None for a literal still to be typed)
    def prop(self, node: ast.Attribute) -> tuple[sql.Composable, PropertySpec]:
        spec = self.layer.queryable.get(node.name)
        if spec is None:
            known = ", ".join([*self.layer.queryable, "geometry"])
            raise self.fail(f"unknown property {node.name!r}; queryables of {self.layer.spec.id}: {known}")
        return sql.Identifier(node.name), spec

    def value(self, spec: PropertySpec, literal: Any) -> sql.Composable:
        self.params.append(_coerce(spec, literal))
        return sql.Placeholder()

    def scalar_pair(self, lhs: Any, rhs: Any) -> tuple[sql.Composable, sql.Composable]:
        """Both sides of a comparison; literals take the type of the property they meet."""
        left_spec = self.operand_spec(lhs)
        right_spec = self.operand_spec(rhs)
        if left_spec is None and right_spec is None:
            raise self.fail("a comparison needs a property on at least one side")
        if left_spec and right_spec and _family(left_spec) != _family(right_spec):
            raise self.fail(f"cannot compare {left_spec.name} ({left_spec.type}) with "
                            f"{right_spec.name} ({right_spec.type})")
        left = self.operand(lhs, right_spec)
        right = self.operand(rhs, left_spec)
        return left, right

    def operand_spec(self, node: Any) -> PropertySpec | None:
        if isinstance(node, ast.Attribute):
            return self.prop(node)[1]
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            return self.operand_spec(node.arguments[0])
        return None

    def operand(self, node: Any, other: PropertySpec | None) -> sql.Composable:
        if isinstance(node, ast.Attribute):
            return self.prop(node)[0]
        if isinstance(node, ast.Function):
            if node.name != "lower" or len(node.arguments) != 1:
                raise self.fail(f"function {node.name!r} is not supported (only CASEI)")
            inner = self.operand(node.arguments[0], other)
            return sql.SQL("lower({})").format(inner)
        if isinstance(node, ast.Node | values.Geometry | values.Envelope | values.Interval):
            raise self.fail(f"{type(node).__name__} is not allowed here")
        if other is None:
            raise self.fail(f"literal {node!r} must be compared with a property")
        return self.value(other, node)

    # -- predicates
    def compile(self, node: Any) -> sql.Composable:
        handler = getattr(self, "c_" + type(node).__name__, None)
        if isinstance(node, ast.Comparison):
            handler = self.c_comparison
        elif isinstance(node, ast.SpatialComparisonPredicate):
            handler = self.c_spatial
        elif isinstance(node, ast.TemporalPredicate):
            handler = self.c_temporal
        if handler is None:
            raise self.fail(f"{type(node).__name__} is not supported")
        return handler(node)

    def c_And(self, node: ast.And) -> sql.Composable:  # noqa: N802
        return sql.SQL("({} AND {})").format(self.compile(node.lhs), self.compile(node.rhs))

    def c_Or(self, node: ast.Or) -> sql.Composable:  # noqa: N802
        return sql.SQL("({} OR {})").format(self.compile(node.lhs), self.compile(node.rhs))

    def c_Not(self, node: ast.Not) -> sql.Composable:  # noqa: N802
        return sql.SQL("(NOT {})").format(self.compile(node.sub_node))

    def c_Include(self, node: ast.Include) -> sql.Composable:  # noqa: N802
        return sql.SQL("FALSE" if node.not_ else "TRUE")

    def c_comparison(self, node: ast.Comparison) -> sql.Composable:
        left, right = self.scalar_pair(node.lhs, node.rhs)
        return sql.SQL("({} {} {})").format(left, sql.SQL(node.op.value), right)

    def c_Between(self, node: ast.Between) -> sql.Composable:  # noqa: N802
        spec = self.operand_spec(node.lhs)
        if spec is None or _family(spec) not in ("number", "time", "string"):
            raise self.fail("BETWEEN needs a number, text or date property on the left")
        left = self.operand(node.lhs, None)
        low, high = self.operand(node.low, spec), self.operand(node.high, spec)
        return sql.SQL("({} {}BETWEEN {} AND {})").format(left, sql.SQL("NOT " if node.not_ else ""), low, high)

    def c_Like(self, node: ast.Like) -> sql.Composable:  # noqa: N802
        spec = self.operand_spec(node.lhs)
        if spec is None or spec.type != "string":
            raise self.fail("LIKE needs a text property on the left")
        pattern = node.pattern
        if isinstance(pattern, ast.Function) and pattern.name == "lower" and len(pattern.arguments) == 1:
            pattern, lowered = pattern.arguments[0], True
        else:
            lowered = False
        if not isinstance(pattern, str):
            raise self.fail("the LIKE pattern must be a text literal")
        if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
            raise self.fail("the LIKE pattern ends with an unfinished escape (\\)")
        self.params.append(pattern)
        right = sql.SQL("lower(%s)") if lowered or node.nocase else sql.Placeholder()
        left = self.operand(node.lhs, None)
        if node.nocase:
            left = sql.SQL("lower({})").format(left)
        # Backslash is CQL2's escape character; say so rather than rely on the default.
        return sql.SQL("({} {}LIKE {} ESCAPE '\\')").format(left, sql.SQL("NOT " if node.not_ else ""), right)

    def c_In(self, node: ast.In) -> sql.Composable:  # noqa: N802
        spec = self.operand_spec(node.lhs)
        if spec is None:
            raise self.fail("IN needs a property on the left")
        left = self.operand(node.lhs, None)
        items = [self.operand(v, spec) for v in node.sub_nodes]
        return sql.SQL("({} {}IN ({}))").format(left, sql.SQL("NOT " if node.not_ else ""), sql.SQL(", ").join(items))

    def c_IsNull(self, node: ast.IsNull) -> sql.Composable:  # noqa: N802
        if isinstance(node.lhs, ast.Attribute) and node.lhs.name in GEOMETRY_NAMES:
            return sql.SQL("TRUE" if node.not_ else "FALSE")  # geometry is never null here
        if not isinstance(node.lhs, ast.Attribute):
            raise self.fail("IS NULL needs a property")
        return sql.SQL("({} IS {}NULL)").format(self.prop(node.lhs)[0], sql.SQL("NOT " if node.not_ else ""))

    # -- spatial
    def geometry_pair(self, lhs: Any, rhs: Any) -> tuple[sql.Composable, sql.Composable]:
        if _is_geometry_property(rhs) and not _is_geometry_property(lhs):
            lhs, rhs = rhs, lhs
        if not _is_geometry_property(lhs):
            raise self.fail("a spatial predicate needs the geometry property on one side")
        return sql.Identifier("geom"), self.geometry_literal(rhs)

    def geometry_literal(self, node: Any) -> sql.Composable:
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            node = values.Envelope(*_envelope_args(node.arguments, self.fail))
        if isinstance(node, values.Envelope):
            node = values.Geometry(_bbox_geometry((node.x1, node.y1, node.x2, node.y2), self.crs))
        if not isinstance(node, values.Geometry):
            raise self.fail(f"expected a geometry literal, got {node!r}")
        try:
            geometry = shapely.geometry.shape(node.geometry)
        except Exception as exc:  # shapely raises several types for malformed input
            raise self.fail(f"geometry literal is not valid: {exc}") from None
        if geometry.is_empty or not all(math.isfinite(v) for v in geometry.bounds):
            raise self.fail("geometry literal is empty or not finite")
        self.params.append(orjson.dumps(shapely.geometry.mapping(geometry)).decode())
        literal = sql.SQL("ST_SetSRID(ST_GeomFromGeoJSON(%s), {})").format(sql.Literal(self.crs.srid))
        if self.crs.lat_lon:
            literal = sql.SQL("ST_FlipCoordinates({})").format(literal)
        elif self.crs.srid != 4326:
            literal = sql.SQL("ST_Transform({}, 4326)").format(literal)
        return literal

    def c_spatial(self, node: ast.SpatialComparisonPredicate) -> sql.Composable:
        function = {
            "INTERSECTS": "ST_Intersects", "DISJOINT": "ST_Disjoint", "CONTAINS": "ST_Contains",
            "WITHIN": "ST_Within", "TOUCHES": "ST_Touches", "CROSSES": "ST_Crosses",
            "OVERLAPS": "ST_Overlaps", "EQUALS": "ST_Equals",
        }[node.op.name]
        geom, literal = self.geometry_pair(node.lhs, node.rhs)
        if not _is_geometry_property(node.lhs):  # literal on the left: keep the argument order
            return sql.SQL("{}({}, {})").format(sql.SQL(function), literal, geom)
        return sql.SQL("{}({}, {})").format(sql.SQL(function), geom, literal)

    def c_DistanceWithin(self, node: ast.DistanceWithin) -> sql.Composable:  # noqa: N802
        factor = DWITHIN_UNITS.get(str(node.units).lower())
        if factor is None:
            raise self.fail(f"distance unit {node.units!r} is not supported; use meters or kilometers")
        distance = node.distance
        if isinstance(distance, bool) or not isinstance(distance, int | float) or not math.isfinite(distance) \
                or distance < 0:
            raise self.fail("S_DWITHIN needs a non-negative distance")
        metres = float(distance) * factor
        geom, literal = self.geometry_pair(node.lhs, node.rhs)
        # The literal is used twice: an index-friendly degree prefilter, then the exact
        # metre test on geography. Parameters follow the SQL text order.
        geometry_param = self.params.pop()
        self.params += [geometry_param, metres / METRES_PER_DEGREE_LOWER_BOUND, geometry_param, metres]
        prefilter = sql.SQL("ST_DWithin({}, {}, %s)").format(geom, literal)
        exact = sql.SQL("ST_DWithin({}::geography, {}::geography, %s)").format(geom, literal)
        return sql.SQL("({} AND {})").format(prefilter, exact)

    # -- temporal
    def c_temporal(self, node: ast.TemporalPredicate) -> sql.Composable:
        if not isinstance(node.lhs, ast.Attribute):
            raise self.fail("a temporal predicate needs a property on the left")
        column, spec = self.prop(node.lhs)
        if spec.type not in ("date", "datetime"):
            raise self.fail(f"{spec.name} is not a date or date-time")
        start, end = _interval(node.rhs, self.fail)
        name = node.op.name
        conditions = {
            "TOVERLAPS": [(">=", start), ("<=", end)], "INTERSECTS": [(">=", start), ("<=", end)],
            "DURING": [(">", start), ("<", end)], "BEFORE": [("<", start)], "AFTER": [(">", end)],
            "TEQUALS": [("=", start)] if start == end else None,
        }
        if name == "DISJOINT":
            inner = self.range_sql(column, [(">=", start), ("<=", end)])
            return sql.SQL("(NOT {})").format(inner)
        parts = conditions.get(name)
        if parts is None:
            raise self.fail(f"T_{name} is not supported for the instant property {spec.name}")
        return self.range_sql(column, parts)

    def range_sql(self, column: sql.Composable, parts: list[tuple[str, Any]]) -> sql.Composable:
        pieces: list[sql.Composable] = [sql.SQL("{} IS NOT NULL").format(column)]
        for operator, bound in parts:
            if bound is None:
                continue
            pieces.append(sql.SQL("{} {} %s").format(column, sql.SQL(operator)))
            self.params.append(bound)
        return sql.SQL("({})").format(sql.SQL(" AND ").join(pieces))


def _bbox_geometry(box: tuple[float, float, float, float], crs: Crs) -> dict:
    """A CQL2 BBOX (lower corner first, in `crs`'s axis order) as GeoJSON in that axis order, checked as the
    items' bbox parameter is (layers.queries.check_bbox): in a geographic CRS a west edge east of the east
    edge crosses the antimeridian, so the box is two."""
    check_bbox(box, crs, "filter: BBOX")
    a0, b0, a1, b1 = box
    lon_min, lon_max = (b0, b1) if crs.lat_lon else (a0, a1)
    if crs.geographic and lon_min > lon_max:
        parts = [(a0, b0, a1, 180.0), (a0, -180.0, a1, b1)] if crs.lat_lon else \
            [(a0, b0, 180.0, b1), (-180.0, b0, a1, b1)]
        return {"type": "MultiPolygon", "coordinates": [[_ring(*part)] for part in parts]}
    return {"type": "Polygon", "coordinates": [_ring(a0, b0, a1, b1)]}


def _ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def _is_geometry_property(node: Any) -> bool:
    return isinstance(node, ast.Attribute) and node.name in GEOMETRY_NAMES


def _envelope_args(arguments: list[Any], fail: Any) -> tuple[float, float, float, float]:
    numbers = [a for a in arguments if isinstance(a, int | float) and not isinstance(a, bool)]
    if len(numbers) != len(arguments) or len(numbers) not in (4, 6):
        raise fail("BBOX needs 4 (or 6) numbers")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    x0, y0, x1, y1 = numbers
    return x0, x1, y0, y1


def _interval(node: Any, fail: Any) -> tuple[Any, Any]:
    if isinstance(node, values.Interval):
        start, end = node.start, node.end
        if isinstance(end, date) and not isinstance(end, datetime):
            end = datetime.combine(end, time.max, tzinfo=UTC)  # a date ends at midnight
        return _aware(start), _aware(end)
    if isinstance(node, date):
        return _aware(node), _aware(node)
    raise fail(f"expected a date, timestamp or interval, got {node!r}")


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if value is not None and not isinstance(value, date):
        raise QueryError(f"filter: {value!r} is not a date or timestamp")
    return value


def _family(spec: PropertySpec) -> str:
    return {"integer": "number", "number": "number", "date": "time", "datetime": "time"}.get(spec.type, spec.type)


def _coerce(spec: PropertySpec, literal: Any) -> Any:
    """A literal as the property's type; a mismatch is the client's error, said plainly."""
    family = _family(spec)
    ok = {
        "string": isinstance(literal, str),
        "number": isinstance(literal, int | float) and not isinstance(literal, bool),
        "boolean": isinstance(literal, bool),
        "time": isinstance(literal, date),
    }[family]
    if family == "time" and isinstance(literal, str):
        return _aware(parse_instant(literal, f"value for {spec.name}"))
    if not ok:
        raise QueryError(f"filter: {spec.name} is a {spec.type} property; {literal!r} is not a {spec.type}")
    if family == "number" and not math.isfinite(literal):
        raise QueryError(f"filter: {literal!r} is not a finite number")
    return _aware(literal) if family == "time" else literal


def compile_filter(node: ast.Node, layer: LayerSQL, crs: Crs) -> Where:
    """The filter as one SQL condition with its parameters."""
    compiler = _Compiler(layer, crs)
    condition = compiler.compile(node)
    where = Where()
    where.add(condition, *compiler.params)
    return where
