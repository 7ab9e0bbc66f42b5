"""The WebMercatorQuad tile grid: which tiles exist, what lon/lat box a tile covers,
how much detail it can show, and the bound values of the render statement."""

from __future__ import annotations

import math
from collections.abc import Sequence

from layers.errors import LayerError

TILE_MATRIX_SET = "WebMercatorQuad"
MAX_ZOOM = 22  # the deepest tile matrix served (WebMercatorQuad defines 0..24)
EXTENT = 4096  # MVT coordinate units per tile side (ST_AsMVT's default)
BUFFER = 64  # units kept around the tile so symbols and lines are not cut at the edge
WEB_MERCATOR_HALF_WIDTH = 20037508.342789244
MAX_LATITUDE = 85.0511287798066


class TileOutOfRange(LayerError):
    """A tile outside the tile matrix set or the layer's declared zoom range."""

    status = 404


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"zoom {z} is outside 0..{MAX_ZOOM} of {TILE_MATRIX_SET}")
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise TileOutOfRange(f"tile {z}/{x}/{y} is outside the {size}x{size} matrix of zoom {z}")


def tile_bounds_lonlat(z: int, x: int, y: int, margin: float = BUFFER / EXTENT) -> tuple[float, float, float, float]:
    """The tile grown by `margin` tiles on each side, in lon/lat (the layers' SRID).

    Features are selected by this box and cached tiles are invalidated by it, so a
    changed row reaches exactly the tiles that could have drawn it.
    """
    n = 1 << z

    def lon(col: float) -> float:
        return max(-180.0, min(180.0, col / n * 360.0 - 180.0))

    def lat(row: float) -> float:
        value = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
        return max(-MAX_LATITUDE, min(MAX_LATITUDE, value))

    return lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin)


def simplify_tolerance(z: int) -> float:
    """Half a pixel of a 256-px tile, in Web Mercator metres: invisible detail."""
    return 2 * WEB_MERCATOR_HALF_WIDTH / (1 << z) / 512


def tile_params(layer_ids: Sequence[str], z: int, x: int, y: int) -> dict[str, object]:
    """The bound values of a tile statement (rendering only; layers.tiles.render adds the cache's)."""
    x0, y0, x1, y1 = tile_bounds_lonlat(z, x, y)
    units = EXTENT * (1 << z)  # tile units across the world at this zoom
    return {
        "z": z, "x": x, "y": y, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
        "tolerance": simplify_tolerance(z), "layers": list(layer_ids), "key": "", "store": False,
        # lon -> column and asinh(tan(lat)) -> row, in units of this tile (y grows southwards)
        "kx": units / 360.0, "cx": units / 2.0 - x * EXTENT,
        "ky": -units / (2 * math.pi), "cy": units / 2.0 - y * EXTENT,
    }
