"""A GeoJSON geometry sent to a write, checked to the letter of RFC 7946 before shapely reads it.

shapely is lenient: it closes an open ring, turns the text "98.6" into a number
and keeps a height the layer then drops. A write that guesses what the sender
meant can store something else than they think; so what RFC 7946 does not
allow, or what is ambiguous, is refused here with the place it was found:

- a position is 2 numbers (longitude/easting, latitude/northing) - JSON numbers,
  not text, finite; a third number (height) is refused, since layers are 2D
  and dropping it silently loses what was sent (RFC 7946 3.1.1)
- a LineString has at least 2 positions; a Polygon's rings at least 4, the
  last equal to the first (3.1.4, 3.1.6)
- the members a geometry type has: `coordinates`, or `geometries` for a
  GeometryCollection (3.1)
A `crs` member (RFC 7946 removed it; the CRS travels in Content-Crs) is the web
layer's to compare with that header (webgis/ogcapi/writes.py).

Imports from files (layers/files.py) read through GDAL and keep their own rules.
"""

from __future__ import annotations

import math
from typing import Any

from layers.errors import Problem

# Nesting depth of `coordinates` down to a position, per geometry type.
POSITION_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                  "MultiPolygon": 3}
MAX_PROBLEMS = 5


def geometry_problems(raw: Any, where: str) -> list[Problem]:
    """What is wrong with a GeoJSON geometry object, at most MAX_PROBLEMS of it; [] when it is sound."""
    problems: list[Problem] = []
    _check_geometry(raw, f"{where}: geometry", problems)
    return problems[:MAX_PROBLEMS]


def _check_geometry(raw: Any, where: str, problems: list[Problem]) -> None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "must be a GeoJSON geometry object"))
        return
    kind = raw.get("type")
    if kind == "GeometryCollection":
        parts = raw.get("geometries")
        if not isinstance(parts, list):
            problems.append(Problem(where, 'a GeometryCollection needs a "geometries" array'))
            return
        for index, part in enumerate(parts):
            _check_geometry(part, f"{where}.geometries[{index}]", problems)
        return
    if kind not in POSITION_DEPTH:
        problems.append(Problem(where, f"type {kind!r} is not a GeoJSON geometry type"))
        return
    if "coordinates" not in raw:
        problems.append(Problem(where, f'a {kind} needs a "coordinates" array'))
        return
    _check_coordinates(raw["coordinates"], POSITION_DEPTH[kind], kind, f"{where}.coordinates", problems)


def _check_coordinates(node: Any, depth: int, kind: str, where: str, problems: list[Problem]) -> None:
    if len(problems) >= MAX_PROBLEMS:
        return
    if depth == 0:
        _check_position(node, where, problems)
        return
    if not isinstance(node, list):
        problems.append(Problem(where, "must be an array"))
        return
    if depth == 1 and kind in ("LineString", "MultiLineString") and len(node) < 2:
        problems.append(Problem(where, f"a line needs at least 2 positions, not {len(node)}"))
    if depth == 1 and kind in ("Polygon", "MultiPolygon"):
        _check_ring(node, where, problems)
    for index, child in enumerate(node):
        _check_coordinates(child, depth - 1, kind, f"{where}[{index}]", problems)


def _check_ring(ring: list, where: str, problems: list[Problem]) -> None:
    if len(ring) < 4:
        problems.append(Problem(where, f"a ring needs at least 4 positions, the last equal to the first, "
                                       f"not {len(ring)}"))
    elif ring[0] != ring[-1]:
        problems.append(Problem(where, f"the ring is not closed: its last position {ring[-1]} is not its "
                                       f"first {ring[0]} (RFC 7946 3.1.6; it is not closed for you)"))


def _check_position(position: Any, where: str, problems: list[Problem]) -> None:
    if not isinstance(position, list) or not position:
        problems.append(Problem(where, "a position is an array of 2 numbers"))
        return
    for value in position:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(Problem(where, f"{value!r} is not a number (send numbers, not text)"))
            return
        if not math.isfinite(value):
            problems.append(Problem(where, f"{value!r} is not a finite number"))
            return
    if len(position) == 3:
        problems.append(Problem(where, "has a height (3 numbers); layers store 2D positions, send 2 numbers"))
    elif len(position) != 2:
        problems.append(Problem(where, f"a position is 2 numbers, not {len(position)}"))
