"""A cheap version of a layer's content: enough to tell whether it changed since last time.

Any write moves it: an insert or a delete changes the count, an update bumps
the feature's `version` and `updated_at` (layers/schema.py). Analyses record it
as the provenance of their inputs; the device poller polls it to follow the
fleet without re-reading it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from layers.tables import Bind, layer_table, reading


def layer_versions(bind: Bind, layer_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Feature count and latest change of each layer: enough to tell whether an input changed."""
    versions: dict[str, dict[str, Any]] = {}
    with reading(bind) as conn:
        for layer_id in layer_ids:
            table = layer_table(layer_id)
            count, latest, top_version = conn.execute(
                select(func.count(), func.max(table.c.updated_at), func.sum(table.c.version))).one()
            versions[layer_id] = {"count": int(count), "max_updated_at": latest.isoformat() if latest else None,
                                  "sum_version": int(top_version or 0)}
    return versions
