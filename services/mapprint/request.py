"""A print of the map as asked for: the permalink's state and the page options, checked.

Everything a request names is checked here, before any row is read: the paper
(A4 or A3), orientation, format (PDF or PNG), a title of at most 120
characters, a centre inside Medan's extent, a zoom the map offers, the layers
(each one the principal may read, by layers/access.py: a layer it may not read
is refused exactly like one that does not exist, so a print reveals nothing),
and the ground the frame would cover (at most MAX_SPAN_M a side, which bounds
the work of a render).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from layers.access import Principal, can_read
from layers.model import LayerSpec
from layers.registry import Registry
from services.analysis.raster_tiles import RasterSpec
from services.errors import ServiceError

PAPERS_MM = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}  # ISO 216: short side, long side
FORMATS = {"pdf": "application/pdf", "png": "image/png"}
ORIENTATIONS = ("landscape", "portrait")
LANGUAGES = ("id", "en")
MIN_ZOOM, MAX_ZOOM = 10, 19  # the homepage map's zoom range (webgis/pages/config.py)
MAX_TITLE = 120
MAX_LAYERS = 15
# Medan is about 17 km by 35 km: a frame twice the city's length is the most a print may cover.
MAX_SPAN_M = 70_000.0
EARTH_RADIUS_M = 6378137.0


class PrintInputError(ServiceError):
    """A print request the service refuses (400): the message says which value and why."""


@dataclass(frozen=True)
class PrintRequest:
    layers: tuple[LayerSpec, ...]  # the visible vector layers, drawn in this order
    rasters: tuple[RasterSpec, ...]  # visible declared rasters (the hazard overlay)
    basemap: tuple[LayerSpec, ...]  # the offline basemap's layers; empty with basemap=off
    lon: float
    lat: float
    zoom: int
    bbox: tuple[float, float, float, float] | None  # the screen's view (lon/lat), when the page sent it
    paper: str
    orientation: str
    fmt: str
    title: str
    lang: str

    @property
    def page_mm(self) -> tuple[float, float]:
        """(width, height) of the page in millimetres."""
        short, long = PAPERS_MM[self.paper]
        return (long, short) if self.orientation == "landscape" else (short, long)

    @property
    def media_type(self) -> str:
        return FORMATS[self.fmt]

    @property
    def filename(self) -> str:
        return f"peta-medan-{self.paper}-{self.orientation}.{self.fmt}"


def _say(lang: str, indonesian: str, english: str) -> str:
    return english if lang == "en" else indonesian


def _choice(args: Mapping[str, str], name: str, allowed: Sequence[str], default: str, lang: str) -> str:
    value = (args.get(name) or default).strip().lower()
    if value not in allowed:
        raise PrintInputError(_say(lang, f"{name} harus salah satu dari {', '.join(allowed)}, bukan {value!r}",
                                   f"{name} must be one of {', '.join(allowed)}, not {value!r}"))
    return value


def _view(args: Mapping[str, str], extent: tuple[float, float, float, float], lang: str) -> tuple[int, float, float]:
    """zoom, lat, lon from `map=<zoom>/<lat>/<lon>`, the permalink's own spelling."""
    text = args.get("map", "")
    if not text:
        raise PrintInputError(_say(lang, "map=<zoom>/<lat>/<lon> diperlukan (tampilan peta yang dicetak)",
                                   "map=<zoom>/<lat>/<lon> is required (the view to print)"))
    try:
        zoom_text, lat_text, lon_text = text.split("/")
        zoom, lat, lon = float(zoom_text), float(lat_text), float(lon_text)
    except ValueError:
        raise PrintInputError(_say(lang, f"map harus <zoom>/<lat>/<lon>, bukan {text[:60]!r}",
                                   f"map must be <zoom>/<lat>/<lon>, not {text[:60]!r}")) from None
    if not all(math.isfinite(v) for v in (zoom, lat, lon)) or not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise PrintInputError(_say(lang, f"zoom harus antara {MIN_ZOOM} dan {MAX_ZOOM}",
                                   f"zoom must be between {MIN_ZOOM} and {MAX_ZOOM}"))
    x0, y0, x1, y1 = extent
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        raise PrintInputError(_say(lang, "pusat peta di luar Kota Medan", "the map's centre lies outside Medan"))
    return round(zoom), lat, lon


