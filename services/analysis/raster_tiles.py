"""Hazard rasters as map overlays: the declarations (rasters.yaml), their metadata and XYZ PNG tiles.

Flask-free, so the web (webgis/rasters), the notebooks and the tests call the
same functions. A tile is the raster reprojected to EPSG:3857 for that tile's
bounds (rasterio.warp.reproject reading only the source window it needs,
nearest neighbour: class colours must not be blended), classified by the
declared colour ramp, nodata transparent, encoded as PNG (zlib). Rendered
tiles are kept in a small in-process LRU keyed by the file's size and mtime,
so rebuilding the raster invalidates them without a cache directory to clean.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
import yaml
from affine import Affine
from pydantic import Field, model_validator
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.warp import reproject, transform_bounds

from layers.errors import StatusError
from layers.model import Strict, Text, Theme
from services.analysis.common import WGS84, AnalysisError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DECLARATIONS = Path(__file__).with_name("rasters.yaml")
TILE_SIZE = 256
WEB_MERCATOR = "EPSG:3857"
TILE_MATRIX_SET = "WebMercatorQuad"
HALF_WORLD = math.pi * 6378137.0  # metres from the origin to the edge of WebMercatorQuad
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class RasterClass(Strict):
    value: str
    min: float
    max: float
    color: str
    label: Text

    @model_validator(mode="after")
    def _check(self) -> RasterClass:
        if not HEX_COLOUR.match(self.color):
            raise ValueError(f"class {self.value}: colour must be #rrggbb, not {self.color!r}")
        if self.max <= self.min:
            raise ValueError(f"class {self.value}: max must be above min")
        return self


class Zoom(Strict):
    min: int = Field(ge=0, le=22)
    max: int = Field(ge=0, le=22)


class Source(Strict):
    name: str
    license: str
    attribution: str


class RasterSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    path: str
    title: Text
    description: Text
    units: str
    synthetic: bool
    generator: str | None = None
    zoom: Zoom
    theme: Theme = "risiko"  # where the homepage's layer panel lists it
    opacity: float = Field(default=0.7, ge=0, le=1)
    classes: list[RasterClass] = Field(min_length=1)
    source: Source

    @property
    def file(self) -> Path:
        return PROJECT_ROOT / self.path


@lru_cache(maxsize=4)
def load_rasters(path: Path = DECLARATIONS) -> dict[str, RasterSpec]:
    """Every declared raster by id (read once per process)."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["rasters"]
    specs = [RasterSpec.model_validate(entry) for entry in entries]
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate raster ids in {path.name}: {ids}")
    return {s.id: s for s in specs}


class UnknownRaster(StatusError, LookupError):
    """No raster is declared under that id: 404 on the web."""

    status = 404


def get_raster(raster_id: str) -> RasterSpec:
    spec = load_rasters().get(raster_id)
    if spec is None:
        raise UnknownRaster(f"no raster {raster_id!r}; declared: {', '.join(sorted(load_rasters()))}")
    return spec


@dataclass(frozen=True)
class FileInfo:
    bounds_wgs84: tuple[float, float, float, float]
    bounds_3857: tuple[float, float, float, float]
    crs: str
    resolution: tuple[float, float]
    size: tuple[int, int]  # width, height
    tags: dict[str, str]
    sha256: str


