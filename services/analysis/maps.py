"""Folium maps and matplotlib figures for the notebooks, without any CDN.

Folium loads Leaflet, jQuery and Bootstrap from CDNs by default. A city
network or a reviewer offline would get a blank map, and the platform should
not leak planners' page views to third parties. So a map carries the
platform's vendored Leaflet (webgis/static/vendor/leaflet, put there by
`./medan setup`) inline: its script, its stylesheet and the stylesheet's
images as data URIs. The HTML file saved by `save_map`, or shown in Jupyter,
needs nothing else and opens anywhere, offline, sent to a colleague. No web
basemap: the kelurahan outlines are the basemap.

Charts are matplotlib figures. This module never picks matplotlib's backend:
Jupyter's kernel shows figures inline, and a script or CI run without a
display gets matplotlib's own fallback (Agg).
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import matplotlib.pyplot as plt
from branca.element import Element

VENDORED_LEAFLET = Path(__file__).resolve().parents[2] / "webgis" / "static" / "vendor" / "leaflet"
MEDAN_CENTRE = (3.5952, 98.6722)


@cache
def inline_leaflet(directory: Path = VENDORED_LEAFLET) -> str:
    """Leaflet's stylesheet (its images as data URIs) and script, as one HTML fragment for a page's head."""
    script, stylesheet = directory / "leaflet.js", directory / "leaflet.css"
    if not script.exists() or not stylesheet.exists():
        raise FileNotFoundError(f"Leaflet is not in {directory}: run ./medan setup (or python -m webgis assets)")

    def data_uri(match: re.Match) -> str:
        image = directory / match.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, stylesheet.read_text())
    # The source map comment would be the one relative reference left; browsers fetch it only for developers.
    js = re.sub(r"//# sourceMappingURL=\S+", "", script.read_text())
    return f"<style>{css}</style>\n<script>{js}</script>"


def local_map(*, zoom: int = 11) -> folium.Map:
    """A folium map that carries Leaflet inline, loads nothing from anywhere and has no basemap tiles."""
    fmap = folium.Map(location=MEDAN_CENTRE, zoom_start=zoom, tiles=None, control_scale=True)
    fmap.default_js = []
    fmap.default_css = []
    fmap.get_root().header.add_child(Element(inline_leaflet()), name="leaflet", index=0)
    return fmap


def choropleth(frame: gpd.GeoDataFrame, column: str, *, colors: dict | None = None, bins: list[float] | None = None,
               palette: list[str] | None = None, tooltip: list[str] | None = None) -> folium.Map:
    """Polygons coloured by a category (colors) or by bins of a number (bins + palette)."""
    fmap = local_map()
    frame = frame.to_crs("EPSG:4326").reset_index(drop=True)

    def colour(value: object) -> str:
        if colors is not None:
            return colors.get(value, "#cccccc")
        for k in range(len(bins) - 1):  # type: ignore[arg-type]
            if bins[k] <= float(value) < bins[k + 1]:  # type: ignore[index]
                return palette[k]  # type: ignore[index]
        return "#cccccc"

    folium.GeoJson(
        frame[[column, *(tooltip or []), "geometry"]].to_json(),
        style_function=lambda f: {"fillColor": colour(f["properties"][column]), "color": "#555555",
                                  "weight": 0.5, "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=[column, *(tooltip or [])]),
    ).add_to(fmap)
    return fmap


def save_map(fmap: folium.Map, path: Path) -> Path:
    """Save a map as one self-contained HTML file (Leaflet inline): it opens anywhere, offline."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmap.save(str(path))
    return path


def fetched_urls(path: Path) -> list[str]:
    """What a saved map would load from elsewhere (scripts, stylesheets, images, frames): empty when self-contained."""
    html = Path(path).read_text()
    return re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["'](?!data:)([^"']+)""", html, re.I)


def plot_choropleth(frame: gpd.GeoDataFrame, column: str, *, title: str, cmap: str = "OrRd",
                    categorical: bool = False, ax: plt.Axes | None = None) -> plt.Axes:
    """A static map for the notebook (PNG inline), in UTM 47N so shapes are not stretched."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 8))
    frame.to_crs("EPSG:32647").plot(column=column, cmap=cmap, categorical=categorical, legend=True,
                                    edgecolor="#666666", linewidth=0.2, ax=ax)
    ax.set_title(title)
    ax.set_axis_off()
    return ax


def hazard_map(zones: gpd.GeoDataFrame | None = None, *, raster_id: str = "flood_index", lang: str = "id",
               tiles_base: str | None = None) -> folium.Map:
    """A declared hazard raster and its class polygons on one folium map, from local assets only.

    The raster is embedded as one PNG image overlay (a saved map must open
    offline); with `tiles_base` (e.g. "http://127.0.0.1:5000") it is also
    added as the platform's XYZ tiles (/rasters/<id>/tiles/...), sharper when zoomed in.
    """
    from services.analysis.raster_tiles import get_raster, legend, render_image, tile_url_template

    spec = get_raster(raster_id)
    fmap = local_map()
    png, bounds = render_image(spec)
    folium.raster_layers.ImageOverlay("data:image/png;base64," + base64.b64encode(png).decode(), bounds,
                                      opacity=spec.opacity, name=spec.title.get(lang)).add_to(fmap)
    if tiles_base:
        folium.TileLayer(tile_url_template(spec, tiles_base.rstrip("/")), attr=spec.source.attribution,
                         name=f"{spec.title.get(lang)} (tiles)", overlay=True, opacity=spec.opacity,
                         min_zoom=spec.zoom.min, max_zoom=spec.zoom.max).add_to(fmap)
    if zones is not None:
        colors = {c["value"]: c["color"] for c in legend(spec, lang)}
        folium.GeoJson(zones.to_crs("EPSG:4326")[["kelas", "luas_km2", "geometry"]].to_json(),
                       name="zona bahaya" if lang == "id" else "hazard zones",
                       style_function=lambda f: {"color": colors.get(f["properties"]["kelas"], "#555555"),
                                                 "weight": 1.5, "fill": False},
                       tooltip=folium.GeoJsonTooltip(fields=["kelas", "luas_km2"])).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds(bounds)
    return fmap

