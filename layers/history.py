"""Feature history as people read it: versions with what changed, and a layer's recent changes.

core.feature_history holds whole rows (old and new) written by the table
triggers; this module turns them into versions (who, when, op, changed
properties old -> new, geometry changed or not), showing only the properties
the principal may read (layers/access.py), of the rows it reaches (an entry
whose old or new state is in its row scope). Restoring is
layers.features.write.restore_feature; this module only reads. Flask-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from layers.access import Principal, readable_properties, row_scope
from layers.model import LayerSpec
from layers.rowsql import scope_clause, scope_json_clause
from layers.tables import Bind, history_table, layer_table, reading

GEOMETRY = "geom"


@dataclass(frozen=True)
class Change:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Version:
    """One history entry: the state it left behind is version `version` of the feature (None after a delete)."""

    id: int
    fid: int
    op: str
    at: datetime
    actor: str
    version: int | None
    changes: list[Change] = field(default_factory=list)
    geometry_changed: bool = False
    # The readable properties of the state this entry left (or, for a delete, the state it removed).
    state: dict[str, Any] = field(default_factory=dict)


def _entries(spec: LayerSpec, principal: Principal) -> Any:
    """The history entries of the layer that concern rows the principal reaches (layers.access.row_scope).

    A bulk insert records no `new` (layers.schema); such an entry counts when the live row is reached."""
    history = history_table()
    query = select(history.c.id, history.c.fid, history.c.op, history.c.at, history.c.actor,
                   history.c.old, history.c.new).where(history.c.layer == spec.table)
    scope = row_scope(spec, principal)
    if scope is None:
        return query
    table = layer_table(spec.id)
    live = select(table.c.fid).where(scope_clause(scope, table.c))
    return query.where(or_(
        scope_json_clause(scope, history.c.new), scope_json_clause(scope, history.c.old),
        and_(history.c.new.is_(None), history.c.old.is_(None), history.c.fid.in_(live)),
    ))


def _version(row: Any, names: list[str]) -> Version:
    old, new = row.old or {}, row.new or {}
    if row.op == "update":
        changes = [Change(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n)]
        geometry_changed = old.get(GEOMETRY) != new.get(GEOMETRY)
    elif row.op == "insert":
        changes = [Change(n, None, new.get(n)) for n in names if new.get(n) is not None]
        geometry_changed = True
    else:
        changes = [Change(n, old.get(n), None) for n in names if old.get(n) is not None]
        geometry_changed = True
    state = old if row.op == "delete" else new
    return Version(id=row.id, fid=row.fid, op=row.op, at=row.at, actor=row.actor,
                   version=new.get("version") if row.op != "delete" else None,
                   changes=changes, geometry_changed=geometry_changed,
                   state={n: state.get(n) for n in names})


def feature_versions(bind: Bind, spec: LayerSpec, fid: int, principal: Principal) -> list[Version]:
    """Every recorded change of one feature, newest first, with only the properties `principal` may read."""
    names = readable_properties(spec, principal)
    history = history_table()
    query = _entries(spec, principal).where(history.c.fid == fid).order_by(history.c.id)
    with reading(bind) as conn:
        rows = conn.execute(query).all()
    return [_version(r, names) for r in reversed(rows)]


def recent_changes(
    bind: Bind, spec: LayerSpec, principal: Principal, *, before_id: int | None = None, limit: int = 100,
) -> list[Version]:
    """The layer's latest changes, newest first; page with `before_id` (the smallest id of the previous page)."""
    names = readable_properties(spec, principal)
    history = history_table()
    query = _entries(spec, principal)
    if before_id is not None:
        query = query.where(history.c.id < before_id)
    query = query.order_by(history.c.id.desc()).limit(max(1, min(limit, 1000)))
    with reading(bind) as conn:
        rows = conn.execute(query).all()
    return [_version(r, names) for r in rows]
