"""Rows encoded for COPY: CSV chunks written by Arrow, and COPY (FORMAT binary) streams."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from layers.model import LayerSpec

COPY_CHUNK_ROWS = 200_000


def csv_chunk(arrow: pa.Table, start: int, rows: int | None = COPY_CHUNK_ROWS) -> io.BytesIO:
    """`rows` rows from `start` (all the rest when None) as headerless CSV for COPY."""
    buffer = io.BytesIO()
    pacsv.write_csv(arrow.slice(start, rows), buffer, pacsv.WriteOptions(include_header=False))
    buffer.seek(0)
    return buffer


# COPY ... (FORMAT binary): the server reads numbers, times and WKB as they are
# instead of parsing text (a third less work per row), and the rows are built
# here with a few numpy passes per column rather than formatted as CSV.
PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
PGCOPY_TRAILER = b"\xff\xff"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970
PG_EPOCH_DAYS = 10_957
INT4 = (-(2**31), 2**31 - 1)


def binary_copy(spec: LayerSpec, rows: pd.DataFrame, fids: np.ndarray | None = None) -> io.BytesIO | None:
    """One COPY (FORMAT binary) stream of the rows ([fid,] declared columns, source, geom as WKB bytes).

    None when a value does not fit its binary form (an integer beyond int4):
    then CSV is used and the server's own message says what is wrong.
    """
    n = len(rows)
    fields: list[tuple[np.ndarray, Any]] = []  # per column: payload lengths (-1 = NULL), payload
    if fids is not None:
        fields.append(fixed_field(fids.astype(">i8"), np.ones(n, dtype=bool), 8))
    for prop in spec.properties:
        field = _binary_field(prop.type, rows[prop.name])
        if field is None:
            return None
        fields.append(field)
    fields.append(_text_field(rows["source"]))
    fields.append(_bytes_field(pa.array(rows["geom"].array, type=pa.large_binary())))
    return binary_rows(fields, n)


def binary_rows(fields: list[tuple[np.ndarray, Any]], n: int) -> io.BytesIO:
    """The COPY binary stream of `n` rows from per-column (lengths, payload) pairs."""
    lengths = np.stack([f[0] for f in fields])
    segments = 4 + np.maximum(lengths, 0)
    row_size = 2 + segments.sum(axis=0)
    row_start = len(PGCOPY_HEADER) + np.concatenate([[0], np.cumsum(row_size)[:-1]]) if n else np.zeros(0, np.int64)
    total = len(PGCOPY_HEADER) + int(row_size.sum()) + len(PGCOPY_TRAILER)
    buffer = np.zeros(total, dtype=np.uint8)
    buffer[:len(PGCOPY_HEADER)] = np.frombuffer(PGCOPY_HEADER, dtype=np.uint8)
    buffer[total - 2:] = 0xFF
    buffer[row_start + 1] = len(fields)  # int16 field count, big-endian (< 256)
    start = row_start + 2
    for (length, payload), segment in zip(fields, segments, strict=True):
        _scatter(buffer, start, length.astype(">i4").view(np.uint8).reshape(n, 4))
        valid = length >= 0
        if isinstance(payload, np.ndarray):  # fixed width: one row of bytes per value
            _scatter(buffer, start[valid] + 4, payload[valid])
        else:  # variable width: (data bytes, offsets) of an Arrow binary array
            data, offsets = payload
            sizes = np.maximum(length, 0)
            shift = np.repeat(start + 4 - offsets[:-1], sizes)
            buffer[shift + np.arange(offsets[0], offsets[-1])] = data[offsets[0]:offsets[-1]]
        start = start + segment
    return io.BytesIO(buffer.tobytes())


def _scatter(buffer: np.ndarray, starts: np.ndarray, values: np.ndarray) -> None:
    buffer[starts[:, None] + np.arange(values.shape[1])] = values


def fixed_field(values: np.ndarray, present: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed-width binary column: `width` big-endian bytes per value, NULL where not present."""
    length = np.where(present, width, -1).astype(np.int64)
    return length, values.view(np.uint8).reshape(len(values), width)


def _binary_field(kind: str, column: pd.Series) -> tuple[np.ndarray, Any] | None:
    present = column.notna().to_numpy()
    if kind == "string":
        return _text_field(column)
    if not present.any():  # a column the file does not have: all NULL, whatever its dtype
        return np.full(len(column), -1, dtype=np.int64), np.zeros((len(column), 1), dtype=np.uint8)
    if kind == "number":
        return fixed_field(column.to_numpy(dtype=np.float64, na_value=0.0).astype(">f8"), present, 8)
    if kind == "integer":
        values = column.to_numpy(dtype=np.float64, na_value=0.0)
        if ((values < INT4[0]) | (values > INT4[1])).any():
            return None
        return fixed_field(values.astype(">i4"), present, 4)
    if kind == "boolean":
        return fixed_field(column.fillna(False).to_numpy(dtype=bool).astype(np.uint8), present, 1)
    if kind == "date":
        days = pd.to_datetime(column.where(column.notna(), None)).to_numpy(dtype="datetime64[D]")
        days = np.where(present, days.astype(np.int64) - PG_EPOCH_DAYS, 0)
        return fixed_field(days.astype(">i4"), present, 4)
    # datetime: microseconds since 2000-01-01 UTC (the column is tz-aware UTC)
    micros = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    micros = np.where(present, micros.astype(np.int64) - PG_EPOCH_US, 0)
    return fixed_field(micros.astype(">i8"), present, 8)


def _text_field(column: pd.Series) -> tuple[np.ndarray, Any]:
    values = column.array
    text = pa.array(values, type=pa.large_string(), from_pandas=True) if not isinstance(
        values, pd.arrays.ArrowExtensionArray | pd.arrays.ArrowStringArray) else pa.array(values).cast(pa.large_string())
    return _bytes_field(text)


def _bytes_field(array: pa.Array) -> tuple[np.ndarray, Any]:
    array = array.cast(pa.large_binary()) if not pa.types.is_large_binary(array.type) else array
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8) if array.buffers()[2] is not None else np.zeros(0, np.uint8)
    length = np.diff(offsets)
    if array.null_count:
        length = np.where(array.is_null().to_numpy(zero_copy_only=False), -1, length)
    return length.astype(np.int64), (data, offsets)


def constant_text_field(value: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A binary text column holding the same value on each of `n` rows."""
    raw = np.frombuffer(value.encode(), dtype=np.uint8)
    return np.full(n, len(raw), dtype=np.int64), np.broadcast_to(raw, (n, len(raw)))
