"""Validation of features against their layer declaration.

Used by every write path (API, services, import), so the rules live once:
known properties only, declared types, allowed values and ranges, a valid
non-empty geometry of the declared type, inside Medan, in a known CRS.
"""

from __future__ import annotations

import ipaddress
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import shapely
from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from config.settings import MEDAN_EXTENT
from layers.errors import InvalidFeature, Problem
from layers.geojson_input import geometry_problems
from layers.model import LayerSpec, PropertySpec

WGS84 = CRS.from_epsg(4326)
CRS84_URIS = {
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "OGC:CRS84",
}
MULTI_OF = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


@dataclass
class CleanFeature:
    properties: dict[str, Any]
    geometry: BaseGeometry  # EPSG:4326, lon/lat
    source: str | None = None


def parse_crs(value: str | int | None) -> CRS:
    """A CRS from an EPSG code, an OGC URI or 'EPSG:n'; None means CRS84 (GeoJSON's default)."""
    if value is None or (isinstance(value, str) and value in CRS84_URIS):
        return WGS84
    try:
        if isinstance(value, str) and value.startswith("http://www.opengis.net/def/crs/EPSG/0/"):
            return CRS.from_epsg(int(value.rsplit("/", 1)[1]))
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises CRSError and ValueError
        raise InvalidFeature(f"unknown CRS {value!r}") from exc


def to_wgs84(geometries: Any, crs: CRS) -> Any:
    """Reproject shapely geometries (one or an array) to lon/lat WGS 84."""
    if crs.equals(WGS84) or crs.to_epsg() == 4326:
        return geometries
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    return shapely.transform(geometries, lambda xy: _transform_xy(transformer, xy))


def _transform_xy(transformer: Transformer, xy: Any) -> Any:
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


