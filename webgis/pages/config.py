"""What the homepage's map needs to know, derived from the layer declarations.

`map_config` is served as /peta/layers.json; the page builds its layer panel,
legends, popups and basemap from it, so a new public layer appears on the map
with no page change. Nothing here knows Flask.
"""

from __future__ import annotations

import threading
import time
from typing import Any, get_args

from sqlalchemy import func, literal, select, union_all

from config.settings import MEDAN_BBOX, Settings
from geodata.osm import ROADS
from layers.access import ANONYMOUS, Principal, readable_layers
from layers.model import LayerSpec, Text, Theme
from layers.registry import Registry
from layers.tables import Bind, layer_table, reading
from services.analysis.raster_tiles import RasterSpec, load_rasters, tile_url_template

THEME_TITLES: dict[str, Text] = {
    "batas_wilayah": Text(id="Batas wilayah", en="Boundaries"),
    "layanan_publik": Text(id="Layanan publik", en="Public services"),
    "transportasi": Text(id="Transportasi", en="Transport"),
    "risiko": Text(id="Risiko", en="Risk"),
    "perangkat_kota": Text(id="Perangkat kota", en="City devices"),
    "lainnya": Text(id="Lainnya", en="Other"),
}
# A layer is drawn from GeoJSON (one request, every feature interactive) while
# it is small, and from the MVT tile endpoints (simplified per zoom, only what
# is in view) when it has more features or vertices than a phone handles well.
GEOJSON_MAX_FEATURES = 2_000
GEOJSON_MAX_VERTICES = 50_000
SIZE_TTL_SECONDS = 60.0
MAX_ZOOM = 19
LINE_TYPES = ("LineString", "MultiLineString")
BASEMAP_TITLE = Text(id="Peta dasar", en="Basemap")
POLYGON_TYPES = ("Polygon", "MultiPolygon")
# Street names are written on the map from this zoom, where a street is long enough on screen
# to carry its name (OpenStreetMap's own style starts most street names at 15 too).
STREET_LABEL_MIN_ZOOM = 15
STREET_LABEL_LIMIT = 500
# Who is told that the streets are missing and how to load them: the public just sees today's map.
STREETS_NOTE_ROLES = frozenset({"staff", "planner", "operator", "admin"})
STREETS_MISSING = Text(
    id="Peta belum memuat jalan dan nama tempat (OpenStreetMap). Admin memuatnya sekali dengan "
       "`python -m webgis basemap import FILE.osm.pbf` (lihat README, bagian Peta dasar).",
    en="The map has no streets or place names yet (OpenStreetMap). An admin loads them once with "
       "`python -m webgis basemap import FILE.osm.pbf` (see the README, section Basemap).",
)


def geometry_kind(spec: LayerSpec) -> str:
    if spec.geometry in LINE_TYPES:
        return "line"
    return "polygon" if spec.geometry in POLYGON_TYPES else "point"


def is_basemap_layer(spec: LayerSpec) -> bool:
    """The offline basemap: boundaries (and water, in that theme) and every line network."""
    return spec.access.is_public and (spec.theme == "batas_wilayah" or spec.geometry in LINE_TYPES)


def public_layers(registry: Registry) -> list[LayerSpec]:
    return [spec for spec in registry if spec.access.is_public]


_sizes_lock = threading.Lock()
_sizes_cache: dict[tuple[int, str], tuple[float, dict[str, tuple[int, int]]]] = {}


