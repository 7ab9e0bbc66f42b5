"""Queries the analysis services need that the generic layer API lacks.

Kept here, inside layers/, so that nothing outside the spatial core touches the
layer tables directly: input versions for provenance, removing result features
whose key an analysis no longer produces, and the provenance table
`analysis.runs` (created by migration 0006).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    MetaData,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import BIGINT, JSONB

from layers.errors import LayerError
from layers.registry import get_registry
from layers.tables import Bind, layer_table, reading

ANALYSIS_SCHEMA = "analysis"
_metadata = MetaData()
RUNS = Table(
    "runs", _metadata,
    Column("id", BIGINT, primary_key=True),
    Column("analysis", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("parameters", JSONB, nullable=False),
    Column("inputs", JSONB, nullable=False),
    Column("outputs", JSONB, nullable=False),
    schema=ANALYSIS_SCHEMA,
)


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


def record_run(conn: Connection, *, analysis: str, started_at: datetime, finished_at: datetime, actor: str,
               parameters: dict, inputs: dict, outputs: dict) -> int:
    """Store one analysis run's provenance; returns its id."""
    statement = insert(RUNS).values(
        analysis=analysis, started_at=started_at, finished_at=finished_at, actor=actor,
        parameters=parameters, inputs=inputs, outputs=outputs).returning(RUNS.c.id)
    return int(conn.execute(statement).scalar_one())


def latest_runs(bind: Bind, analysis: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent runs, newest first (optionally of one analysis)."""
    query = select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)
    if analysis is not None:
        query = query.where(RUNS.c.analysis == analysis)
    with reading(bind) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
