"""The printed page: title, map frame, legend, scale bar, north arrow, date and attribution.

Drawn with matplotlib's object API (a Figure per print, no pyplot state, so
requests in threads do not share a figure) at the paper's exact size: the PDF's
page box is the paper in points, the PNG is the paper at PNG_DPI with that
resolution recorded. The PDF keeps vectors and real text (matplotlib's Type 3 fonts carry a
ToUnicode map, so words can be searched and copied; embedding TrueType subsets instead,
`pdf.fonttype` 42, cost about 2 s a print in fontTools, measured); matplotlib's own
PDF backend does the whole page, where reportlab would only have wrapped a
picture of the map.
"""

from __future__ import annotations

import io
import math
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from layers.access import Principal
from layers.tables import Bind
from services.mapprint.draw import Drawn, draw_frame
from services.mapprint.frame import Frame, frame_for, layout_for
from services.mapprint.legend import draw_legend, legend_entries
from services.mapprint.request import PrintRequest

PNG_DPI = 150
WIB = ZoneInfo("Asia/Jakarta")
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")
MM_PER_INCH = 25.4
FOOTER_MM_PER_CHAR = 1.35  # DejaVu Sans at 6.5 pt: an average character is about 1.2 mm wide


@dataclass(frozen=True)
class PrintResult:
    content: bytes
    media_type: str
    filename: str
    seconds: float
    drawn: Drawn
    scale: float


def printed_on(now: datetime, lang: str) -> str:
    local = now.astimezone(WIB)
    if lang == "en":
        return f"Printed {local:%d %B %Y, %H:%M} WIB (UTC+7)"
    return f"Dicetak {local.day} {MONTHS_ID[local.month - 1]} {local.year}, {local:%H.%M} WIB"


def attributions(drawn: Drawn) -> list[str]:
    """Each drawn layer's credits once (declared sources; OpenStreetMap layers carry ODbL)."""
    parts = [part for spec in [*drawn.basemap, *drawn.layers] for part in spec.attributions()]
    parts += [p.strip() for spec in drawn.rasters for p in spec.source.attribution.split(";") if p.strip()]
    return list(dict.fromkeys(parts))


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above `metres`."""
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def _distance(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def draw_scale_bar(ax: Axes, frame: Frame) -> float:
    """A four-part bar at the frame's bottom left, about a quarter of its width; returns its ground length."""
    ground_width = (frame.x1 - frame.x0) * frame.ground_per_map_unit
    length = nice_length(ground_width / 4)
    units = length / frame.ground_per_map_unit  # Web Mercator metres for that ground length
    pad_x = (frame.x1 - frame.x0) * 0.03
    pad_y = (frame.y1 - frame.y0) * 0.04
    height = (frame.y1 - frame.y0) * 0.012
    x, y = frame.x0 + pad_x, frame.y0 + pad_y
    ax.add_patch(Rectangle((x - pad_x * 0.4, y - height * 1.5), units + pad_x * 1.4,
                                              height * 5.2, facecolor="white", alpha=0.8, edgecolor="none", zorder=9))
    for part in range(4):
        ax.add_patch(Rectangle(
            (x + part * units / 4, y), units / 4, height, facecolor="black" if part % 2 == 0 else "white",
            edgecolor="black", linewidth=0.5, zorder=10))
    for fraction in (0, 0.5, 1):
        ax.text(x + fraction * units, y + height * 1.6, _distance(length * fraction) if fraction else "0",
                fontsize=6.5, ha="center", va="bottom", zorder=10)
    return length


def draw_north_arrow(ax: Axes, lang: str) -> None:
    """Web Mercator's grid north is true north: an arrow at the frame's top right."""
    ax.annotate("", xy=(0.955, 0.95), xytext=(0.955, 0.86), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=0.9", "color": "black", "linewidth": 1.4},
                zorder=10)
    ax.text(0.955, 0.955, "U" if lang != "en" else "N", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=10, fontweight="bold", zorder=10)


