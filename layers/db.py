"""Connections to PostGIS: one SQLAlchemy engine per database URL, per process, and the
autocommit connections kept beside it for one-statement reads on hot paths."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import psycopg2
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

T = TypeVar("T")


def sqlalchemy_url(database_url: str) -> str:
    """The same URL with the psycopg2 driver named (SQLAlchemy 2.1 defaults to psycopg 3)."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def libpq_url(database_url: str) -> str:
    """The same URL as libpq/psycopg2 and command-line tools read it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@lru_cache(maxsize=16)
def engine_for(database_url: str, *, transaction_pooled: bool = False) -> Engine:
    """The process's engine of this database. `transaction_pooled`: the URL is PgBouncer in
    transaction mode, where each transaction may run on another server connection, so
    nothing may outlive a transaction on one: no statement is kept PREPAREd
    (AutocommitReads), settings are only SET LOCAL / set_config(..., true), advisory locks
    only the _xact_ kinds, no listening for notifications, no cursor kept open past its
    transaction (the code keeps to that, tests/scaleout/test_pooler.py checks; see
    docs/scaling.md). psycopg2 itself prepares nothing on the server."""
    # pool_pre_ping: after a database restart a pooled connection is dead; the ping finds that at
    # checkout and reconnects, so no request fails on it (tests/scaleout/test_instances.py restarts it).
    engine = create_engine(sqlalchemy_url(database_url), pool_size=8, max_overflow=16, pool_recycle=1800,
                           pool_pre_ping=True)
    if transaction_pooled:
        _TRANSACTION_POOLED.add(engine)
    return engine


_TRANSACTION_POOLED: weakref.WeakSet[Engine] = weakref.WeakSet()


APPLICATION_NAME = "webgis autocommit reads"


class AutocommitReads:
    """Connections kept in autocommit beside an engine's pool, for the one-statement reads
    of hot paths (a cached tile's lookup, a single feature, a tile that is not cached).

    Through the pool such a read was a checkout, two autocommit switches, the
    statement and a rollback on return; each switch and round trip lets go of the GIL,
    and under load getting it back cost more than the read. Here a read is one
    execute on a connection taken and given back with a list pop/append. There are
    never more connections than threads that read at the same moment; they close
    with the engine. When one is found lost (server restart, killed backend) all the
    kept ones are dropped and the read is tried once more on a new connection.
    Statements to PREPARE are named by the caller and prepared once per connection;
    through a transaction pooler (`transaction_pooled`) a statement prepared on one server
    connection is unknown on the next, so there the caller's `unprepared` form runs instead.
    The connections are named APPLICATION_NAME in pg_stat_activity.
    """

    def __init__(self, url: str, transaction_pooled: bool = False):
        self.url = url
        self.transaction_pooled = transaction_pooled
        self.idle: list[tuple[Any, set[str]]] = []

    def fetch_one(self, statement: str | bytes, params: Any = None, *, prepare: str | None = None,
                  unprepared: str | None = None) -> tuple | None:
        """One row of `statement` (an EXECUTE of `prepare`, when given); `unprepared` is the same
        read without PREPARE/EXECUTE, with the same parameters, for a transaction pooler."""
        if prepare is not None and self.transaction_pooled:
            if unprepared is None:
                raise ValueError("a prepared read needs its unprepared form behind a transaction pooler")
            statement, prepare = unprepared, None

        def one(cursor: Any) -> tuple | None:
            cursor.execute(statement, params)
            return cursor.fetchone()

        return self.run(one, prepare=prepare)

    def run(self, read: Callable[[Any], T], *, prepare: str | None = None) -> T:
        """read(cursor) on a kept connection; it runs a second time (on a new connection)
        when the first one is found lost, so it must only read."""
        for attempt in (1, 2):
            try:
                if attempt == 2:
                    raise IndexError  # a new connection, not another kept one
                connection, prepared = self.idle.pop()  # atomic: no lock needed
            except IndexError:
                connection, prepared = self._connect(), set()
            try:
                with connection.cursor() as cursor:
                    if prepare is not None and prepare not in prepared:
                        cursor.execute(prepare)
                        prepared.add(prepare)
                    result = read(cursor)
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                connection.close()
                self.close()  # after a server restart every kept connection is dead
                if attempt == 2:
                    raise
                continue
            except BaseException:
                connection.close()  # its state is unknown: never hand it out again
                raise
            self.idle.append((connection, prepared))
            return result
        raise AssertionError("not reached")

    def _connect(self) -> Any:
        connection = psycopg2.connect(self.url, application_name=APPLICATION_NAME)
        connection.autocommit = True
        return connection

    def close(self, *_: Any) -> None:
        while self.idle:
            self.idle.pop()[0].close()


_READS: weakref.WeakKeyDictionary[Engine, AutocommitReads] = weakref.WeakKeyDictionary()
_READS_LOCK = threading.Lock()


def autocommit_reads(engine: Engine) -> AutocommitReads:
    """The kept autocommit connections of this engine's database."""
    reads = _READS.get(engine)
    if reads is None:
        with _READS_LOCK:
            reads = _READS.get(engine)
            if reads is None:
                reads = _READS[engine] = AutocommitReads(
                    engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                    transaction_pooled=engine in _TRANSACTION_POOLED)
                event.listen(engine, "engine_disposed", reads.close)
    return reads
