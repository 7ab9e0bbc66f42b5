"""The one query complaint intake needs to tag a report: where the point is, and its nearest device.

"What is here?" (layers/here.py) asks every declared layer about a point
(about twenty branches, most of them nearest-feature searches) when intake
needs three answers: the kelurahan containing the point, the disaster-risk
zone containing it, and, for device categories, the nearest device of one
layer within a radius. This statement asks exactly that, in one round trip,
with the same rules as layers/here.py (the smallest containing polygon; the
nearest device by the index, re-ranked by true distance). The layer names are
the registry's (allow-listed), every value is a bound parameter.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Select, bindparam, func, select, true
from sqlalchemy.sql import ColumnElement

from layers.registry import get_registry
from layers.tables import Bind, layer_table, reading

KELURAHAN = "kelurahan"
RISK_ZONES = "disaster_risk_zones"
# As in layers/here.py: planar KNN candidates re-ranked by true distance.
NEAREST_CANDIDATES = 8


def _point() -> ColumnElement:
    return func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", type_=Float), bindparam("lat", type_=Float)), 4326)


@lru_cache(maxsize=16)
def _statement(device_layer: str | None) -> Select:
    """Built once per device layer (statement building costs more than running it)."""
    point = _point()
    kel = layer_table(KELURAHAN)
    risk = layer_table(RISK_ZONES)
    kelurahan = (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec)
                 .where(func.ST_Intersects(kel.c.geom, point))
                 .order_by(func.ST_Area(kel.c.geom)).limit(1).lateral("k"))
    zone = (select(risk.c.kelas).where(func.ST_Intersects(risk.c.geom, point))
            .order_by(func.ST_Area(risk.c.geom)).limit(1).lateral("r"))
    columns: list[Any] = [kelurahan.c.kode_kel, kelurahan.c.nama_kel, kelurahan.c.nama_kec,
                          zone.c.kelas.label("risk_class")]
    query = select(*columns).select_from(kelurahan).outerjoin(zone, true())
    if device_layer is None:
        return query
    spec = get_registry().get(device_layer)  # KeyError for a layer the registry does not declare
    table = layer_table(device_layer)
    candidates = (select(table.c[spec.key].label("code"), table.c.geom)
                  .order_by(table.c.geom.op("<->")(point)).limit(NEAREST_CANDIDATES).subquery("c"))
    distance = func.ST_Distance(func.geography(candidates.c.geom), func.geography(point))
    device = (select(candidates.c.code, distance.label("distance_m"))
              .where(distance <= bindparam("within", type_=Float))
              .order_by(distance).limit(1).lateral("d"))
    return (query.add_columns(device.c.code.label("device_code"), device.c.distance_m.label("device_distance_m"))
            .outerjoin(device, true()))


def intake_tags(bind: Bind, lon: float, lat: float, device_layer: str | None = None,
                within_m: float = 0.0) -> dict[str, Any] | None:
    """{kode_kel, nama_kel, nama_kec, risk_class, device_code, device_distance_m}; None outside every kelurahan."""
    params = {"lon": float(lon), "lat": float(lat)}
    if device_layer is not None:
        params["within"] = float(within_m)
    with reading(bind) as conn:
        row = conn.execute(_statement(device_layer), params).mappings().one_or_none()
    if row is None:
        return None
    tags = {"device_code": None, "device_distance_m": None, **row}
    if tags["device_distance_m"] is not None:
        tags["device_distance_m"] = round(float(tags["device_distance_m"]), 1)
    return tags
