"""The print's legend: one entry per drawn layer (and per style class), from the declarations.

Only the layers the frame shows: a layer outside its zoom range at the
printed zoom is not drawn, so it is not in the legend (the footer names it).
Entries that do not fit the legend's box are counted in a last line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from layers.model import LayerSpec
from services.analysis.raster_tiles import RasterSpec
from services.mapprint.draw import PX_TO_PT, kind_of

LINE_MM = 5.0
HEADING_PT, ENTRY_PT = 8.5, 7.5
SWATCH_MM = 4.0


@dataclass(frozen=True)
class Entry:
    label: str
    kind: str  # point | line | polygon | raster | heading
    colour: str = "#000000"
    fill: str = "#000000"
    alpha: float = 1.0
    weight: float = 1.0
    indented: bool = False  # a style class under its layer's heading


def layer_entries(spec: LayerSpec, lang: str) -> list[Entry]:
    style, kind, title = spec.style, kind_of(spec), spec.title.get(lang)
    if style.kind == "simple":
        return [Entry(title, kind, style.color, style.fill_color or style.color, style.fill_opacity, style.weight)]
    entries = [Entry(title, "heading")]
    for entry in style.classes:
        edge = style.color if kind == "polygon" else entry.color
        entries.append(Entry(entry.label.get(lang), kind, edge, entry.color, style.fill_opacity, style.weight, True))
    return entries


def raster_entries(spec: RasterSpec, lang: str) -> list[Entry]:
    return [Entry(spec.title.get(lang), "heading"),
            *(Entry(c.label.get(lang), "raster", c.color, c.color, spec.opacity, indented=True) for c in spec.classes)]


def legend_entries(layers: Sequence[LayerSpec], rasters: Sequence[RasterSpec], lang: str) -> list[Entry]:
    entries = [e for spec in layers for e in layer_entries(spec, lang)]
    return entries + [e for spec in rasters for e in raster_entries(spec, lang)]


def _swatch(ax: Axes, entry: Entry, x: float, y: float) -> None:
    """A symbol SWATCH_MM wide centred on y (the legend axes are in millimetres)."""
    half = SWATCH_MM / 2
    if entry.kind in ("polygon", "raster"):
        ax.add_patch(Rectangle((x, y - half * 0.75), SWATCH_MM, SWATCH_MM * 0.75, facecolor=entry.fill,
                               alpha=max(entry.alpha, 0.35), edgecolor="none"))
        if entry.kind == "polygon":
            ax.add_patch(Rectangle((x, y - half * 0.75), SWATCH_MM, SWATCH_MM * 0.75, facecolor="none",
                                   edgecolor=entry.colour, linewidth=max(entry.weight * PX_TO_PT, 0.5)))
    elif entry.kind == "line":
        ax.plot([x, x + SWATCH_MM], [y, y], color=entry.colour, linewidth=max(entry.weight * PX_TO_PT, 0.8))
    else:
        ax.plot([x + half], [y], marker="o", markersize=6, color=entry.fill, markeredgecolor="white",
                markeredgewidth=0.5)


def draw_legend(ax: Axes, entries: Sequence[Entry], width_mm: float, height_mm: float, lang: str) -> int:
    """Entries top to bottom (in columns when the box is wide); returns how many were drawn."""
    ax.set_xlim(0, width_mm)
    ax.set_ylim(0, height_mm)
    ax.axis("off")
    ax.text(0, height_mm - 1, "Legenda" if lang != "en" else "Legend", fontsize=10, fontweight="bold", va="top")
    if not entries:
        ax.text(0, height_mm - 8, "Tidak ada lapisan yang ditampilkan." if lang != "en" else "No layer is shown.",
                fontsize=ENTRY_PT, va="top", style="italic")
        return 0
    rows = max(1, int((height_mm - 9) // LINE_MM))
    column_mm = 62.0
    columns = max(1, int(width_mm // column_mm))
    capacity = rows * columns
    shown = entries if len(entries) <= capacity else entries[:capacity - 1]
    for index, entry in enumerate(shown):
        x = (index // rows) * column_mm
        y = height_mm - 9 - (index % rows) * LINE_MM - LINE_MM / 2
        if entry.kind == "heading":
            ax.text(x, y, entry.label, fontsize=HEADING_PT, fontweight="bold", va="center")
            continue
        indent = 2.0 if entry.indented else 0.0
        _swatch(ax, entry, x + indent, y)
        ax.text(x + indent + SWATCH_MM + 2, y, entry.label, fontsize=ENTRY_PT, va="center")
    if len(shown) < len(entries):
        rest = len(entries) - len(shown)
        index = len(shown)
        ax.text((index // rows) * column_mm, height_mm - 9 - (index % rows) * LINE_MM - LINE_MM / 2,
                f"… dan {rest} entri lagi" if lang != "en" else f"… and {rest} more entries", fontsize=ENTRY_PT,
                va="center", style="italic")
    return len(shown)

