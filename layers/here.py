""""What is here?": one spatial query over every layer that declares `here`.

For a point (lon/lat, WGS 84) each public layer with `here: contains` reports
the feature containing the point, and each with `here: nearest` its nearest
feature with the distance in metres. All branches run as one UNION ALL
statement; the point is a bound parameter and identifiers come only from the
declarations.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Float, String, bindparam, func, literal, select, union_all
from sqlalchemy.sql import Select

from layers.access import ANONYMOUS, Principal, RowScope, can_read, readable_properties, row_scope
from layers.model import LayerSpec
from layers.registry import Registry, get_registry
from layers.rowsql import scope_clause
from layers.tables import Bind, layer_table, reading

# The nearest feature by the index's planar distance (degrees) is re-ranked by
# true distance among this many candidates: at Medan's latitude (3.6° N) a
# degree of longitude is 0.2% shorter than one of latitude, so the planar
# order can only swap near-ties, which the candidates cover.
NEAREST_CANDIDATES = 8


def here_layers(registry: Registry | None = None, principal: Principal = ANONYMOUS) -> list[LayerSpec]:
    """Layers the principal may read (layers.access) that declare what "what is here?" reports of them."""
    return [s for s in registry or get_registry() if s.here and can_read(s, principal)]


def _point() -> Any:
    return func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", type_=Float), bindparam("lat", type_=Float)), 4326)


def _columns(spec: LayerSpec, rank: int, source: Any, names: tuple[str, ...]) -> list[Any]:
    """The common columns of a branch, read from the table or a subquery of it; `names`: the visible properties."""
    pairs: list[Any] = []
    for name in names:
        pairs.extend([literal(name, String), source.c[name]])
    name = source.c[spec.search[0]] if spec.search else literal(None, String)
    return [
        literal(spec.id, String).label("layer"), literal(spec.here, String).label("relation"),
        literal(rank).label("rank"), source.c.fid, name.label("name"),
        func.jsonb_build_object(*pairs).label("properties"),
    ]


def _branch(spec: LayerSpec, rank: int, point: Any, names: tuple[str, ...], scope: RowScope | None) -> Select:
    table = layer_table(spec.id)
    reached = scope_clause(scope, table.c)  # only the rows the principal reaches (layers.access.row_scope)
    if spec.here == "contains":
        # Several overlapping features may contain the point; the smallest is
        # the most specific answer.
        return (select(*_columns(spec, rank, table, names), literal(0.0, Float).label("distance_m"))
                .where(func.ST_Intersects(table.c.geom, point)).where(reached)
                .order_by(func.ST_Area(table.c.geom)).limit(1))
    candidates = (select(table).where(reached).order_by(table.c.geom.op("<->")(point))
                  .limit(NEAREST_CANDIDATES).subquery(f"near_{spec.id}"))
    distance = func.ST_Distance(func.geography(candidates.c.geom), func.geography(point))
    return (select(*_columns(spec, rank, candidates, names), distance.label("distance_m"))
            .order_by(distance).limit(1))


def _statement(registry: Registry, principal: Principal) -> Select | None:
    keys = tuple((spec.id, tuple(readable_properties(spec, principal)), row_scope(spec, principal))
                 for spec in here_layers(registry, principal))
    return _statement_for(registry, keys)


@lru_cache(maxsize=64)
def _statement_for(registry: Registry,
                   keys: tuple[tuple[str, tuple[str, ...], RowScope | None], ...]) -> Select | None:
    """The UNION ALL over the `here` layers with their visible properties and rows, built once (building is slow)."""
    layers = [(registry.get(layer_id), names, scope) for layer_id, names, scope in keys]
    if not layers:
        return None
    point = _point()
    branches = [_branch(spec, rank, point, names, scope).subquery(f"b{rank}").select()
                for rank, (spec, names, scope) in enumerate(layers)]
    combined = union_all(*branches).subquery("here")
    return select(combined).order_by(combined.c.rank)


def what_is_here(bind: Bind, lon: float, lat: float, registry: Registry | None = None,
                 principal: Principal = ANONYMOUS) -> dict[str, Any]:
    """What the declared layers say about a point, in declaration order.

    Returns {"inside": bool, "results": [...]}; `inside` is true when some
    `contains` layer has a feature at the point (the point is in the city).
    Each result: layer, relation ("contains"/"nearest"), fid, name,
    properties (those the principal may see) and distance_m (0 for containing features).
    """
    statement = _statement(registry or get_registry(), principal)
    if statement is None:
        return {"inside": False, "results": []}
    with reading(bind) as conn:
        rows = conn.execute(statement, {"lon": float(lon), "lat": float(lat)}).mappings().all()
    results = [
        {"layer": r["layer"], "relation": r["relation"], "fid": r["fid"], "name": r["name"],
         "properties": r["properties"], "distance_m": round(float(r["distance_m"]), 1)}
        for r in rows
    ]
    return {"inside": any(r["relation"] == "contains" for r in results), "results": results}
