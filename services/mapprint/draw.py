"""The map frame's content: the offline basemap, the hazard rasters and the visible layers.

Every vector layer is read with `layers.read_layer` and the requesting
principal, so layers/access.py decides, as on every other path: only layers it
may read, only the rows its row rules admit, and only the properties it may
see (the style's property is read when readable, else the layer is drawn in its
plain colour). Styles come from the declarations, as on the web map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes

from layers import read_layer
from layers.access import Principal, readable_properties
from layers.model import LayerSpec, Style, StyleClass
from layers.tables import Bind
from services.analysis.raster_tiles import RasterSpec, colourise, read_tile_values
from services.mapprint.frame import Frame

# Features read per layer at most: a print at city zoom of a layer with a million points
# would otherwise read them all; the notes say when a layer was cut.
MAX_FEATURES_PER_LAYER = 50_000
MAX_RASTER_PX = 2_000
SIMPLIFY_MM = 0.1
PX_TO_PT = 0.75  # a CSS pixel is 0.75 pt: declared weights and radii are in pixels
BASEMAP_FILL, BASEMAP_EDGE, BASEMAP_LINE = "#f1f1ee", "#b9b9b4", "#d2d2cc"
UNCLASSED = "#9e9e9e"
LINE_TYPES = ("LineString", "MultiLineString")
POLYGON_TYPES = ("Polygon", "MultiPolygon")


@dataclass
class Drawn:
    """What the frame shows, for the legend and the footer's notes."""

    layers: list[LayerSpec] = field(default_factory=list)
    rasters: list[RasterSpec] = field(default_factory=list)
    basemap: list[LayerSpec] = field(default_factory=list)
    out_of_zoom: list[LayerSpec | RasterSpec] = field(default_factory=list)
    cut: list[LayerSpec] = field(default_factory=list)


def kind_of(spec: LayerSpec) -> str:
    if spec.geometry in LINE_TYPES:
        return "line"
    return "polygon" if spec.geometry in POLYGON_TYPES else "point"


