"""Intake's one tagging statement gives the same answers as the homepage's "what is here?" it replaced."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, text

from layers.complaints_intake_sql import intake_tags
from layers.complaints_sql import nearest_device
from layers.here import what_is_here


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
