"""Geometries on the bulk path: 2D points as coordinate arrays, and WKB for COPY."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import shapely


@dataclass(frozen=True)
class Points:
    """2D points as two coordinate arrays (NaN where missing or empty).

    The bulk path for point files: no shapely object per row, so a million points
    are decoded, checked and encoded with a few numpy passes.
    """

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def to_shapely(self) -> np.ndarray:
        geoms = shapely.points(self.x, self.y)
        geoms[np.isnan(self.x) | np.isnan(self.y)] = None
        return geoms


Geometries = np.ndarray | Points


# Little-endian 2D point WKB, 21 bytes: byte order, type 1, x, y.
POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
HEX_DIGITS = np.frombuffer(b"".join(b"%02X" % i for i in range(256)), dtype=np.uint16)


def hex_wkb(geoms: Geometries) -> pa.Array:
    """Hex WKB of the geometries (no SRID) as an Arrow string array, for COPY.

    The layer column's typmod, geometry(<type>, 4326), gives every value its SRID
    on input. 2D points are packed with numpy; other types go through GEOS's
    binary writer, and the bytes are turned to hex in one vectorised pass.
    """
    return wkb_to_hex(wkb(geoms))


def wkb(geoms: Geometries) -> pa.LargeBinaryArray:
    """WKB of the geometries (no SRID) as an Arrow binary array."""
    if isinstance(geoms, Points):
        return _point_wkb(geoms.x, geoms.y)
    n = len(geoms)
    if n and (shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all():
        xy = shapely.get_coordinates(geoms)
        if len(xy) == n:
            return _point_wkb(xy[:, 0], xy[:, 1])
    return pa.array(shapely.to_wkb(geoms), type=pa.large_binary())


def _point_wkb(x: np.ndarray, y: np.ndarray) -> pa.LargeBinaryArray:
    n = len(x)
    records = np.empty(n, dtype=POINT_WKB)
    records["order"], records["type"], records["x"], records["y"] = 1, 1, x, y
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(np.arange(n + 1, dtype=np.int64) * POINT_WKB.itemsize),
                               pa.py_buffer(records.tobytes())])


def wkb_to_hex(binary: pa.LargeBinaryArray) -> pa.Array:
    """The WKB bytes as upper-case hex text, in one numpy pass (a lookup of two digits per byte)."""
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int64)[binary.offset:binary.offset + len(binary) + 1]
    data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return pa.LargeStringArray.from_buffers(
        len(binary), pa.py_buffer((offsets - offsets[0]) * 2), pa.py_buffer(HEX_DIGITS[data]),
        binary.buffers()[0], binary.null_count, 0)


def concat_geometries(parts: list[Geometries]) -> Geometries:
    """Batches of geometries as one: Points stay coordinate arrays when every batch is Points."""
    if all(isinstance(g, Points) for g in parts):
        return Points(np.concatenate([g.x for g in parts]), np.concatenate([g.y for g in parts]))
    return np.concatenate([g.to_shapely() if isinstance(g, Points) else g for g in parts])
