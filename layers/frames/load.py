"""Validate and load whole layers in one transaction: all or nothing.

load_frame (a GeoDataFrame), load_columns (property columns and geometries
given apart) and load_batches (a file read in batches, checked and encoded
while the server loads the batch before).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2.errors
import pyarrow as pa
from psycopg2 import sql

from layers.access import refuse_derived
from layers.errors import InvalidFeature, LayerError, Problem
from layers.frames.bulk import (
    COPY_READ_BYTES,
    ProgressFn,
    copy_insert_history,
    copy_rows,
    copy_upsert,
    drop_indexes_for_bulk,
    rebuild_indexes,
    reserve_fids,
    transition_memory,
)
from layers.frames.encode import binary_copy, csv_chunk
from layers.frames.geometries import Geometries, concat_geometries, wkb_to_hex
from layers.frames.validate import (
    MAX_REPORTED_PROBLEMS,
    Problems,
    check_unique,
    validate_columns,
    validate_frame,
    validate_rows,
)
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA
from layers.tables import Bind, transaction

Mode = Literal["append", "replace", "upsert"]


@dataclass
class LoadReport:
    layer: str
    rows: int
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    repaired: list[str] = field(default_factory=list)


def load_frame(
    bind: Bind, layer_id: str, frame: gpd.GeoDataFrame, *, actor: str, mode: Mode = "append",
    crs: Any = None, repair: bool = False, source: str | None = None, progress: ProgressFn | None = None,
) -> LoadReport:
    """Validate and load a GeoDataFrame into a layer in one transaction."""
    spec = _loadable(layer_id, mode)
    rows, warnings = validate_frame(spec, frame, crs=crs, repair=repair, source=source)
    return _load_rows(bind, spec, rows, warnings, actor=actor, mode=mode, progress=progress)


def load_columns(
    bind: Bind, layer_id: str, data: pd.DataFrame, geometry: Geometries, file_crs: Any, *, actor: str,
    mode: Mode = "append", crs: Any = None, repair: bool = False, source: str | None = None,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """load_frame for property columns and geometries given apart (the file import's fast path)."""
    spec = _loadable(layer_id, mode)
    rows, warnings = validate_columns(spec, data, geometry, file_crs, crs=crs, repair=repair, source=source)
    return _load_rows(bind, spec, rows, warnings, actor=actor, mode=mode, progress=progress)


Batch = tuple[pd.DataFrame, Geometries]


@dataclass
class _Prepared:
    rows: int
    buffer: io.BytesIO | None
    problems: list[Problem]
    warnings: list[str]
    binary: bool = True


def load_batches(
    bind: Bind, layer_id: str, batches: Iterable[Batch], file_crs: Any, total: int, *, actor: str,
    mode: Mode = "append", crs: Any = None, repair: bool = False, source: str | None = None,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """Load a file read in batches: each is checked and encoded while the server loads the one before.

    Still one transaction and all or nothing: after a batch with problems
    nothing more is sent, the rest is still checked so that the error lists
    every problem (up to 50, rows numbered as in the file), and the
    transaction is rolled back. `total` (the file's feature count, or -1 when
    unknown) decides whether the indexes are rebuilt afterwards. Upserts
    collect the batches and take load_columns' path.
    """
    spec = _loadable(layer_id, mode)
    if mode == "upsert":
        parts = list(batches)
        data = pd.concat([d for d, _ in parts], ignore_index=True)
        geometry = concat_geometries([g for _, g in parts])
        return load_columns(bind, layer_id, data, geometry, file_crs, actor=actor, mode=mode, crs=crs,
                            repair=repair, source=source, progress=progress)
    columns = [*spec.property_names, "source", "geom"]
    table = sql.Identifier(LAYER_SCHEMA, spec.id)
    report = LoadReport(spec.id, 0)
    with transaction(bind, actor) as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        if mode == "replace":
            cursor.execute(sql.SQL("DELETE FROM {}").format(table))
            report.deleted = cursor.rowcount
        problems: list[Problem] = []
        try:
            rebuild = drop_indexes_for_bulk(cursor, table, max(total, 0))
            first_fid = reserve_fids(cursor, spec, table, total) if rebuild else None
            copied = ["fid", *columns] if first_fid is not None else columns
            statements = {binary: sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT {})").format(
                table, sql.SQL(", ").join(map(sql.Identifier, copied)), sql.SQL("binary" if binary else "csv"),
            ).as_string(cursor) for binary in (True, False)}
            prepared = _prepare_batches(spec, batches, file_crs, columns, crs=crs, repair=repair, source=source,
                                        first_fid=first_fid)
            with transition_memory(cursor, max(total, 0)), ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(next, prepared, None)
                while (batch := pending.result()) is not None:
                    pending = pool.submit(next, prepared, None)
                    problems.extend(batch.problems)
                    report.repaired.extend(batch.warnings)
                    if batch.buffer is not None and not problems:
                        cursor.copy_expert(statements[batch.binary], batch.buffer, size=COPY_READ_BYTES)
                    report.rows += batch.rows
                    if progress:
                        progress(report.rows, max(total, report.rows))
            if problems:
                raise InvalidFeature(f"the input for layer {spec.id} has problems; nothing was loaded",
                                     problems[:MAX_REPORTED_PROBLEMS])
            if first_fid is not None:
                if report.rows > total:
                    raise LayerError(f"{spec.id}: the file gave more features than it announced; nothing was loaded")
                copy_insert_history(cursor, spec, first_fid, report.rows)
            rebuild_indexes(cursor, table, rebuild)
        except psycopg2.errors.UniqueViolation as exc:
            detail = (exc.diag.message_detail or str(exc)).strip()
            raise InvalidFeature(f"{spec.key} must be unique in layer {spec.id}; nothing was loaded",
                                 [Problem(spec.key or "key", detail)]) from None
    report.inserted = report.rows
    return report


