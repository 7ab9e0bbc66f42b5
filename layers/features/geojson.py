"""Reading features for the OGC API: PostgreSQL writes the GeoJSON, this module joins the bytes.

Flask-free. A page is one SELECT returning one feature text per row (plus one
extra row to know whether there is a next page); the FeatureCollection is
streamed as a header, the features and a footer that carries the counts and
links, so a 10,000-feature page never sits in memory as Python objects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import AsIs
from sqlalchemy import Engine

from layers.access import RowScope
from layers.db import autocommit_reads
from layers.queries import (
    Crs,
    ItemsQuery,
    QueryError,
    count_sql,
    estimated_rows,
    item_sql,
    items_sql,
    worth_exact_count,
)

# Pages up to this size are fetched in one go; bigger ones through a
# server-side cursor in batches, so memory stays flat while bytes flow out.
STREAM_ABOVE_ROWS = 1_000
STREAM_BATCH_ROWS = 2_000
LinksFn = Callable[["Page"], list[dict]]


@dataclass
class Page:
    query: ItemsQuery
    returned: int = 0
    matched: int | None = None
    has_next: bool = False
    last_fid: int | None = None
    links: list[dict] = field(default_factory=list)


class ItemsStream:
    """An open page of features: iterate for the GeoJSON bytes; always closes its connection."""

    def __init__(self, connection: Any, query: ItemsQuery, links: LinksFn):
        self.connection = connection
        self.query = query
        self.links = links
        self.page = Page(query)
        self.cursor: Any = None
        self.first: list[tuple[int, str]] = []
        try:
            self._open()
        except Exception:
            self.close()
            raise

    def _open(self) -> None:
        statement, params = items_sql(self.query)
        if self.query.limit > STREAM_ABOVE_ROWS:
            self.cursor = self.connection.cursor(name="ogcapi_items")  # a server-side cursor needs a transaction
            self.cursor.itersize = STREAM_BATCH_ROWS
        else:
            # Page and count are single statements: autocommit spares the BEGIN and ROLLBACK round trips.
            self._autocommit(True)
            self.cursor = self.connection.cursor()
        try:
            self.cursor.execute(statement, params)
            # Fetch the first batch now, so that a filter PostgreSQL rejects is a 400, not a broken stream.
            self.first = self.cursor.fetchmany(STREAM_BATCH_ROWS if self.cursor.name else self.query.limit + 1)
        except psycopg2.DataError as exc:
            raise QueryError(f"the query could not be evaluated: {exc.pgerror or exc}".strip()) from None

    def batches(self) -> Iterator[list[tuple[int, str]]]:
        yield self.first
        if self.cursor.name:
            while batch := self.cursor.fetchmany(STREAM_BATCH_ROWS):
                yield batch

    def feature_batches(self) -> Iterator[list[tuple[int, str]]]:
        """Up to `limit` rows, a batch at a time; records has_next and last_fid on the page.

        Batches, not rows: a per-row Python loop was a third of an export page's time."""
        remaining = self.query.limit
        for batch in self.batches():
            if not batch:
                continue
            if remaining == 0:
                self.page.has_next = True
                return
            if len(batch) > remaining:
                self.page.has_next = True
                batch = batch[:remaining]
            remaining -= len(batch)
            self.page.returned += len(batch)
            self.page.last_fid = batch[-1][0]
            yield batch
            if self.page.has_next:
                return

    def features(self) -> Iterator[tuple[int, str]]:
        for batch in self.feature_batches():
            yield from batch

    def geojson(self, count: Callable[[Page], int | None]) -> Iterator[bytes]:
        try:
            yield b'{"type":"FeatureCollection","features":['
            separator = ""
            for batch in self.feature_batches():
                yield (separator + ",".join([text for _, text in batch])).encode()
                separator = ","
            self.page.matched = count(self.page)
            footer = {"numberReturned": self.page.returned, "timeStamp": _now()}
            if self.page.matched is not None:
                footer["numberMatched"] = self.page.matched
            footer["links"] = self.links(self.page)
            yield b"]," + orjson.dumps(footer)[1:]
        finally:
            self.close()

    def _autocommit(self, on: bool) -> None:
        getattr(self.connection, "dbapi_connection", self.connection).autocommit = on

    def close(self) -> None:
        if self.connection is not None:
            if self.cursor is not None and self.cursor.name and not self.cursor.closed:
                self.cursor.close()  # a server-side cursor must be closed before the connection is reused
            if self.cursor is None or not self.cursor.name:
                self._autocommit(False)  # the pool hands out connections in their default mode
            self.connection.close()  # back to the pool, which rolls a read-only transaction back
            self.connection = None


def number_matched(connection: Any, database: str, page: Page) -> int | None:
    """Exact when free (a short page) or cheap (a small layer); otherwise omitted, as Part 1 allows."""
    query = page.query
    if not page.has_next and (page.returned or not query.offset):
        return query.offset + page.returned  # the page reached the end: what it skipped plus what it holds
    # A full page, or an empty one past the end (offset beyond the last feature), needs a count.
    cursor = connection.cursor()
    try:
        if not worth_exact_count(estimated_rows(cursor, database, query.layer_id)):
            return None
        statement, params = count_sql(query)
        cursor.execute(statement, params)
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


def read_item(engine: Engine, layer_id: str, fid: int, crs: Crs, *, private: bool = False,
              scope: RowScope | None = None) -> tuple[int, str] | None:
    """(version, feature GeoJSON text) of one feature, or None (also outside `scope`, the rows the
    principal reaches); private properties only when asked.

    One statement needs no transaction: on a kept autocommit connection the read is
    one round trip (layers.db.AutocommitReads), where the pool made it three plus
    autocommit switching, and the statement is prepared once per connection, so
    PostgreSQL does not parse and plan the feature expression on every request.
    """
    prepare, execute, unprepared = _item_statements(engine, layer_id, crs, private, scope)
    row = autocommit_reads(engine).fetch_one(execute, (fid,), prepare=prepare, unprepared=unprepared)
    return (row[0], row[1]) if row else None


_ITEM_STATEMENTS: dict[tuple[str, Crs, bool, RowScope | None], tuple[str, str, str]] = {}


def _item_statements(engine: Engine, layer_id: str, crs: Crs, private: bool,
                     scope: RowScope | None) -> tuple[str, str, str]:
    """(PREPARE, EXECUTE, the statement unprepared) of the single-item statement, rendered once
    per process (composing it on every request was ~0.5 ms of Python). Identifiers in it come
    from declarations only."""
    key = (layer_id, crs, private, scope)
    statements = _ITEM_STATEMENTS.get(key)
    if statements is None:
        connection = engine.raw_connection()  # quoting needs a connection's encoding
        try:
            cursor = connection.cursor()
            text = item_sql(layer_id, crs, private, scope).as_string(cursor)
            # mogrify turns the one %s into $1 (and %% into %) exactly as execute would bind it
            body = cursor.mogrify(text, (AsIs("$1"),)).decode()
        finally:
            connection.close()
        name = "item_" + hashlib.blake2b(body.encode(), digest_size=8).hexdigest()
        statements = _ITEM_STATEMENTS[key] = (f"PREPARE {name}(bigint) AS {body}", f"EXECUTE {name}(%s)", text)
    return statements


def read_extent(connection: Any, statement: sql.Composed) -> tuple[list[float] | None, list[str | None] | None]:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        x0, y0, x1, y1, t0, t1 = cursor.fetchone()
    bbox = [x0, y0, x1, y1] if x0 is not None else None
    interval = [_iso(t0), _iso(t1)] if (t0 is not None or t1 is not None) else None
    return bbox, interval


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
