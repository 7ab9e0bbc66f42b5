"""Removing the features of a keyed layer that a recomputation no longer produces.

An upsert by key (layers.frames.load_frame, mode="upsert") adds and changes
features but never removes one; a layer computed from others (an analysis
result) must hold exactly what the last computation produced, so the caller
deletes the rest in the same transaction. The history triggers record each
deleted feature.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete

from layers.errors import LayerError
from layers.registry import get_registry
from layers.tables import layer_table


def delete_absent(conn: Connection, layer_id: str, keys: Iterable[Any]) -> int:
    """Delete the features of a keyed layer whose key is not in `keys`; returns how many.

    Called inside the caller's transaction, after an upsert, so that a result
    layer holds exactly what the analysis produced.
    """
    spec = get_registry().get(layer_id)
    if not spec.key:
        raise LayerError(f"layer {layer_id} declares no key")
    table = layer_table(layer_id)
    result = conn.execute(delete(table).where(table.c[spec.key].not_in(list(keys))))
    return int(result.rowcount or 0)
