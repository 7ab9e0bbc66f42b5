"""COPY into a layer's table inside the load's transaction.

CSV chunks (the next one written while one loads), the upsert's staging table,
secondary indexes dropped and rebuilt around a large load, work_mem for the
history trigger, and the hand-over that lets the loader write the history of
its own bulk insert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from psycopg2 import sql

from layers.frames.encode import (
    COPY_CHUNK_ROWS,
    binary_rows,
    constant_text_field,
    csv_chunk,
    fixed_field,
)
from layers.model import LayerSpec
from layers.schema import HISTORY_BY_LOADER, LAYER_SCHEMA

ProgressFn = Callable[[int, int], None]
COPY_READ_BYTES = 1 << 20


# The history trigger keeps a statement's new rows in a tuplestore of work_mem
# (32 MB here); a million points need ~200 MB and would go through temp files.
BULK_WORK_MEM = "256MB"


@contextmanager
def transition_memory(cursor: Any, n: int) -> Iterator[None]:
    """work_mem raised for one bulk COPY (this transaction only), then set back."""
    if n < BULK_INDEX_ROWS:
        yield
        return
    cursor.execute("SELECT current_setting('work_mem')")
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('work_mem', %s, true)", (BULK_WORK_MEM,))
    yield
    cursor.execute("SELECT set_config('work_mem', %s, true)", (previous,))


# Secondary indexes (GiST, unique key, search) of this many or more rows are
# built once after the COPY rather than row by row (3-4x less work for a large
# load). Only when the batch is at least as large as what the table holds.
BULK_INDEX_ROWS = 50_000


@dataclass
class _Index:
    name: str
    definition: str
    constraint: str | None  # a UNIQUE/EXCLUDE constraint owning the index, re-added as such


def drop_indexes_for_bulk(cursor: Any, table: sql.Identifier, n: int) -> list[_Index]:
    """Drop the table's secondary indexes when `n` new rows outnumber the present ones.

    Inside the load's transaction: a failure brings them back with everything
    else. DROP INDEX locks the table exclusively until commit, so readers wait
    for the load instead of seeing the old rows (seconds for a million points).
    """
    if n < BULK_INDEX_ROWS:
        return []
    cursor.execute(sql.SQL("SELECT count(*) FROM (SELECT FROM {} LIMIT %s) s").format(table), (n,))
    if cursor.fetchone()[0] >= n:
        return []
    qualified = table.as_string(cursor)
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "  AND c.contype IN ('u', 'x') "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY 1", (qualified,))
    indexes = []
    for name, indexdef, conname, condef in cursor.fetchall():
        if conname:
            indexes.append(_Index(conname, condef, conname))
            cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, sql.Identifier(conname)))
        else:
            indexes.append(_Index(name, indexdef, None))
            # regclass::text is already quoted and schema-qualified as needed
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
    return indexes


def rebuild_indexes(cursor: Any, table: sql.Identifier, indexes: list[_Index]) -> None:
    """Re-create what drop_indexes_for_bulk dropped, exactly as the catalogue described it, then ANALYZE."""
    if not indexes:
        return
    for index in indexes:
        # The definitions come from pg_get_indexdef/pg_get_constraintdef, not from the input.
        if index.constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(table, sql.Identifier(index.constraint))
                           + sql.SQL(index.definition))
        else:
            cursor.execute(sql.SQL(index.definition))
    cursor.execute(sql.SQL("ANALYZE {}").format(table))


def copy_rows(cursor: Any, table: sql.Composable, rows: pd.DataFrame, columns: list[str],
              progress: ProgressFn | None) -> None:
    """COPY the rows in chunks of CSV written by Arrow; the next chunk is written while one loads."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, columns))).as_string(cursor)
    arrow = pa.Table.from_pandas(rows[columns], preserve_index=False)
    total = arrow.num_rows
    starts = range(0, total, COPY_CHUNK_ROWS)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(csv_chunk, arrow, 0) if total else None
        for start in starts:
            buffer = pending.result()
            nxt = start + COPY_CHUNK_ROWS
            pending = pool.submit(csv_chunk, arrow, nxt) if nxt < total else None
            cursor.copy_expert(statement, buffer, size=COPY_READ_BYTES)
            if progress:
                progress(min(nxt, total), total)