def class_colour(style: Style, value: object) -> str:
    """The colour of a feature's style class (categorized: equal value; graduated: min <= v < max)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    for entry in style.classes:
        if style.kind == "categorized" and entry.value == value:
            return entry.color
        if style.kind == "graduated" and numeric and _in_class(entry, value):
            return entry.color
    return UNCLASSED


def _in_class(entry: StyleClass, value: float) -> bool:
    return (entry.min is None or value >= entry.min) and (entry.max is None or value < entry.max)


def _in_zoom(spec: LayerSpec, zoom: int) -> bool:
    return spec.zoom.min <= zoom <= spec.zoom.max


def _read(bind: Bind, spec: LayerSpec, frame: Frame, principal: Principal, columns: list[str]):  # noqa: ANN202
    frame_data = read_layer(bind, spec.id, bbox=frame.bbox, principal=principal, columns=columns,
                            limit=MAX_FEATURES_PER_LAYER + 1)
    projected = frame_data.to_crs(3857)
    if kind_of(spec) != "point":
        # Detail finer than a tenth of a millimetre on paper is invisible (a PNG pixel is 0.17 mm)
        # but every vertex is drawn and written into the PDF.
        projected["geometry"] = projected.geometry.simplify(frame.units_per_mm * SIMPLIFY_MM)
    return projected


def _style_column(spec: LayerSpec, principal: Principal) -> str | None:
    style = spec.style
    if style.kind == "simple" or not style.property:
        return None
    return style.property if style.property in readable_properties(spec, principal) else None


def draw_layer(ax: Axes, bind: Bind, spec: LayerSpec, frame: Frame, principal: Principal, zorder: float) -> bool:
    """Draw one visible layer in its declared style; True when it had more features than are drawn."""
    column = _style_column(spec, principal)
    data = _read(bind, spec, frame, principal, [column] if column else [])
    cut = len(data) > MAX_FEATURES_PER_LAYER
    data = data.iloc[:MAX_FEATURES_PER_LAYER]
    if data.empty:
        return cut
    style = spec.style
    colours = [class_colour(style, v) for v in data[column]] if column else style.color
    kind = kind_of(spec)
    if kind == "polygon":
        fill = colours if column else (style.fill_color or style.color)
        data.plot(ax=ax, facecolor=fill, alpha=style.fill_opacity, edgecolor="none", zorder=zorder)
        data.boundary.plot(ax=ax, color=style.color if column else colours, linewidth=style.weight * PX_TO_PT,
                           zorder=zorder + 0.1)
    elif kind == "line":
        data.plot(ax=ax, color=colours, linewidth=style.weight * PX_TO_PT, zorder=zorder)
    else:
        diameter = 2 * style.radius * PX_TO_PT
        data.plot(ax=ax, color=colours, markersize=diameter**2, edgecolor="white", linewidth=0.5, zorder=zorder)
    return cut


def draw_basemap(ax: Axes, bind: Bind, specs: Sequence[LayerSpec], frame: Frame, principal: Principal,
                 zoom: int) -> list[LayerSpec]:
    """The grey backdrop the web map draws offline: public boundaries and line networks.
    Returns the layers that put something on the page (those the footer credits)."""
    drawn = []
    for spec in specs:
        if not _in_zoom(spec, zoom):
            continue
        data = _read(bind, spec, frame, principal, []).iloc[:MAX_FEATURES_PER_LAYER]
        if data.empty:  # nothing of it on this page (an OSM extract not loaded yet): no credit owed
            continue
        drawn.append(spec)
        if kind_of(spec) == "polygon":
            data.plot(ax=ax, facecolor=BASEMAP_FILL, edgecolor=BASEMAP_EDGE, linewidth=0.4, zorder=1)
        elif kind_of(spec) == "line":
            data.plot(ax=ax, color=BASEMAP_LINE, linewidth=0.6, zorder=1.5)
    return drawn


def draw_raster(ax: Axes, spec: RasterSpec, frame: Frame, px_per_mm: float) -> None:
    """A declared raster resampled onto the frame's grid, coloured by its classes."""
    width = max(1, min(MAX_RASTER_PX, round(frame.width_mm * px_per_mm)))
    height = max(1, min(MAX_RASTER_PX, round(frame.height_mm * px_per_mm)))
    values = read_tile_values(spec.file, (frame.x0, frame.y0, frame.x1, frame.y1), size=width, height=height)
    rgba = np.moveaxis(colourise(values, spec), 0, -1)
    ax.imshow(rgba, extent=(frame.x0, frame.x1, frame.y0, frame.y1), origin="upper", alpha=spec.opacity,
              interpolation="nearest", zorder=2)


def draw_frame(ax: Axes, bind: Bind, *, layers: Sequence[LayerSpec], rasters: Sequence[RasterSpec],
               basemap: Sequence[LayerSpec], frame: Frame, principal: Principal, zoom: int,
               px_per_mm: float) -> Drawn:
    """Everything inside the map frame; polygons under lines under points, as on the web map."""
    drawn = Drawn()
    ax.set_facecolor("#fbfbf8")
    drawn.basemap = draw_basemap(ax, bind, basemap, frame, principal, zoom)
    for spec in rasters:
        if spec.zoom.min <= zoom:  # beyond its last zoom the web map scales it up; so does a print
            draw_raster(ax, spec, frame, px_per_mm)
            drawn.rasters.append(spec)
        else:
            drawn.out_of_zoom.append(spec)
    order = {"polygon": 3, "line": 4, "point": 5}
    for index, spec in enumerate(layers):
        if not _in_zoom(spec, zoom):
            drawn.out_of_zoom.append(spec)
            continue
        if draw_layer(ax, bind, spec, frame, principal, order[kind_of(spec)] + index / 100):
            drawn.cut.append(spec)
        drawn.layers.append(spec)
    ax.set_xlim(frame.x0, frame.x1)
    ax.set_ylim(frame.y0, frame.y1)
    ax.set_aspect("auto")
    return drawn