def _prepare_batches(
    spec: LayerSpec, batches: Iterable[Batch], file_crs: Any, columns: list[str], *, crs: Any, repair: bool,
    source: str | None, first_fid: int | None = None,
) -> Iterator[_Prepared]:
    """Validated COPY streams, batch by batch (with fids from `first_fid` if given); a last item checks
    the key across all batches."""
    first_row, keys, seen = 1, [], set()
    for data, geometry in batches:
        problems = Problems(first_row)
        rows, warnings = validate_rows(spec, data, geometry, file_crs, problems, crs=crs, repair=repair,
                                       source=source, check_keys=False, binary=True)
        # Whole-file problems (unknown columns, ...) are the same in every batch: report them once.
        fresh = [p for p in problems if p.where != "columns" or (p.where, p.message) not in seen]
        seen.update((p.where, p.message) for p in fresh)
        buffer, binary = None, True
        if not problems:
            fids = None if first_fid is None else np.arange(first_fid + first_row - 1,
                                                            first_fid + first_row - 1 + len(rows), dtype=np.int64)
            buffer = binary_copy(spec, rows, fids)
            if buffer is None:
                binary = False
                rows["geom"] = pd.Series(pd.arrays.ArrowExtensionArray(wkb_to_hex(pa.array(rows["geom"].array))))
                if fids is not None:
                    rows["fid"] = fids
                copied = columns if fids is None else ["fid", *columns]
                buffer = csv_chunk(pa.Table.from_pandas(rows[copied], preserve_index=False), 0, None)
        if spec.key:
            keys.append(rows[spec.key])
        yield _Prepared(len(rows), buffer, fresh, warnings, binary)
        first_row += len(rows)
    if first_row == 1:
        yield _Prepared(0, None, [Problem("file", "the file has no features")], [])
    elif spec.key:
        problems = Problems()
        check_unique(spec, pd.concat(keys, ignore_index=True), problems)
        yield _Prepared(0, None, list(problems), [])


def _loadable(layer_id: str, mode: Mode) -> LayerSpec:
    spec = get_registry().get(layer_id)
    refuse_derived(spec)
    if mode == "upsert" and not spec.key:
        raise LayerError(f"layer {layer_id} declares no key, so it cannot upsert")
    return spec


def _load_rows(bind: Bind, spec: LayerSpec, rows: pd.DataFrame, warnings: list[str], *, actor: str,
               mode: Mode, progress: ProgressFn | None) -> LoadReport:
    report = LoadReport(spec.id, len(rows), repaired=warnings)
    columns = [*spec.property_names, "source", "geom"]
    table = sql.Identifier(LAYER_SCHEMA, spec.id)
    with transaction(bind, actor) as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        if mode == "replace":
            cursor.execute(sql.SQL("DELETE FROM {}").format(table))
            report.deleted = cursor.rowcount
        try:
            if mode == "upsert":
                report.inserted, report.updated = copy_upsert(cursor, spec, rows, columns, progress)
            else:
                rebuild = drop_indexes_for_bulk(cursor, table, len(rows))
                with transition_memory(cursor, len(rows)):
                    copy_rows(cursor, table, rows, columns, progress)
                rebuild_indexes(cursor, table, rebuild)
                report.inserted = len(rows)
        except psycopg2.errors.UniqueViolation as exc:
            detail = (exc.diag.message_detail or str(exc)).strip()
            raise InvalidFeature(f"{spec.key} must be unique in layer {spec.id}; nothing was loaded",
                                 [Problem(spec.key or "key", detail)]) from None
    return report