def copy_upsert(cursor: Any, spec: LayerSpec, rows: pd.DataFrame, columns: list[str],
                progress: ProgressFn | None) -> tuple[int, int]:
    """Insert or update by the declared key through a staging table; (inserted, updated)."""
    staging = sql.Identifier(f"staging_{spec.id}")
    target = sql.Identifier(LAYER_SCHEMA, spec.id)
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    cursor.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
                   .format(staging, names, target))
    copy_rows(cursor, staging, rows, columns, progress)
    updatable = [c for c in columns if c != spec.key]
    cursor.execute(
        sql.SQL(
            "INSERT INTO {target} AS t ({names}) SELECT {names} FROM {staging} "
            "ON CONFLICT ({key}) DO UPDATE SET ({upd}) = ROW({excluded}) "
            "WHERE ROW({current}) IS DISTINCT FROM ROW({excluded}) "
            "RETURNING (xmax = 0) AS inserted"
        ).format(
            target=target, names=names, staging=staging, key=sql.Identifier(spec.key),
            upd=sql.SQL(", ").join(map(sql.Identifier, updatable)),
            excluded=sql.SQL(", ").join(sql.Identifier("excluded", c) for c in updatable),
            current=sql.SQL(", ").join(sql.Identifier("t", c) for c in updatable),
        )
    )
    flags = [r[0] for r in cursor.fetchall()]
    inserted = sum(flags)
    return inserted, len(flags) - inserted


def reserve_fids(cursor: Any, spec: LayerSpec, table: sql.Identifier, total: int) -> int | None:
    """The first of `total` fids set aside for this load, when the loader is to write their history.

    The history trigger's INSERT ... SELECT of a million events costs as much as
    the COPY of the rows; one COPY of the events (see copy_insert_history) costs
    about half. That needs the fids up front. Only under the exclusive lock that
    drop_indexes_for_bulk took (nobody else inserts meanwhile), only while the
    history trigger is on and its function knows the hand-over (migration 0010a);
    otherwise None and the trigger records as for any insert.
    """
    qualified = table.as_string(cursor)
    cursor.execute(
        "SELECT t.tgenabled <> 'D' AND position(%s in p.prosrc) > 0 FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = %s::regclass AND t.tgname = 'history_insert'",
        (HISTORY_BY_LOADER, qualified))
    found = cursor.fetchone()
    if not found or not found[0] or total <= 0:
        return None
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'fid')", (qualified,))
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", (sequence,))
    first = int(cursor.fetchone()[0])
    cursor.execute("SELECT setval(%s, %s)", (sequence, first + total - 1))
    cursor.execute("SELECT set_config(%s, %s, true)", (HISTORY_BY_LOADER, spec.id))
    return first


def copy_insert_history(cursor: Any, spec: LayerSpec, first_fid: int, n: int) -> None:
    """One 'insert' event per loaded row (new = NULL, as the trigger writes for bulk inserts), by COPY."""
    cursor.execute("SELECT set_config(%s, '', true)", (HISTORY_BY_LOADER,))  # the trigger records again from here
    if n == 0:
        return
    cursor.execute("SELECT coalesce(nullif(current_setting('webgis.actor', true), ''), session_user)")
    who = cursor.fetchone()[0]
    fids = np.arange(first_fid, first_fid + n, dtype=np.int64)
    fields = [constant_text_field(spec.id, n), fixed_field(fids.astype(">i8"), np.ones(n, dtype=bool), 8),
              constant_text_field("insert", n), constant_text_field(who, n)]
    cursor.copy_expert("COPY core.feature_history (layer, fid, op, actor) FROM STDIN WITH (FORMAT binary)",
                       binary_rows(fields, n), size=COPY_READ_BYTES)