def _bbox(args: Mapping[str, str], extent: tuple[float, float, float, float], lang: str) -> tuple[float, ...] | None:
    text = args.get("bbox", "")
    if not text:
        return None
    try:
        box = tuple(float(v) for v in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box) or box[0] >= box[2] or box[1] >= box[3]:
        raise PrintInputError(_say(lang, "bbox harus minLon,minLat,maxLon,maxLat", "bbox must be minLon,minLat,maxLon,maxLat"))
    x0, y0, x1, y1 = extent
    if box[2] < x0 or box[0] > x1 or box[3] < y0 or box[1] > y1:
        raise PrintInputError(_say(lang, "bbox di luar Kota Medan", "bbox lies outside Medan"))
    return box


def ground_span_m(bbox: tuple[float, ...]) -> tuple[float, float]:
    """Approximate ground width and height (metres) of a lon/lat box."""
    mid = math.radians((bbox[1] + bbox[3]) / 2)
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180
    return (bbox[2] - bbox[0]) * metres_per_degree * math.cos(mid), (bbox[3] - bbox[1]) * metres_per_degree


def _layers(args: Mapping[str, str], principal: Principal, registry: Registry, rasters: Mapping[str, RasterSpec],
            lang: str) -> tuple[tuple[LayerSpec, ...], tuple[RasterSpec, ...]]:
    ids = [i for i in dict.fromkeys((args.get("layers") or "").split(",")) if i]
    if len(ids) > MAX_LAYERS:
        raise PrintInputError(_say(lang, f"paling banyak {MAX_LAYERS} lapisan dalam satu cetakan",
                                   f"at most {MAX_LAYERS} layers in one print"))
    vectors, grids = [], []
    for layer_id in ids:
        if layer_id in rasters:
            grids.append(rasters[layer_id])
        elif layer_id in registry and can_read(registry.get(layer_id), principal):
            vectors.append(registry.get(layer_id))
        else:  # a layer the principal may not read is unknown to it, the same answer as a missing one
            raise PrintInputError(_say(lang, f"lapisan tidak dikenal: {layer_id[:64]!r}", f"unknown layer: {layer_id[:64]!r}"))
    return tuple(vectors), tuple(grids)


def default_title(layers: Sequence[LayerSpec], rasters: Sequence[RasterSpec], lang: str) -> str:
    """'Peta Kota Medan: Sekolah, Puskesmas' from the view's layers (three named at most)."""
    names = [spec.title.get(lang) for spec in layers] + [spec.title.get(lang) for spec in rasters]
    base = _say(lang, "Peta Kota Medan", "Medan City Map")
    if not names:
        return base
    shown = ", ".join(names[:3])
    if len(names) > 3:
        shown += _say(lang, f" dan {len(names) - 3} lainnya", f" and {len(names) - 3} more")
    return f"{base}: {shown}"


def parse_print_request(args: Mapping[str, str], principal: Principal, *, registry: Registry,
                        rasters: Mapping[str, RasterSpec], basemap: Sequence[LayerSpec],
                        extent: tuple[float, float, float, float]) -> PrintRequest:
    """The checked request, or PrintInputError (400) naming the first value that is wrong."""
    lang = args.get("lang") if args.get("lang") in LANGUAGES else "id"
    paper = _choice(args, "size", tuple(PAPERS_MM), "a4", lang)
    orientation = _choice(args, "orientation", ORIENTATIONS, "landscape", lang)
    fmt = _choice(args, "format", tuple(FORMATS), "pdf", lang)
    basemap_on = _choice(args, "basemap", ("on", "off"), "on", lang) == "on"
    zoom, lat, lon = _view(args, extent, lang)
    bbox = _bbox(args, extent, lang)
    if bbox is not None and max(ground_span_m(bbox)) > MAX_SPAN_M:
        raise PrintInputError(_say(lang, f"tampilan terlalu luas: paling luas {MAX_SPAN_M / 1000:.0f} km",
                                   f"the view is too large: {MAX_SPAN_M / 1000:.0f} km at most"))
    vectors, grids = _layers(args, principal, registry, rasters, lang)
    title = " ".join((args.get("title") or "").split())
    if len(title) > MAX_TITLE:
        raise PrintInputError(_say(lang, f"judul paling panjang {MAX_TITLE} karakter", f"the title is {MAX_TITLE} characters at most"))
    return PrintRequest(
        layers=vectors, rasters=grids, basemap=tuple(basemap) if basemap_on else (), lon=lon, lat=lat, zoom=zoom,
        bbox=bbox, paper=paper, orientation=orientation, fmt=fmt,
        title=title or default_title(vectors, grids, lang), lang=lang)
