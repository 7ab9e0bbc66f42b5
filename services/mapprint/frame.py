"""Where things go on the page, and which piece of the city the map frame shows.

The page is laid out like a QGIS print layout, in millimetres from the
bottom-left corner: a title band, the map frame, the legend (to the right of
the map in landscape, below it in portrait) and a footer for the date,
scale and attribution.

The map frame shows the screen's view at the same scale: a frame drawn at
96 CSS pixels per inch with the web map's metres per pixel at that zoom (the
paper then covers a little more or less of the city than the screen did,
centred on the same point). When the page sends the screen's box (`bbox`),
the frame is fitted around it instead, so everything that was on screen is on
paper. The frame is in Web Mercator (EPSG:3857), like the web map; the scale
bar and scale corrects for Mercator's stretch at Medan's latitude (0.2%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.mapprint.request import MAX_SPAN_M, PrintInputError, PrintRequest

HALF_WORLD = math.pi * 6378137.0  # metres from the origin to the edge of Web Mercator
CSS_PX_PER_MM = 96 / 25.4
MARGIN_MM = 10.0
TITLE_MM = 14.0
FOOTER_MM = 22.0
LEGEND_SIDE_MM = 62.0  # landscape: a column right of the map
LEGEND_BELOW_MM = {"a4": 48.0, "a3": 62.0}  # portrait: a band below the map
GAP_MM = 4.0


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, millimetres from the bottom-left corner."""

    left: float
    bottom: float
    width: float
    height: float

    def fraction(self, page: tuple[float, float]) -> list[float]:
        """[left, bottom, width, height] as fractions of the page (matplotlib's add_axes)."""
        return [self.left / page[0], self.bottom / page[1], self.width / page[0], self.height / page[1]]


@dataclass(frozen=True)
class Layout:
    page: tuple[float, float]
    title: Box
    map: Box
    legend: Box
    footer: Box


def layout_for(request: PrintRequest) -> Layout:
    width, height = request.page_mm
    inner = width - 2 * MARGIN_MM
    footer = Box(MARGIN_MM, MARGIN_MM, inner, FOOTER_MM)
    top = height - MARGIN_MM - TITLE_MM
    title = Box(MARGIN_MM, top, inner, TITLE_MM)
    body_bottom = MARGIN_MM + FOOTER_MM + GAP_MM
    body_height = top - GAP_MM - body_bottom
    if request.orientation == "landscape":
        map_box = Box(MARGIN_MM, body_bottom, inner - LEGEND_SIDE_MM - GAP_MM, body_height)
        legend = Box(MARGIN_MM + map_box.width + GAP_MM, body_bottom, LEGEND_SIDE_MM, body_height)
    else:
        below = LEGEND_BELOW_MM[request.paper]
        legend = Box(MARGIN_MM, body_bottom, inner, below)
        map_box = Box(MARGIN_MM, body_bottom + below + GAP_MM, inner, body_height - below - GAP_MM)
    return Layout((width, height), title, map_box, legend, footer)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon) * 6378137.0
    y = math.asinh(math.tan(math.radians(lat))) * 6378137.0
    return x, y


def lonlat(x: float, y: float) -> tuple[float, float]:
    return math.degrees(x / 6378137.0), math.degrees(math.atan(math.sinh(y / 6378137.0)))


@dataclass(frozen=True)
class Frame:
    """The map frame's extent in EPSG:3857 and its size on paper."""

    x0: float
    y0: float
    x1: float
    y1: float
    width_mm: float
    height_mm: float
    lat: float

    @property
    def ground_per_map_unit(self) -> float:
        """Ground metres per Web Mercator metre at the frame's latitude."""
        return math.cos(math.radians(self.lat))

    @property
    def units_per_mm(self) -> float:
        """Web Mercator metres per millimetre of paper."""
        return (self.x1 - self.x0) / self.width_mm

    @property
    def scale(self) -> float:
        """The scale denominator: ground metres per metre of paper."""
        return (self.x1 - self.x0) * self.ground_per_map_unit / (self.width_mm / 1000)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The frame as a lon/lat box (what the layers are read in)."""
        return (*lonlat(self.x0, self.y0), *lonlat(self.x1, self.y1))


def frame_for(request: PrintRequest, box: Box) -> Frame:
    """The frame centred on the view, at the screen's scale or fitted around its box."""
    cx, cy = mercator(request.lon, request.lat)
    if request.bbox is not None:
        x0, y0 = mercator(request.bbox[0], request.bbox[1])
        x1, y1 = mercator(request.bbox[2], request.bbox[3])
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        units_per_mm = max((x1 - x0) / box.width, (y1 - y0) / box.height)
    else:
        units_per_mm = 2 * HALF_WORLD / (256 * 2**request.zoom) * CSS_PX_PER_MM
    half_w, half_h = box.width * units_per_mm / 2, box.height * units_per_mm / 2
    frame = Frame(cx - half_w, cy - half_h, cx + half_w, cy + half_h, box.width, box.height, lonlat(cx, cy)[1])
    ground = max(half_w, half_h) * 2 * frame.ground_per_map_unit
    if ground > MAX_SPAN_M:
        lang = request.lang
        raise PrintInputError(
            f"the view is too large for this paper: {ground / 1000:.0f} km across, {MAX_SPAN_M / 1000:.0f} km at most; "
            "zoom in" if lang == "en" else
            f"tampilan terlalu luas untuk kertas ini: {ground / 1000:.0f} km, paling luas {MAX_SPAN_M / 1000:.0f} km; "
            "perbesar peta")
    return frame
