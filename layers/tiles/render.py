"""Running a tile statement and reading its one row through COPY (FORMAT binary),
so the bytea arrives as raw bytes instead of hex text."""

from __future__ import annotations

import io
import struct
from typing import Any

from layers.tiles.grid import tile_params
from layers.tiles.query import TileQuery

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def render(cursor: Any, query: TileQuery, layer_ids: tuple[str, ...], z: int, x: int, y: int,
           store: bool | None = False) -> tuple[bytes, str]:
    """(mvt, etag), read through COPY in binary format: a 1 MB tile as 1 MB, not as 2 MB of hex.
    store=None: a read only (query.read_statement), as a read replica allows.

    mogrify binds the values exactly as execute() does (psycopg2 always binds on the
    client); COPY just cannot take them any other way.
    """
    params = tile_params(layer_ids, z, x, y)
    params.update(key=query.key, store=bool(store))
    text_key = (query.key, store is None)
    text = _STATEMENT_TEXTS.get(text_key)
    if text is None:  # composing the statement's tree costs ~1 ms of Python: once per process
        statement = query.read_statement if store is None else query.statement
        text = _STATEMENT_TEXTS[text_key] = statement.as_string(cursor)
    buffer = io.BytesIO()
    cursor.copy_expert(b"COPY (" + cursor.mogrify(text, params) + b") TO STDOUT (FORMAT binary)", buffer)
    return _one_binary_row(buffer.getvalue())


_STATEMENT_TEXTS: dict[tuple[str, bool], str] = {}


def _one_binary_row(raw: bytes) -> tuple[bytes, str]:
    """The (bytea, text) row of a binary COPY: header, then per field int32 length and bytes."""
    if not raw.startswith(COPY_SIGNATURE):
        raise RuntimeError("unexpected COPY output from PostgreSQL")
    (extension,) = struct.unpack_from("!i", raw, 15)
    offset = 19 + extension + 2  # header, header extension, the row's int16 field count
    fields = []
    for _ in range(2):
        (length,) = struct.unpack_from("!i", raw, offset)
        offset += 4
        fields.append(raw[offset:offset + length])
        offset += length
    return fields[0], fields[1].decode()
