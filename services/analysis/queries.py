"""The SQL of the analysis service: its provenance table `analysis.runs` (migration 0006).

Every published run stores what it read (input layer versions, file digests),
its parameters, when, and what it wrote. SQLAlchemy Core builders, values as
bound parameters; services.analysis.common runs them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Insert, MetaData, Select, Table, Text, insert, select
from sqlalchemy.dialects.postgresql import BIGINT, JSONB

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


def insert_run(*, analysis: str, started_at: datetime, finished_at: datetime, actor: str,
               parameters: dict, inputs: dict, outputs: dict) -> Insert:
    """One run's provenance, returning its id."""
    return insert(RUNS).values(
        analysis=analysis, started_at=started_at, finished_at=finished_at, actor=actor,
        parameters=parameters, inputs=inputs, outputs=outputs).returning(RUNS.c.id)


def select_latest_runs(analysis: str | None, limit: int) -> Select:
    """The most recent runs, newest first (optionally of one analysis)."""
    query = select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)
    if analysis is not None:
        query = query.where(RUNS.c.analysis == analysis)
    return query
