"""Reading features as Python values: one feature, its history, a layer's count."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB

from layers.errors import FeatureNotFound
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.tables import Bind, history_table, layer_table, reading


def get_feature(bind: Bind, layer_id: str, fid: int, *, include_private: bool = False) -> dict:
    """One feature as a GeoJSON dict with `id`, and its version for ETags."""
    spec = get_registry().get(layer_id)
    table = layer_table(layer_id)
    names = _property_names(spec, include_private)
    query = select(
        table.c.fid, table.c.version, table.c.source, table.c.updated_at,
        func.ST_AsGeoJSON(table.c.geom).label("geometry"), *[table.c[n] for n in names],
    ).where(table.c.fid == fid)
    with reading(bind) as conn:
        row = conn.execute(query).mappings().one_or_none()
    if row is None:
        raise FeatureNotFound(f"no feature {fid} in layer {layer_id}")
    properties = {n: _jsonable(row[n]) for n in names}
    properties["source"] = row["source"]
    return {
        "type": "Feature", "id": row["fid"], "geometry": orjson.loads(row["geometry"]),
        "properties": properties, "version": row["version"],
        "updated_at": row["updated_at"].isoformat(),
    }


def _property_names(spec: LayerSpec, include_private: bool) -> list[str]:
    props = spec.properties if include_private else spec.public_properties()
    return [p.name for p in props]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def feature_history(bind: Bind, layer_id: str, fid: int) -> list[dict]:
    """Every recorded change of one feature, oldest first."""
    get_registry().get(layer_id)
    history = history_table()
    query = (
        select(history.c.id, history.c.op, history.c.at, history.c.actor, history.c.old, history.c.new)
        .where(and_(history.c.layer == layer_id, history.c.fid == fid))
        .order_by(history.c.id)
    )
    with reading(bind) as conn:
        entries = [dict(r) for r in conn.execute(query).mappings()]
        for i, entry in enumerate(entries):
            if entry["op"] == "insert" and entry["new"] is None:
                following = entries[i + 1] if i + 1 < len(entries) else None
                entry["new"] = following["old"] if following else live_state(conn, layer_id, fid)
        return entries


def live_state(conn: Connection, layer_id: str, fid: int) -> dict | None:
    """The row as the history trigger writes it: every column, the geometry as GeoJSON."""
    table = layer_table(layer_id)
    plain = [c for c in table.c if c.name != "geom"]
    # Same JSON as the trigger's document: to_jsonb of the plain columns plus ST_AsGeoJSON(geom, 15, 2).
    row = select(*plain).where(table.c.fid == fid).subquery("r")
    document = select(
        func.to_jsonb(literal_column("r")).op("||")(
            func.jsonb_build_object("geom", cast(func.ST_AsGeoJSON(table.c.geom, 15, 2), JSONB)))
    ).select_from(row.join(table, table.c.fid == row.c.fid))
    return conn.execute(document).scalar_one_or_none()


def count_features(bind: Bind, layer_id: str) -> int:
    table = layer_table(layer_id)
    with reading(bind) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()
