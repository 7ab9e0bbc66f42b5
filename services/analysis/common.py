"""What every analysis shares: errors, parameter checks, units, and publishing with provenance.

Provenance is the `analysis.runs` table (services/analysis/queries.py):
`publish` writes a run with its results, `latest_runs` reads them back (the
CLI's `runs` command, notebooks, tests).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from layers import load_frame
from layers.prune import delete_absent
from layers.registry import get_registry
from layers.tables import Bind, reading
from layers.versions import layer_versions
from services.analysis.queries import insert_run, select_latest_runs

UTM = "EPSG:32647"  # metres for Medan
WGS84 = "EPSG:4326"
ANALYSIS_ACTOR = "analysis"


class AnalysisError(ValueError):
    """Bad input or parameters for an analysis; the message says what and how to fix it.

    Raised before anything is written, so a failed run leaves every layer as it was.
    """


@dataclass
class RunReport:
    analysis: str
    run_id: int
    outputs: dict[str, dict[str, int]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        written = ", ".join(f"{layer}: +{o['inserted']} ~{o['updated']} -{o['deleted']}"
                            for layer, o in self.outputs.items())
        return f"{self.analysis} (run {self.run_id}): {written}"


def check_weights(weights: Mapping[str, float], known: list[str], *, tolerance: float = 1e-6) -> dict[str, float]:
    """Weights keyed by known names, each in [0, 1], summing to 1 (a composite index needs that)."""
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise AnalysisError(f"unknown weights {unknown}; the indicators are {known}")
    bad = {k: v for k, v in weights.items() if not (isinstance(v, int | float) and 0 <= v <= 1)}
    if bad:
        raise AnalysisError(f"weights must be numbers between 0 and 1: {bad}")
    total = float(sum(weights.values()))
    if not math.isclose(total, 1.0, abs_tol=tolerance):
        raise AnalysisError(f"weights must sum to 1, they sum to {total:g}: {dict(weights)}")
    return {k: float(weights.get(k, 0.0)) for k in known}


def check_breaks(breaks: list[float] | tuple[float, ...], *, count: int | None = None,
                 name: str = "class breaks") -> list[float]:
    values = [float(b) for b in breaks]
    if count is not None and len(values) != count:
        raise AnalysisError(f"{name} need {count} values, got {len(values)}: {values}")
    if any(later <= earlier for earlier, later in zip(values, values[1:], strict=False)):
        raise AnalysisError(f"{name} must be strictly increasing: {values}")
    return values


def minmax(values: np.ndarray) -> np.ndarray:
    """Rescale to [0, 1]; a constant indicator contributes 0 (it does not discriminate)."""
    values = np.asarray(values, dtype=float)
    span = np.nanmax(values) - np.nanmin(values)
    return (values - np.nanmin(values)) / span if span > 0 else np.zeros_like(values)


def to_utm(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> Any:
    return frame.to_crs(UTM)


def kelurahan_frame(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Kelurahan ordered by code with a clean index, so results never depend on row order."""
    kel = kelurahan.reset_index(drop=True).sort_values("kode_kel").reset_index(drop=True)
    if kel.crs is None:
        raise AnalysisError("the kelurahan have no CRS")
    if kel["kode_kel"].duplicated().any():
        raise AnalysisError("kode_kel must be unique in the kelurahan input")
    return kel


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def publish(engine: Engine, analysis: str, results: Mapping[str, gpd.GeoDataFrame], *,
            input_layers: list[str], input_files: Mapping[str, Path] | None = None,
            parameters: Mapping[str, Any], started_at: datetime, actor: str = ANALYSIS_ACTOR,
            source: str | None = None) -> RunReport:
    """Write every result layer and the run's provenance in ONE transaction.

    Each result is upserted by the layer's key (unchanged features are not
    rewritten, so a re-run on unchanged inputs records no history), then
    features the analysis no longer produces are deleted. If any layer fails
    validation, nothing of the run is written.
    """
    inputs = {"layers": layer_versions(engine, input_layers),
              "files": {name: {"path": str(p), "sha256": file_digest(p)} for name, p in (input_files or {}).items()}}
    report = RunReport(analysis, run_id=0, parameters=_jsonable(dict(parameters)))
    with engine.begin() as conn:
        for layer_id, frame in results.items():
            key = get_registry().get(layer_id).key
            loaded = load_frame(conn, layer_id, frame, actor=actor, mode="upsert", source=source or f"analysis:{analysis}")
            deleted = delete_absent(conn, layer_id, frame[key].tolist())
            report.outputs[layer_id] = {"inserted": loaded.inserted, "updated": loaded.updated, "deleted": deleted}
        report.run_id = int(conn.execute(insert_run(
            analysis=analysis, started_at=started_at, finished_at=now(), actor=actor,
            parameters=report.parameters, inputs=_jsonable(inputs), outputs=report.outputs)).scalar_one())
    return report


def latest_runs(bind: Bind, analysis: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent runs' provenance, newest first (optionally of one analysis)."""
    with reading(bind) as conn:
        return [dict(row._mapping) for row in conn.execute(select_latest_runs(analysis, limit))]


def now() -> datetime:
    return datetime.now(UTC)


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]