def file_info(spec: RasterSpec) -> FileInfo:
    stat = spec.file.stat()
    return _file_info(str(spec.file), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _file_info(path: str, size: int, mtime_ns: int) -> FileInfo:  # size/mtime: a rebuilt file is re-read
    from services.analysis.common import file_digest

    with rasterio.open(path) as src:
        if src.crs is None:
            raise AnalysisError(f"raster {Path(path).name} has no CRS")
        return FileInfo(tuple(round(v, 6) for v in transform_bounds(src.crs, WGS84, *src.bounds, densify_pts=21)),
                        transform_bounds(src.crs, WEB_MERCATOR, *src.bounds, densify_pts=21),
                        src.crs.to_string(), src.res, (src.width, src.height), src.tags(),
                        file_digest(Path(path)))


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """EPSG:3857 bounds (left, bottom, right, top) of a WebMercatorQuad tile (y counts from the north)."""
    span = 2 * HALF_WORLD / 2**z
    left, top = -HALF_WORLD + x * span, HALF_WORLD - y * span
    return left, top - span, left + span, top


def valid_tile(spec: RasterSpec, z: int, x: int, y: int) -> bool:
    """Inside the declared zoom range and the tile matrix (anything else is a 404)."""
    return spec.zoom.min <= z <= spec.zoom.max and 0 <= x < 2**z and 0 <= y < 2**z


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def colour_table(spec: RasterSpec) -> tuple[np.ndarray, np.ndarray]:
    """Class lower bounds (with the last upper bound) and RGBA per class; index 0 is 'below every class'."""
    edges = np.array([c.min for c in spec.classes] + [spec.classes[-1].max])
    rgba = [(0, 0, 0, 0)] + [(*(int(c.color[i:i + 2], 16) for i in (1, 3, 5)), 255) for c in spec.classes]
    return edges, np.array(rgba + [(0, 0, 0, 0)], dtype="uint8")  # last: above every class


def colourise(values: np.ndarray, spec: RasterSpec) -> np.ndarray:
    """RGBA (4, h, w) uint8: each value coloured by its class, NaN and unclassed values transparent."""
    edges, rgba = colour_table(spec)
    index = np.digitize(np.nan_to_num(values, nan=-np.inf), edges)
    index[np.isnan(values)] = 0
    return np.moveaxis(rgba[index], -1, 0)


def encode_png(rgba: np.ndarray) -> bytes:
    """RGBA (4, h, w) uint8 as an 8-bit RGBA PNG, with the standard library.

    A PNG is a signature, IHDR, zlib-deflated rows (each prefixed by filter
    type 0) and IEND. Built directly it takes a few milliseconds where GDAL's
    PNG driver (copy-only, through a temporary dataset) took tens; zlib level
    1, since flat class colours compress well at any level.
    """
    _, height, width = rgba.shape
    rows = np.moveaxis(np.asarray(rgba, dtype="uint8"), 0, -1).reshape(height, width * 4)
    raw = np.concatenate([np.zeros((height, 1), dtype="uint8"), rows], axis=1).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


@lru_cache(maxsize=1)
def empty_tile() -> bytes:
    return encode_png(np.zeros((4, TILE_SIZE, TILE_SIZE), dtype="uint8"))


# Rasters up to this many cells are kept in memory (float32: 4 bytes a cell) so a
# tile warps from an array instead of reopening the file; larger ones are read
# per tile, GDAL reading only the window it needs.
IN_MEMORY_CELLS = 25_000_000


@lru_cache(maxsize=4)
def _in_memory(path: str, size: int, mtime_ns: int) -> tuple[np.ndarray, Affine, CRS] | None:
    with rasterio.open(path) as src:
        if src.width * src.height > IN_MEMORY_CELLS:
            return None
        return src.read(1, masked=True).astype("float32").filled(np.nan), src.transform, src.crs


def read_tile_values(path: Path, bounds: tuple[float, float, float, float], size: int = TILE_SIZE,
                     height: int | None = None) -> np.ndarray:
    """The raster resampled (nearest) onto a size × height EPSG:3857 grid over bounds; NaN where no data."""
    height = height or size
    out = np.full((height, size), np.nan, dtype="float32")
    target = {"dst_transform": from_bounds(*bounds, size, height), "dst_crs": WEB_MERCATOR, "dst_nodata": np.nan,
              "resampling": Resampling.nearest}
    stat = Path(path).stat()
    cached = _in_memory(str(path), stat.st_size, stat.st_mtime_ns)
    if cached is not None:
        values, transform, crs = cached
        reproject(values, out, src_transform=transform, src_crs=crs, src_nodata=np.nan, **target)
        return out
    with rasterio.open(path) as src:
        reproject(source=rasterio.band(src, 1), destination=out, src_nodata=src.nodata, **target)
    return out


def render_image(spec: RasterSpec, width: int = 600) -> tuple[bytes, list[list[float]]]:
    """The whole raster as one PNG in EPSG:3857 and its [[south, west], [north, east]] bounds.

    For maps that cannot reach the tile server (a notebook's saved HTML): a
    Leaflet image overlay stretches linearly in Web Mercator, so the image must be in it.
    """
    left, bottom, right, top = file_info(spec).bounds_3857
    height = max(1, round(width * (top - bottom) / (right - left)))
    png = encode_png(colourise(read_tile_values(spec.file, (left, bottom, right, top), width, height), spec))
    west, south, east, north = transform_bounds(WEB_MERCATOR, WGS84, left, bottom, right, top)
    return png, [[south, west], [north, east]]


@dataclass(frozen=True)
class RenderedTile:
    png: bytes
    etag: str
    empty: bool


def render_tile(spec: RasterSpec, z: int, x: int, y: int) -> RenderedTile:
    """The PNG of one tile (transparent where the raster has no data or outside it); call valid_tile first."""
    stat = spec.file.stat()
    return _render(spec.id, z, x, y, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)  # ~2 kB a tile; size/mtime in the key: a rebuilt raster is re-rendered
def _render(raster_id: str, z: int, x: int, y: int, size: int, mtime_ns: int) -> RenderedTile:
    spec = get_raster(raster_id)
    bounds = tile_bounds(z, x, y)
    png = None
    if _overlaps(bounds, file_info(spec).bounds_3857):
        rgba = colourise(read_tile_values(spec.file, bounds), spec)
        if rgba[3].any():
            png = encode_png(rgba)
    empty = png is None
    png = empty_tile() if empty else png
    return RenderedTile(png, hashlib.sha256(png).hexdigest()[:32], empty)


def tile_url_template(spec: RasterSpec, base: str = "") -> str:
    return f"{base}/rasters/{spec.id}/tiles/{TILE_MATRIX_SET}/{{z}}/{{x}}/{{y}}.png"


def legend(spec: RasterSpec, lang: str) -> list[dict]:
    return [{"value": c.value, "min": c.min, "max": c.max, "color": c.color, "label": c.label.get(lang)}
            for c in spec.classes]


def metadata(spec: RasterSpec, lang: str = "id", base: str = "") -> dict:
    """What a client needs to show the raster: titles, legend, bounds, zooms, tile URL, source and provenance."""
    info = file_info(spec)
    synthetic = spec.synthetic or info.tags.get("SYNTHETIC", "").lower() == "yes"
    return {
        "id": spec.id, "title": spec.title.model_dump(), "description": spec.description.model_dump(),
        "units": spec.units, "legend": legend(spec, lang), "opacity": spec.opacity,
        "bounds": list(info.bounds_wgs84), "minzoom": spec.zoom.min, "maxzoom": spec.zoom.max,
        "tileMatrixSet": TILE_MATRIX_SET, "tiles": tile_url_template(spec, base),
        "source": {**spec.source.model_dump(), "synthetic": synthetic},
        "provenance": {"file": spec.path, "sha256": info.sha256, "crs": info.crs,
                       "resolution": list(info.resolution), "size": list(info.size),
                       "generator": spec.generator, "tags": info.tags},
    }
