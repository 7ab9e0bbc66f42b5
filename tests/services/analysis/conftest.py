"""Fixtures of the analysis tests: a known raster and three zones in UTM 47N (helpers in tests.helpers.rasters)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine

from tests.helpers.rasters import UTM, X0, Y0, square, write_raster


@pytest.fixture
def known_raster(tmp_path: Path) -> Path:
    """10 × 10 cells of 10 m; the cell in row r, column c holds (10 r + c) / 100; cell (9, 9) is nodata."""
    values = (np.arange(100).reshape(10, 10) / 100.0)
    values[9, 9] = -9999.0
    return write_raster(tmp_path / "known.tif", values, Affine(10, 0, X0, 0, -10, Y0 + 100), UTM)


@pytest.fixture
def three_zones() -> gpd.GeoDataFrame:
    # Rows count from the top: row 0 spans y 90..100. A: rows 0-1 x cols 0-1; B: row 0 x cols 5-9;
    # C: rows 8-9 x all columns (one nodata cell).
    return gpd.GeoDataFrame({"kode_kel": ["A", "B", "C"], "nama_kel": ["a", "b", "c"]},
                            geometry=[square(0, 80, 20, 20), square(50, 90, 50, 10), square(0, 0, 100, 20)],
                            crs=UTM)