def layer_sizes(bind: Bind, registry: Registry, cache_key: str = "") -> dict[str, tuple[int, int]]:
    """(features, vertices) per public layer, each counted only up to the GeoJSON limit.

    Bounded by LIMIT so a million-point layer costs no more than a small one;
    cached for a minute because it only decides how layers are drawn.
    """
    key = (id(registry), cache_key)
    with _sizes_lock:
        hit = _sizes_cache.get(key)
        if hit and time.monotonic() - hit[0] < SIZE_TTL_SECONDS:
            return hit[1]
    branches = []
    # Every layer, not only the public ones: a logged-in principal's map may show more (map_config).
    for spec in registry:
        table = layer_table(spec.id)
        sample = select(table.c.geom).limit(GEOJSON_MAX_FEATURES + 1).subquery(f"s_{spec.id}")
        branches.append(select(literal(spec.id).label("layer"), func.count().label("n"),
                               func.coalesce(func.sum(func.ST_NPoints(sample.c.geom)), 0).label("v")))
    with reading(bind) as conn:
        sizes = {r.layer: (int(r.n), int(r.v)) for r in conn.execute(union_all(*branches))} if branches else {}
    with _sizes_lock:
        _sizes_cache[key] = (time.monotonic(), sizes)
    return sizes


def uses_tiles(size: tuple[int, int]) -> bool:
    features, vertices = size
    return features > GEOJSON_MAX_FEATURES or vertices > GEOJSON_MAX_VERTICES


def layer_source(spec: LayerSpec, size: tuple[int, int]) -> str:
    """Point layers always come as tiles: the page's canvas point renderer draws a
    tile without one Leaflet object per point, so even a small layer is cheaper
    that way than as GeoJSON markers, and a large one only fetches what is in view."""
    return "tiles" if geometry_kind(spec) == "point" or uses_tiles(size) else "geojson"


def style_properties(spec: LayerSpec) -> list[str]:
    """The properties the page needs in a tile to draw the layer: its style's class property."""
    return [spec.style.property] if spec.style.kind != "simple" and spec.style.property else []


def slim_tiles_query(names: list[str]) -> str:
    """`properties=` for the tile endpoints: only what the style needs (fid always
    comes as the feature id). Popups fetch the whole feature from the API, so
    every other property would be bytes decoded for nothing."""
    return "properties=" + ",".join(dict.fromkeys(names or ["fid"]))


def _style(spec: LayerSpec) -> dict[str, Any]:
    style = spec.style.model_dump(mode="json")
    style["fill_color"] = style["fill_color"] or style["color"]
    return style


def layer_entry(spec: LayerSpec, size: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": spec.id,
        "title": spec.title.model_dump(),
        "description": spec.description.model_dump(),
        "theme": spec.theme,
        "geometry": spec.geometry,
        "kind": geometry_kind(spec),
        "style": _style(spec),
        "zoom": spec.zoom.model_dump(),
        "source": layer_source(spec, size),
        "items_url": f"/collections/{spec.id}/items?f=json&limit={GEOJSON_MAX_FEATURES}",
        "tiles_url": f"/collections/{spec.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}?"
                     + slim_tiles_query(style_properties(spec)),
        "item_url": f"/collections/{spec.id}/items/{{fid}}?f=json",
        "item_page": f"/collections/{spec.id}/items/{{fid}}?f=html",
        "pages": [{"title": page.title.model_dump(), "href": page.href, "live": page.live} for page in spec.pages],
        "label": spec.search[0] if spec.search else None,
        "here": spec.here,
        "basemap": is_basemap_layer(spec),
        "attributions": spec.attributions(),
        "properties": [
            {"name": p.name, "type": p.type, "title": p.title.model_dump(), "unit": p.unit}
            for p in spec.public_properties()
        ],
    }


def raster_entry(spec: RasterSpec, max_zoom: int) -> dict[str, Any]:
    """A declared raster (services/analysis/rasters.yaml) in the same shape as a layer, so
    the panel, legend, permalink and zoom hints treat it like one; drawn as PNG tiles,
    scaled up beyond its own last zoom rather than vanishing."""
    classes = [{"value": c.value, "color": c.color, "label": c.label.model_dump()} for c in spec.classes]
    return {
        "id": spec.id,
        "title": spec.title.model_dump(),
        "description": spec.description.model_dump(),
        "theme": spec.theme,
        "geometry": "Raster",
        "kind": "raster",
        "style": {"kind": "categorized", "property": None, "color": classes[0]["color"],
                  "fill_color": classes[0]["color"], "opacity": spec.opacity, "classes": classes},
        "zoom": {"min": spec.zoom.min, "max": max_zoom},
        "max_native_zoom": spec.zoom.max,
        "source": "raster",
        "tiles_url": tile_url_template(spec),
        "here": None,
        "label": None,
        "basemap": False,
        "attributions": [part.strip() for part in spec.source.attribution.split(";") if part.strip()],
        "properties": [],
    }


