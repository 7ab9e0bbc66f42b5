"""Writing features: insert, upsert, update, delete and restore.

Each call is one transaction; every change is recorded in core.feature_history
by the table triggers, with the actor given here.

With `principal=`, the write is made through the generic layer API on that
principal's behalf, and layers.access.check_row_write rules on the locked row
(its row scope, the layer's workflow, a derived layer). Without it, the caller
is trusted code (a service moving its own workflow, the seed loader, the CLI).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from layers.access import Principal, check_row_write, refuse_derived
from layers.errors import FeatureNotFound, InvalidFeature, LayerError, Problem, VersionConflict
from layers.features.read import live_state
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.tables import Bind, history_table, layer_table, transaction
from layers.validate import WGS84, CleanFeature, parse_crs, validate_feature

DEFAULT_SOURCE = "api"


def _validated(spec: LayerSpec, features: Iterable[dict], crs: Any, partial: bool = False) -> list[CleanFeature]:
    refuse_derived(spec)  # every write path validates first
    crs_obj = parse_crs(crs) if crs is not None else WGS84
    clean, problems = [], []
    for i, feature in enumerate(features, start=1):
        try:
            clean.append(validate_feature(spec, feature, f"feature {i}", crs=crs_obj, partial=partial))
        except InvalidFeature as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidFeature(f"{len(problems)} problem(s) in the input for layer {spec.id}; nothing was written", problems)
    return clean


def _row(feature: CleanFeature, source: str) -> dict[str, Any]:
    row = dict(feature.properties)
    row["source"] = feature.source or source
    if feature.geometry is not None:
        row["geom"] = from_shape(feature.geometry, srid=4326)
    return row


def insert_features(
    bind: Bind, layer_id: str, features: Iterable[dict], *, actor: str,
    source: str = DEFAULT_SOURCE, crs: Any = None, principal: Principal | None = None,
) -> list[int]:
    """Insert GeoJSON features; returns their new fids. All or nothing."""
    spec = get_registry().get(layer_id)
    clean = _validated(spec, features, crs)
    if not clean:
        return []
    if principal is not None:
        for feature in clean:
            check_row_write(spec, principal, None, None, feature.properties)
    table = layer_table(layer_id)
    with transaction(bind, actor) as conn:
        _check_keys_free(conn, spec, clean)
        result = conn.execute(insert(table).returning(table.c.fid), [_row(f, source) for f in clean])
        return [r.fid for r in result]


def _check_keys_free(conn: Connection, spec: LayerSpec, clean: list[CleanFeature]) -> None:
    if not spec.key:
        return
    keys = [f.properties.get(spec.key) for f in clean]
    seen: set = set()
    duplicates = [k for k in keys if k is not None and (k in seen or seen.add(k))]
    table = layer_table(spec.id)
    taken = conn.execute(select(table.c[spec.key]).where(table.c[spec.key].in_(keys))).scalars().all()
    clashes = sorted(set(duplicates) | set(taken), key=str)
    if clashes:
        raise InvalidFeature(
            f"{spec.key} must be unique in layer {spec.id}; nothing was written",
            [Problem(f"{spec.key}={k!r}", "already exists") for k in clashes],
        )


def upsert_features(
    bind: Bind, layer_id: str, features: Iterable[dict], *, actor: str,
    source: str = DEFAULT_SOURCE, crs: Any = None, principal: Principal | None = None,
) -> dict[str, int]:
    """Insert or update by the layer's declared key; returns counts of inserted and updated."""
    spec = get_registry().get(layer_id)
    if not spec.key:
        raise LayerError(f"layer {layer_id} declares no key, so it cannot upsert")
    clean = _validated(spec, features, crs)
    table = layer_table(layer_id)
    rows = [_row(f, source) for f in clean]
    if not rows:
        return {"inserted": 0, "updated": 0}
    columns = [c for c in rows[0] if c != spec.key]
    with transaction(bind, actor) as conn:
        if principal is not None:
            _check_upsert(conn, spec, principal, clean)
        statement = pg_insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[spec.key],
            set_={c: statement.excluded[c] for c in columns},
            # Unchanged rows are not rewritten, so history records real changes only.
            where=func.row(*[table.c[c] for c in columns]).op("IS DISTINCT FROM")(
                func.row(*[statement.excluded[c] for c in columns])
            ),
        ).returning(table.c.fid, table.c.version)
        returned = conn.execute(statement, rows).all()
    inserted = sum(1 for r in returned if r.version == 1)
    return {"inserted": inserted, "updated": len(returned) - inserted}


def _check_upsert(conn: Connection, spec: LayerSpec, principal: Principal, clean: list[CleanFeature]) -> None:
    table = layer_table(spec.id)
    keys = [f.properties.get(spec.key) for f in clean]
    existing = {r[spec.key]: dict(r) for r in conn.execute(
        select(table).where(table.c[spec.key].in_(keys)).with_for_update()).mappings()}
    for feature in clean:
        old = existing.get(feature.properties.get(spec.key))
        check_row_write(spec, principal, old and old["fid"], old, feature.properties)