# A declared integer property is a PostgreSQL `integer` column: 32 bits.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def coerce_value(prop: PropertySpec, value: Any) -> Any:
    """The value as the declared type, or ValueError saying why not."""
    if value is None:
        return None
    kind = prop.type
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        if "\x00" in value:
            raise ValueError("contains a NUL character (U+0000), which text cannot hold")
        value = value.strip()
        if prop.max_length is not None and len(value) > prop.max_length:
            raise ValueError(f"longer than {prop.max_length} characters")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if kind in ("integer", "number"):
        return _coerce_number(prop, value)
    if kind == "date":
        if isinstance(value, datetime):
            raise ValueError("expected a date without time")
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date-time, got {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a time zone (e.g. +07:00 or Z)")
    return parsed


def _coerce_number(prop: PropertySpec, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    if prop.type == "integer":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        value = int(value)
        if not INTEGER_MIN <= value <= INTEGER_MAX:  # the column is a PostgreSQL integer (layers/schema.py)
            raise ValueError(f"{value} is outside the range of a whole-number column ({INTEGER_MIN}..{INTEGER_MAX})")
    elif isinstance(value, int) and abs(value) > sys.float_info.max:
        raise ValueError(f"{value} is too large for a number column")
    if prop.minimum is not None and value < prop.minimum:
        raise ValueError(f"{value} is below the minimum {prop.minimum:g}")
    if prop.maximum is not None and value > prop.maximum:
        raise ValueError(f"{value} is above the maximum {prop.maximum:g}")
    return value


def in_networks(value: object, networks: Sequence[str]) -> bool:
    """Whether a value is an IP address (v4 or v6) inside one of the networks (CIDR strings)."""
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in networks)


def url_in_networks(value: object, networks: Sequence[str], schemes: Sequence[str]) -> bool:
    """Whether a value is a URL of one of `schemes` whose host is an IP address inside `networks`."""
    try:
        url = urlsplit(str(value).strip())
        host = url.hostname
        url.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return False
    return url.scheme in schemes and host is not None and in_networks(host, networks)


def network_problem(prop: PropertySpec, value: object) -> str | None:
    """Why a network-bound property's value is refused (None when it is allowed)."""
    if prop.networks is None or value is None:
        return None
    nets = ", ".join(prop.networks)
    if prop.schemes is not None:
        if url_in_networks(value, prop.networks, prop.schemes):
            return None
        return (f"{str(value)[:80]!r} is not a {'/'.join(prop.schemes)} URL whose host is an IP address in "
                f"the allowed networks ({nets})")
    if in_networks(value, prop.networks):
        return None
    return f"{str(value)[:60]!r} is not an IP address in the allowed networks ({nets})"


def validate_properties(
    spec: LayerSpec, properties: dict[str, Any], where: str, *, partial: bool = False
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    declared = {p.name: p for p in spec.properties}
    for name in properties:
        if name not in declared:
            problems.append(Problem(where, f"unknown property {name!r} (layer {spec.id} declares: "
                                           f"{', '.join(declared)})"))
    for name, prop in declared.items():
        if name not in properties:
            if prop.required and not partial:
                problems.append(Problem(where, f"required property {name!r} is missing"))
            continue
        value = properties[name]
        if value is None and prop.required:
            problems.append(Problem(where, f"required property {name!r} is null"))
            continue
        try:
            value = coerce_value(prop, value)
        except ValueError as exc:
            problems.append(Problem(where, f"property {name!r}: {exc}"))
            continue
        if prop.allowed is not None and value is not None and value not in prop.allowed:
            problems.append(Problem(where, f"property {name!r}: {value!r} is not one of {prop.allowed}"))
            continue
        refused = network_problem(prop, value)
        if refused is not None:
            problems.append(Problem(where, f"property {name!r}: {refused}"))
            continue
        clean[name] = value
    return clean, problems


def validate_geometry(
    spec: LayerSpec, geometry: BaseGeometry | None, where: str, *, repair: bool = False
) -> tuple[BaseGeometry | None, list[Problem]]:
    if geometry is None or geometry.is_empty:
        return None, [Problem(where, "geometry is missing or empty")]
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    gtype = geometry.geom_type
    if gtype != spec.geometry:
        if MULTI_OF.get(gtype) == spec.geometry:
            geometry = as_multi(geometry)
        else:
            return None, [Problem(where, f"geometry type {gtype} does not fit layer {spec.id} ({spec.geometry})")]
    if not geometry.is_valid:
        reason = explain_validity(geometry)
        if not repair:
            return None, [Problem(where, f"invalid geometry: {reason}")]
        geometry = repair_geometry(spec, geometry)
        if geometry is None:
            return None, [Problem(where, f"invalid geometry that cannot be repaired: {reason}")]
    x0, y0, x1, y1 = MEDAN_EXTENT
    minx, miny, maxx, maxy = geometry.bounds
    if minx < x0 or miny < y0 or maxx > x1 or maxy > y1:
        return None, [Problem(where, f"coordinates outside Medan (bounds {minx:.5f},{miny:.5f},"
                                     f"{maxx:.5f},{maxy:.5f}; Medan is {x0:.3f},{y0:.3f},{x1:.3f},{y1:.3f} "
                                     "in lon/lat — wrong CRS or swapped axes?)")]
    return geometry, []


def as_multi(geometry: BaseGeometry) -> BaseGeometry:
    from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

    cls = {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}[geometry.geom_type]
    return cls([geometry])


def repair_geometry(spec: LayerSpec, geometry: BaseGeometry) -> BaseGeometry | None:
    fixed = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    wanted = spec.geometry.removeprefix("Multi")
    if fixed.geom_type == "GeometryCollection":
        parts = [g for g in fixed.geoms if g.geom_type.removeprefix("Multi") == wanted]
        if not parts:
            return None
        fixed = shapely.union_all(parts)
    if fixed.geom_type != spec.geometry and MULTI_OF.get(fixed.geom_type) == spec.geometry:
        fixed = as_multi(fixed)
    return fixed if fixed.geom_type == spec.geometry and fixed.is_valid else None


def validate_feature(
    spec: LayerSpec,
    feature: Any,
    where: str = "feature",
    *,
    crs: CRS = WGS84,
    partial: bool = False,
    repair: bool = False,
) -> CleanFeature:
    """A GeoJSON Feature (dict) checked against the declaration. Raises InvalidFeature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidFeature("not a GeoJSON Feature", [Problem(where, 'not a GeoJSON Feature; expected {"type": "Feature", ...}')])
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise InvalidFeature("invalid feature", [Problem(where, "properties must be an object")])
    properties = dict(properties)
    source = properties.pop("source", None)
    clean_props, problems = validate_properties(spec, properties, where, partial=partial)
    geometry = None
    raw_geometry = feature.get("geometry")
    if raw_geometry is None and partial:
        pass
    else:
        strict = geometry_problems(raw_geometry, where) if raw_geometry else []
        try:
            if strict:  # shapely would close, coerce or flatten what RFC 7946 does not allow
                raise ValueError("; ".join(f"{p.where}: {p.message}" for p in strict))
            parsed = shape(raw_geometry) if raw_geometry else None
        except Exception as exc:  # shapely raises several types for malformed GeoJSON
            problems.extend([Problem(p.where, f"not valid GeoJSON: {p.message}") for p in strict]
                            or [Problem(where, f"geometry is not valid GeoJSON: {exc}")])
            parsed = None
        else:
            if parsed is not None and not crs.equals(WGS84):
                parsed = to_wgs84(parsed, crs)
            geometry, shape_problems = validate_geometry(spec, parsed, where, repair=repair)
            problems.extend(shape_problems)
    if source is not None and not isinstance(source, str):
        problems.append(Problem(where, "source must be text"))
    if problems:
        raise InvalidFeature(f"{len(problems)} problem(s) in the input for layer {spec.id}", problems)
    return CleanFeature(clean_props, geometry, source)
