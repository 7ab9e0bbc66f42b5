"""The PPDB page and its API (/ppdb, /ppdb/api/schools) against hand-checked cases on the seeded schools."""

from __future__ import annotations

import re

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import Engine, text

from config.settings import get_settings
from services.ppdb.zoning import kelurahan_at

METRE_IN_DEG = 1 / 111_320


def _school(engine: Engine, level: str) -> tuple[str, float, float]:
    """A public school of `level` ~3.3 km inside the city (see test_school_zones.py)."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT s.npsn, ST_X(s.geom), ST_Y(s.geom) FROM layers.schools s, layers.kota k "
            "WHERE s.jenjang = :level AND s.status = 'Negeri' AND ST_Contains(k.geom, ST_Buffer(s.geom, 0.03)) "
            "ORDER BY s.npsn LIMIT 1"), {"level": level}).one()
    return row[0], float(row[1]), float(row[2])


def _utm_metres(engine: Engine, npsn: str, lon: float, lat: float) -> float:
    with engine.connect() as conn:
        return float(conn.execute(text(
            "SELECT ST_Distance(ST_Transform(geom, 32647), ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), "
            "32647)) FROM layers.schools WHERE npsn = :npsn"), {"npsn": npsn, "lon": lon, "lat": lat}).scalar_one())


def test_the_page_has_a_map_the_levels_and_no_inline_script(client) -> None:  # noqa: ANN001
    html = client.get("/ppdb").get_data(as_text=True)
    assert 'id="ppdb-map"' in html and 'value="SMP"' in html and "3.0 km" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "Which schools" not in html and "which schools" in client.get("/ppdb?lang=en").get_data(as_text=True)


def test_a_home_next_to_a_school_gets_that_school_first_in_zone(client, engine) -> None:  # noqa: ANN001
    npsn, lon, lat = _school(engine, "SMP")
    home = (lon, lat + 10 * METRE_IN_DEG)  # 10 m north of the school
    body = client.get(f"/ppdb/api/schools?lon={home[0]}&lat={home[1]}&level=SMP").get_json()
    first = body["schools"][0]
    assert first["npsn"] == npsn and first["in_zone"] is True and 9 <= first["distance_m"] <= 11
    assert body["level"] == "SMP" and body["zone_radius_m"] == 3000 and body["home"]["nama_kel"]
    # Ranked by distance, each distance as PostGIS measures it in UTM 47N, in zone exactly within 3 km.
    distances = [s["distance_m"] for s in body["schools"]]
    assert distances == sorted(distances) and len(distances) == 10
    for school in body["schools"]:
        assert school["distance_m"] == pytest.approx(_utm_metres(engine, school["npsn"], *home), abs=0.2)
        assert school["in_zone"] is (school["distance_m"] <= 3000)
    # The zones drawn are those of the listed schools, and contain the home exactly when it is in zone.
    zones = {f["properties"]["npsn"]: shape(f["geometry"]) for f in body["zones"]["features"]}
    assert set(zones) == {s["npsn"] for s in body["schools"]}
    for school in body["schools"]:
        if abs(school["distance_m"] - 3000) > 20:  # away from the edge (the disc is a 64-gon)
            assert zones[school["npsn"]].contains(Point(home)) is school["in_zone"]


def test_the_zone_edge_is_the_level_radius(client, engine) -> None:  # noqa: ANN001
    npsn, lon, lat = _school(engine, "SMP")
    inside = client.get(f"/ppdb/api/schools?lon={lon}&lat={lat + 2950 * METRE_IN_DEG}&level=SMP&limit=50").get_json()
    outside = client.get(f"/ppdb/api/schools?lon={lon}&lat={lat + 3050 * METRE_IN_DEG}&level=SMP&limit=50").get_json()
    flag = {s["npsn"]: s["in_zone"] for s in inside["schools"]}
    assert flag[npsn] is True
    flag = {s["npsn"]: s["in_zone"] for s in outside["schools"]}
    assert flag[npsn] is False


def test_only_public_schools_of_the_level_are_listed(client, engine) -> None:  # noqa: ANN001
    _, lon, lat = _school(engine, "SD")
    body = client.get(f"/ppdb/api/schools?lon={lon}&lat={lat}&level=SD&limit=50").get_json()
    with engine.connect() as conn:
        kinds = set(conn.execute(text("SELECT DISTINCT jenjang || '/' || status FROM layers.schools "
                                      "WHERE npsn = ANY(:n)"), {"n": [s["npsn"] for s in body["schools"]]}).scalars())
    assert kinds == {"SD/Negeri"} and len(body["schools"]) == 50


def _outside_city_in_the_bbox(engine: Engine) -> tuple[float, float]:
    x0, y0, x1, y1 = get_settings().medan_extent
    for lon, lat in ((x0 + 0.002, y0 + 0.002), (x1 - 0.002, y0 + 0.002), (x0 + 0.002, y1 - 0.002)):
        if kelurahan_at(engine, lon, lat) is None:
            return lon, lat
    raise AssertionError("every bbox corner is in the city")


@pytest.mark.parametrize(("query", "says"), [
    ("lat=3.59&level=SMP", "lon: required"),
    ("lon=98.67&level=SMP", "lat: required"),
    ("lon=timur&lat=3.59&level=SMP", "not a number"),
    ("lon=98.67&lat=93&level=SMP", "between"),
    ("lon=98.67&lat=3.0&level=SMP", "outside Kota Medan"),
    ("lon=98.67&lat=3.59&level=TK", "unknown school level"),
    ("lon=98.67&lat=3.59", "unknown school level"),
    ("lon=98.67&lat=3.59&level=SLB", "unknown school level"),
    ("lon=98.67&lat=3.59&level=SMP&limit=0", "limit"),
    ("lon=98.67&lat=3.59&level=SMP&limit=500", "limit"),
    ("lon=98.67&lat=3.59&level=SMP&limit=%C2%B2", "limit"),  # "²": a digit to str.isdigit, not to int()
])
def test_bad_input_is_a_clear_400(client, query: str, says: str) -> None:  # noqa: ANN001
    response = client.get(f"/ppdb/api/schools?{query}")
    assert response.status_code == 400 and says in response.get_json()["description"]


def test_a_point_in_the_bounding_box_but_outside_the_city_is_refused(client, engine) -> None:  # noqa: ANN001
    lon, lat = _outside_city_in_the_bbox(engine)
    response = client.get(f"/ppdb/api/schools?lon={lon}&lat={lat}&level=SMA")
    assert response.status_code == 400 and "outside Kota Medan" in response.get_json()["description"]