def update_feature(
    bind: Bind, layer_id: str, fid: int, feature: dict, *, actor: str,
    expected_version: int | None = None, partial: bool = False, crs: Any = None,
    principal: Principal | None = None,
) -> int:
    """Replace (or, with partial=True, patch) one feature; returns its new version.

    With expected_version, the update happens only if nobody changed the
    feature meanwhile (VersionConflict otherwise).
    """
    spec = get_registry().get(layer_id)
    (clean,) = _validated(spec, [feature], crs, partial=partial)
    table = layer_table(layer_id)
    values = _row(clean, DEFAULT_SOURCE)
    if partial and clean.source is None:
        values.pop("source")
    if not partial:
        for prop in spec.properties:
            values.setdefault(prop.name, None)
    with transaction(bind, actor) as conn:
        current = _lock(conn, layer_id, fid, spec, principal, values)
        if expected_version is not None and current != expected_version:
            raise VersionConflict(
                f"feature {fid} of {layer_id} is at version {current}, not {expected_version}; "
                "read it again before changing it"
            )
        if not values:  # an empty merge patch (RFC 7396) changes nothing: no new version, no history
            return current
        if spec.key and spec.key in values:
            _check_key_unchanged_or_free(conn, spec, fid, values[spec.key])
        new_version = conn.execute(
            update(table).where(table.c.fid == fid).values(**values).returning(table.c.version)
        ).scalar_one()
    return new_version


_DELETED: dict[str, Any] = {}  # the `changes` of a delete: no row left


def _lock(conn: Connection, layer_id: str, fid: int, spec: LayerSpec | None = None,
          principal: Principal | None = None, changes: dict[str, Any] | None = None) -> int:
    """Lock the row and return its version; with a principal, layers.access rules on the change first
    (`changes` the values written, _DELETED for a delete), before anything is compared or written."""
    table = layer_table(layer_id)
    row = conn.execute(select(table).where(table.c.fid == fid).with_for_update()).mappings().one_or_none()
    if principal is not None and spec is not None:
        old = None if row is None else dict(row)
        if old is None:
            raise FeatureNotFound(f"no feature {fid} in layer {layer_id}")
        new = None if changes is _DELETED else {**old, **(changes or {})}
        check_row_write(spec, principal, fid, old, new)
    if row is None:
        raise FeatureNotFound(f"no feature {fid} in layer {layer_id}")
    return row["version"]


def _check_key_unchanged_or_free(conn: Connection, spec: LayerSpec, fid: int, key: Any) -> None:
    table = layer_table(spec.id)
    other = conn.execute(
        select(table.c.fid).where(and_(table.c[spec.key] == key, table.c.fid != fid))
    ).scalar_one_or_none()
    if other is not None:
        raise InvalidFeature(f"{spec.key} must be unique", [Problem(f"{spec.key}={key!r}", f"used by feature {other}")])


def delete_feature(
    bind: Bind, layer_id: str, fid: int, *, actor: str, expected_version: int | None = None,
    principal: Principal | None = None,
) -> None:
    table = layer_table(layer_id)
    spec = get_registry().get(layer_id)
    refuse_derived(spec)
    with transaction(bind, actor) as conn:
        current = _lock(conn, layer_id, fid, spec, principal, _DELETED)
        if expected_version is not None and current != expected_version:
            raise VersionConflict(f"feature {fid} of {layer_id} is at version {current}, not {expected_version}")
        conn.execute(delete(table).where(table.c.fid == fid))


def restore_feature(bind: Bind, layer_id: str, fid: int, history_id: int, *, actor: str,
                    principal: Principal | None = None) -> int:
    """Bring a feature back to the state recorded in history entry `history_id`.

    The state is the entry's `new` values (or `old` for a deletion); a deleted
    feature is re-inserted under its old fid. The restore itself is recorded.
    """
    spec = get_registry().get(layer_id)
    refuse_derived(spec)
    history = history_table()
    table = layer_table(layer_id)
    with transaction(bind, actor) as conn:
        entry = conn.execute(
            select(history.c.op, history.c.old, history.c.new).where(
                and_(history.c.id == history_id, history.c.layer == layer_id, history.c.fid == fid)
            )
        ).one_or_none()
        if entry is None:
            raise FeatureNotFound(f"no history entry {history_id} for feature {fid} of {layer_id}")
        state = entry.old if entry.op == "delete" else entry.new
        if state is None and entry.op == "insert":
            state = _inserted_state(conn, layer_id, fid, history_id)
        if state is None:
            raise FeatureNotFound(f"history entry {history_id} of feature {fid} of {layer_id} "
                                  "has no state to restore (the row is gone without a recorded change)")
        values = {p.name: state.get(p.name) for p in spec.properties}
        clean = validate_feature(spec, {"type": "Feature", "properties": values, "geometry": state["geom"]},
                                 f"history {history_id}")
        row = _row(clean, state.get("source") or DEFAULT_SOURCE)
        current = conn.execute(select(table).where(table.c.fid == fid).with_for_update()).mappings().one_or_none()
        if principal is not None:
            check_row_write(spec, principal, fid, None if current is None else dict(current), clean.properties)
        if current is None:
            conn.execute(insert(table).values(fid=fid, **row))
            return 1
        return conn.execute(update(table).where(table.c.fid == fid).values(**row).returning(table.c.version)).scalar_one()


def _inserted_state(conn: Connection, layer_id: str, fid: int, history_id: int) -> dict | None:
    """The state a bulk insert recorded without `new` (see layers.schema, HISTORY_FUNCTION_TEMPLATE).

    Every later change is recorded, so the row's first state is the `old` of its
    next event, or the live row if nothing happened to it since.
    """
    history = history_table()
    following = conn.execute(
        select(history.c.old).where(and_(history.c.layer == layer_id, history.c.fid == fid, history.c.id > history_id))
        .order_by(history.c.id).limit(1)
    ).one_or_none()
    return following.old if following is not None else live_state(conn, layer_id, fid)
