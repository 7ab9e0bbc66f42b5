"""Small hand-made inputs for the analysis tests: a raster, squares and lines in UTM 47N."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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


def square(x: float, y: float, w: float, h: float) -> object:
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)
