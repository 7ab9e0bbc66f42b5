"""A row scope (layers.access.RowScope) as SQL, for the statement builders of every read path.

Two spellings of the same condition: psycopg2 `sql` for the hand-built
statements (items, tiles, downloads), with the values as quoted literals so a
statement's text (and the tile cache key hashed from it) differs per scope;
and SQLAlchemy for the Core-built ones (search, "what is here?", history,
the catalogue's figures). Property names come from declarations; values are
quoted or bound, never spliced.
"""

from __future__ import annotations

from typing import Any

from psycopg2 import sql
from sqlalchemy import false, or_, true

from layers.access import RowScope


def scope_sql(scope: RowScope | None) -> sql.Composable | None:
    """`(agency IN ('DPU', ...) OR ...)`, FALSE for a scope of no rows, None for every row."""
    if scope is None:
        return None
    if not scope.conditions:
        return sql.SQL("FALSE")
    parts = [sql.SQL("{} IN ({})").format(sql.Identifier(name), sql.SQL(", ").join(map(sql.Literal, values)))
             for name, values in scope.conditions]
    return sql.SQL("({})").format(sql.SQL(" OR ").join(parts))


def scope_clause(scope: RowScope | None, columns: Any) -> Any:
    """The same condition over a table's (or subquery's) columns, as a SQLAlchemy clause."""
    if scope is None:
        return true()
    if not scope.conditions:
        return false()
    return or_(*[columns[name].in_(values) for name, values in scope.conditions])


def scope_json_clause(scope: RowScope | None, document: Any) -> Any:
    """The condition over a history document (jsonb of the row): `document ->> name IN (...)`."""
    if scope is None:
        return true()
    if not scope.conditions:
        return false()
    return or_(*[document.op("->>")(name).in_(values) for name, values in scope.conditions])
