"""The SQLAlchemy tables of the registry, built once per process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, Engine, MetaData, Table, text

from layers.registry import get_registry
from layers.schema import CORE_SCHEMA, LAYER_SCHEMA, build_metadata

Bind = Engine | Connection


@lru_cache(maxsize=1)
def metadata() -> MetaData:
    return build_metadata(get_registry())


def layer_table(layer_id: str) -> Table:
    get_registry().get(layer_id)  # raises UnknownLayer with a clear message
    return metadata().tables[f"{LAYER_SCHEMA}.{layer_id}"]


def history_table() -> Table:
    return metadata().tables[f"{CORE_SCHEMA}.feature_history"]


@contextmanager
def transaction(bind: Bind, actor: str | None = None) -> Iterator[Connection]:
    """One transaction per call; inside a caller's transaction, a savepoint.

    `actor` is recorded by the history triggers for every row changed here.
    """
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            _set_actor(conn, actor)
            yield conn
    else:
        scope = bind.begin_nested() if bind.in_transaction() else bind.begin()
        with scope:
            _set_actor(bind, actor)
            yield bind


@contextmanager
def reading(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
    else:
        yield bind


def _set_actor(conn: Connection, actor: str | None) -> None:
    if actor:
        conn.execute(text("SELECT set_config('webgis.actor', :actor, true)"), {"actor": actor})
