"""Hazard raster overlays over HTTP (webgis/rasters): metadata, PNG tiles, caching headers, bad ids."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from shapely.geometry import Point

from services.analysis import raster_tiles
from services.analysis.hazard import RIVERS_FILE
from webgis.rasters.views import overlays

# A point inside the Sungai Deli polygon near Belawan (BIG RBI), where the synthetic
# index is 0.96: the tile pixel over it must be the 'tinggi' colour.
RIVER_LON, RIVER_LAT = 98.679126, 3.777186
TINGGI = (0xBD, 0x00, 0x26, 255)
TILE = "/rasters/flood_index/tiles/WebMercatorQuad/{z}/{x}/{y}.png"


def pixel_of(lon: float, lat: float, z: int) -> tuple[int, int, int, int]:
    """Tile x, y and the pixel column, row of (lon, lat) at zoom z in WebMercatorQuad."""
    world = 256 * 2**z
    px = (lon + 180) / 360 * world
    py = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * world
    return int(px // 256), int(py // 256), int(px % 256), int(py % 256)


def decode(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with warnings.catch_warnings(), MemoryFile(png) as memory, memory.open() as src:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        assert (src.driver, src.count, src.width, src.height) == ("PNG", 4, 256, 256)
        return src.read()


def test_the_river_point_is_in_a_river() -> None:
    import geopandas as gpd

    rivers = gpd.read_file(RIVERS_FILE)
    assert rivers.geometry.contains(Point(RIVER_LON, RIVER_LAT)).any()


def test_list_and_metadata(client) -> None:  # noqa: ANN001
    listed = client.get("/rasters").get_json()["rasters"]
    assert [r["id"] for r in listed] == ["flood_index"]
    meta = client.get("/rasters/flood_index?lang=en").get_json()
    assert meta["title"] == {"id": "Indeks rawan banjir (sintetis)", "en": "Flood-prone index (synthetic)"}
    assert [c["label"] for c in meta["legend"]] == ["Low", "Medium", "High"]
    assert [c["color"] for c in meta["legend"]] == ["#ffffb2", "#fd8d3c", "#bd0026"]
    assert meta["source"]["synthetic"] is True
    assert meta["provenance"]["tags"]["SYNTHETIC"] == "yes"
    assert len(meta["provenance"]["sha256"]) == 64
    assert (meta["minzoom"], meta["maxzoom"]) == (10, 17)
    west, south, east, north = meta["bounds"]
    assert 98.5 < west < RIVER_LON < east < 98.8 and 3.4 < south < RIVER_LAT < north < 3.9
    assert meta["tiles"] == "http://localhost" + TILE
    assert client.get("/rasters/flood_index").get_json()["legend"][2]["label"] == "Tinggi"


def test_tile_over_the_river_has_the_hazard_colour(client) -> None:  # noqa: ANN001
    x, y, col, row = pixel_of(RIVER_LON, RIVER_LAT, 15)
    response = client.get(TILE.format(z=15, x=x, y=y))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Tile-Empty"] == "false"
    rgba = decode(response.data)
    assert tuple(rgba[:, row, col]) == TINGGI
    # Nodata outside the city is transparent, data is opaque: the tile holds both near the coast? At
    # least every pixel is either fully transparent or one of the declared colours.
    colours = {tuple(p) for p in rgba.reshape(4, -1).T}
    assert colours <= {(0, 0, 0, 0), (0xFF, 0xFF, 0xB2, 255), (0xFD, 0x8D, 0x3C, 255), TINGGI}


def test_tile_outside_the_raster_is_transparent(client) -> None:  # noqa: ANN001
    x, y, _, _ = pixel_of(106.8456, -6.2088, 12)  # Jakarta: inside the zoom range, far from the raster
    response = client.get(TILE.format(z=12, x=x, y=y))
    assert response.status_code == 200
    assert response.headers["X-Tile-Empty"] == "true"
    assert not decode(response.data)[3].any()


def test_etag_and_cache_control(client) -> None:  # noqa: ANN001
    x, y, _, _ = pixel_of(RIVER_LON, RIVER_LAT, 13)
    url = TILE.format(z=13, x=x, y=y)
    first = client.get(url)
    assert first.headers["ETag"] and "max-age=" in first.headers["Cache-Control"]
    assert client.get(url).data == first.data
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("url", [
    "/rasters/nope", "/rasters/nope/tiles/WebMercatorQuad/12/3255/2033.png",
    "/rasters/flood_index/tiles/WorldCRS84Quad/12/3255/2033.png",
    "/rasters/flood_index/tiles/WebMercatorQuad/9/403/254.png",     # below minzoom
    "/rasters/flood_index/tiles/WebMercatorQuad/18/1/1.png",        # above maxzoom
    "/rasters/flood_index/tiles/WebMercatorQuad/12/4096/0.png",     # x outside the matrix
    "/rasters/flood_index/tiles/WebMercatorQuad/12/0/4096.png",
    "/rasters/..%2F..%2Fetc%2Fpasswd", "/rasters/..%2Fgeodata%2Fdata%2Fhazard%2Fmedan_flood_index_50m.tif",
    "/rasters/../../etc/passwd", "/rasters/%2e%2e/tiles/WebMercatorQuad/12/1/1.png",
    "/rasters/medan_flood_index_50m.tif", "/rasters/geodata/data/hazard/medan_flood_index_50m.tif",
])
def test_bad_ids_and_tiles_are_404(client, url: str) -> None:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 404
    assert b"root:" not in response.data and b"II*" not in response.data[:4]


def test_unknown_query_parameter_is_400(client) -> None:  # noqa: ANN001
    response = client.get("/rasters/flood_index?bbox=1,2,3,4")
    assert response.status_code == 400 and "bbox" in response.get_json()["description"]


def test_overlays_for_the_homepage() -> None:
    (flood,) = overlays("en")
    assert flood["tiles"] == TILE and flood["title"] == "Flood-prone index (synthetic)"
    assert flood["synthetic"] is True and 0 < flood["opacity"] <= 1
    assert [c["color"] for c in flood["legend"]] == ["#ffffb2", "#fd8d3c", "#bd0026"]


def test_tile_matches_the_raster_reprojected() -> None:
    """Every opaque pixel's colour is the class of the raster value under the pixel centre."""
    spec = raster_tiles.get_raster("flood_index")
    x, y, _, _ = pixel_of(RIVER_LON, RIVER_LAT, 14)
    rgba = decode(raster_tiles.render_tile(spec, 14, x, y).png)
    left, bottom, right, top = raster_tiles.tile_bounds(14, x, y)
    size = (right - left) / 256
    rows, cols = np.nonzero(rgba[3])
    xs, ys = left + (cols[::97] + 0.5) * size, top - (rows[::97] + 0.5) * size
    with rasterio.open(spec.file) as src:
        from rasterio.warp import transform

        ux, uy = transform("EPSG:3857", src.crs, xs, ys)
        values = np.array([v[0] for v in src.sample(list(zip(ux, uy, strict=True)))])
    expected = np.digitize(values, [0.33, 0.66])
    palette = np.array([[0xFF, 0xFF, 0xB2], [0xFD, 0x8D, 0x3C], [0xBD, 0x00, 0x26]])
    got = rgba[:3, rows[::97], cols[::97]].T
    assert len(got) > 50
    # Nearest neighbour on a 50 m grid: only pixels on a cell edge may pick the neighbour.
    assert (got == palette[expected]).all(axis=1).mean() > 0.95


def test_whole_raster_image_for_offline_maps() -> None:
    spec = raster_tiles.get_raster("flood_index")
    png, ((south, west), (north, east)) = raster_tiles.render_image(spec, width=256)
    meta = raster_tiles.metadata(spec)
    assert [west, south, east, north] == pytest.approx(meta["bounds"], abs=1e-5)
    with warnings.catch_warnings(), MemoryFile(png) as memory, memory.open() as src:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        rgba = src.read()
    assert rgba.shape[2] == 256 and rgba.shape[1] > 256  # Medan is taller than wide
    colours = {tuple(p) for p in rgba.reshape(4, -1).T if p[3]}
    assert colours == {(0xFF, 0xFF, 0xB2, 255), (0xFD, 0x8D, 0x3C, 255), TINGGI}
    assert not rgba[3, 0, 0]  # the corner is outside the city: transparent
