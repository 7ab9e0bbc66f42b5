"""Small hand-made inputs for the analysis tests: a raster, squares and lines in UTM 47N."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

UTM = "EPSG:32647"
X0, Y0 = 460_000.0, 400_000.0  # inside Medan (about 98.64 E, 3.62 N)


def write_raster(path: Path, values: np.ndarray, transform: Affine, crs: str, nodata: float = -9999.0) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(values.astype("float32"), 1)
    return path


@pytest.fixture
def known_raster(tmp_path: Path) -> Path:
    """10 × 10 cells of 10 m; the cell in row r, column c holds (10 r + c) / 100; cell (9, 9) is nodata."""
    values = (np.arange(100).reshape(10, 10) / 100.0)
    values[9, 9] = -9999.0
    return write_raster(tmp_path / "known.tif", values, Affine(10, 0, X0, 0, -10, Y0 + 100), UTM)


def square(x: float, y: float, w: float, h: float) -> object:
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


@pytest.fixture
def three_zones() -> gpd.GeoDataFrame:
    # Rows count from the top: row 0 spans y 90..100. A: rows 0-1 x cols 0-1; B: row 0 x cols 5-9;
    # C: rows 8-9 x all columns (one nodata cell).
    return gpd.GeoDataFrame({"kode_kel": ["A", "B", "C"], "nama_kel": ["a", "b", "c"]},
                            geometry=[square(0, 80, 20, 20), square(50, 90, 50, 10), square(0, 0, 100, 20)],
                            crs=UTM)