def _footer_lines(request: PrintRequest, drawn: Drawn, frame: Frame, now: datetime, footer_mm: float) -> list[str]:
    lang = request.lang
    scale = f"{round(frame.scale, -1):,.0f}".replace(",", ".")
    paper = f"{request.paper.upper()} {'mendatar' if request.orientation == 'landscape' else 'tegak'}"
    if lang == "en":
        paper = f"{request.paper.upper()} {request.orientation}"
    lines = [f"{printed_on(now, lang)} · {'Scale' if lang == 'en' else 'Skala'} 1:{scale} ({paper}) · "
             f"{'Centre' if lang == 'en' else 'Pusat'} {request.lat:.5f}, {request.lon:.5f} · Medan WebGIS"]
    sources = "; ".join(attributions(drawn)) or "—"
    lines += textwrap.wrap(("Sources: " if lang == "en" else "Sumber data: ") + sources,
                           width=int(footer_mm / FOOTER_MM_PER_CHAR))
    if drawn.out_of_zoom:
        names = ", ".join(spec.title.get(lang) for spec in drawn.out_of_zoom)
        lines.append(("Not drawn at this zoom: " if lang == "en" else "Tidak digambar pada zoom ini: ") + names)
    if drawn.cut:
        names = ", ".join(spec.title.get(lang) for spec in drawn.cut)
        lines.append(("Only the first 50,000 features of: " if lang == "en" else "Hanya 50.000 fitur pertama: ") + names)
    return lines


def _page(bind: Bind, request: PrintRequest, principal: Principal, now: datetime) -> tuple[Figure, Drawn, Frame]:
    layout = layout_for(request)
    page = layout.page
    figure = Figure(figsize=(page[0] / MM_PER_INCH, page[1] / MM_PER_INCH))
    title_ax = figure.add_axes(layout.title.fraction(page))
    title_ax.axis("off")
    title_ax.text(0, 0.5, request.title, fontsize=15, fontweight="bold", va="center", wrap=True)
    map_ax = figure.add_axes(layout.map.fraction(page))
    map_ax.set_xticks([])
    map_ax.set_yticks([])
    frame = frame_for(request, layout.map)
    drawn = draw_frame(map_ax, bind, layers=request.layers, rasters=request.rasters, basemap=request.basemap,
                       frame=frame, principal=principal, zoom=request.zoom, px_per_mm=PNG_DPI / MM_PER_INCH)
    map_ax.set_xlabel("")
    map_ax.set_ylabel("")
    draw_scale_bar(map_ax, frame)
    draw_north_arrow(map_ax, request.lang)
    legend_ax = figure.add_axes(layout.legend.fraction(page))
    draw_legend(legend_ax, legend_entries(drawn.layers, drawn.rasters, request.lang),
                layout.legend.width, layout.legend.height, request.lang)
    footer_ax = figure.add_axes(layout.footer.fraction(page))
    footer_ax.axis("off")
    footer_ax.text(0, 1, "\n".join(_footer_lines(request, drawn, frame, now, layout.footer.width)), fontsize=6.5, va="top",
                   linespacing=1.5)
    return figure, drawn, frame


def render_print(bind: Bind, request: PrintRequest, principal: Principal, *, now: datetime | None = None) -> PrintResult:
    """The page as PDF or PNG bytes, with what it shows and how long it took."""
    started = time.perf_counter()
    now = now or datetime.now(WIB)
    with matplotlib.rc_context({"pdf.fonttype": 3, "font.family": "DejaVu Sans"}):
        figure, drawn, frame = _page(bind, request, principal, now)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=request.fmt, dpi=PNG_DPI, metadata={"Title": request.title})
    return PrintResult(buffer.getvalue(), request.media_type, request.filename, time.perf_counter() - started,
                       drawn, frame.scale)

