"""Intake's one tagging statement gives the same answers as the homepage's "what is here?" it replaced."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, Float, bindparam, func, select, text

from layers.here import what_is_here
from layers.registry import get_registry
from layers.tables import layer_table
from services.complaints.intake import intake_tags

NEAREST_CANDIDATES = 8


def nearest_device(engine: Engine, layer_id: str, lon: float, lat: float, within_m: float) -> dict[str, Any] | None:
    """The device query intake's statement is checked against, on its own: {code, distance_m} or None.

    The nearest feature of a device layer within `within_m` metres; the index
    orders candidates by planar distance, the true distance re-ranks the few
    nearest (see layers/here.py for why that is enough at 3.6° N).
    """
    spec = get_registry().get(layer_id)
    table = layer_table(layer_id)
    point = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", lon, type_=Float), bindparam("lat", lat, type_=Float)),
                            4326)
    candidates = (select(table.c[spec.key].label("code"), table.c.geom)
                  .order_by(table.c.geom.op("<->")(point)).limit(NEAREST_CANDIDATES).subquery())
    distance = func.ST_Distance(func.geography(candidates.c.geom), func.geography(point))
    query = (select(candidates.c.code, distance.label("distance_m"))
             .where(distance <= bindparam("within", within_m, type_=Float))
             .order_by(distance).limit(1))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().one_or_none()
    return None if row is None else {"code": row["code"], "distance_m": round(float(row["distance_m"]), 1)}


def _points(engine: Engine, n: int = 25) -> list[tuple[float, float]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM "
                                 "layers.kelurahan ORDER BY kode_kel LIMIT :n) s"), {"n": n}).all()
    rng = np.random.default_rng(3)
    return [(x + rng.uniform(-0.002, 0.002), y + rng.uniform(-0.002, 0.002)) for x, y in rows]


def test_kelurahan_and_risk_class_agree_with_what_is_here(engine: Engine) -> None:
    checked = 0
    for lon, lat in _points(engine):
        here = {r["layer"]: r for r in what_is_here(engine, lon, lat)["results"] if r["relation"] == "contains"}
        tags = intake_tags(engine, lon, lat)
        if "kelurahan" not in here:
            assert tags is None
            continue
        checked += 1
        assert tags is not None and tags["kode_kel"] == here["kelurahan"]["properties"]["kode_kel"]
        risk = here.get("disaster_risk_zones")
        assert tags["risk_class"] == (risk["properties"]["kelas"] if risk else None)
    assert checked >= 20


@pytest.mark.parametrize("layer", ["street_lights", "atcs_intersections"])
def test_the_nearest_device_agrees_with_the_device_query(engine: Engine, layer: str) -> None:
    for lon, lat in _points(engine, 10):
        expected = nearest_device(engine, layer, lon, lat, 2000.0)
        tags = intake_tags(engine, lon, lat, layer, 2000.0)
        assert tags is not None
        assert (tags["device_code"], tags["device_distance_m"]) == (
            (expected["code"], expected["distance_m"]) if expected else (None, None))


def test_outside_the_city_there_is_nothing(engine: Engine) -> None:
    assert intake_tags(engine, 98.6722, 3.0, "street_lights", 100.0) is None