def map_config(bind: Bind, registry: Registry, settings: Settings, principal: Principal = ANONYMOUS) -> dict[str, Any]:
    """Everything the homepage's map is built from (served as /peta/layers.json), for the layers
    `principal` may read (layers/access.py): the public ones for the anonymous public."""
    sizes = layer_sizes(bind, registry, settings.effective_database_url)
    layers = [layer_entry(spec, sizes.get(spec.id, (0, 0))) for spec in readable_layers(principal, registry)]
    themes = [
        {"id": theme, "title": THEME_TITLES[theme].model_dump(),
         "layers": [entry["id"] for entry in layers if entry["theme"] == theme]}
        for theme in get_args(Theme)
    ]
    basemap_specs = [spec for spec in public_layers(registry) if is_basemap_layer(spec)]
    x0, y0, x1, y1 = MEDAN_BBOX
    web = settings.web
    return {
        "bounds": [[y0, x0], [y1, x1]],
        "extent": [[settings.medan_extent[1], settings.medan_extent[0]],
                   [settings.medan_extent[3], settings.medan_extent[2]]],
        "center": [(y0 + y1) / 2, (x0 + x1) / 2],
        "zoom": 12,
        "min_zoom": 10,
        "max_zoom": MAX_ZOOM,
        "themes": [t for t in themes if t["layers"]],
        "layers": layers,
        # Not layers of the registry (no table, no API): the page lists them in their theme.
        "rasters": [raster_entry(spec, MAX_ZOOM) for spec in load_rasters().values()],
        "basemap": basemap_entry(basemap_specs, web.basemap_url, web.basemap_attribution),
        "streets": streets_entry(registry, sizes.get(ROADS, (0, 0)), principal),
    }


def streets_entry(registry: Registry, size: tuple[int, int], principal: Principal) -> dict[str, Any]:
    """The street names the basemap writes at street zoom (pages/js/streets.js), once an
    OpenStreetMap extract is loaded (geodata/osm.py); until then a note for staff saying how."""
    loaded = size[0] > 0
    spec = registry.get(ROADS)
    return {
        "layer": ROADS,
        "loaded": loaded,
        "label_min_zoom": STREET_LABEL_MIN_ZOOM,
        "items_url": f"/collections/{ROADS}/items?f=json&properties=nama&limit={STREET_LABEL_LIMIT}",
        "attributions": spec.attributions(),
        "staff_note": None if loaded or not principal.roles & STREETS_NOTE_ROLES else STREETS_MISSING.model_dump(),
    }


def basemap_entry(specs: list[LayerSpec], raster_url: str, raster_attribution: str) -> dict[str, Any]:
    """The offline basemap, one item of the layer panel: a grey backdrop drawn from the
    public boundary and line layers (and a configured raster under it). Named after what it
    draws, so nobody takes its lines for a layer whose box is unticked; its credits are
    those of the layers it draws."""
    ids = [spec.id for spec in specs]
    names = {lang: ", ".join(spec.title.get(lang) for spec in specs) for lang in ("id", "en")}
    attributions = [part for spec in specs for part in spec.attributions()]
    if raster_url:
        attributions.insert(0, raster_attribution)
    return {
        "id": "basemap",
        "title": BASEMAP_TITLE.model_dump(),
        "description": {"id": f"Latar abu-abu dari: {names['id']}.", "en": f"A grey backdrop of: {names['en']}."},
        "tiles_url": "/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=" + ",".join(ids)
                     + "&" + slim_tiles_query([name for spec in specs for name in style_properties(spec)]),
        "layers": ids,
        "raster": {"url": raster_url, "attribution": raster_attribution} if raster_url else None,
        "attributions": list(dict.fromkeys(attributions)),
    }
