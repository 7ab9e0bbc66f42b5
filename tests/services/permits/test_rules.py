"""The permits service's own rules on the real layers: zoning, flood hazard, river setback, the PBG fee."""

from __future__ import annotations

import json

from shapely.geometry import Point, mapping, shape
from sqlalchemy import Connection, text

from services.permits import rules
from services.permits.seed import plot_around
from tests.helpers.permits import plot_in


def _levels(found: dict, check: str) -> list[str]:
    return [f["level"] for f in found["findings"] if f["check"] == check]


def test_a_house_in_a_housing_zone_away_from_rivers_passes_zoning(conn: Connection) -> None:
    found = rules.site_findings(conn, plot_in(conn, "R"), {"building_use": "hunian", "floors": 2})
    assert found["summary"]["zone_code"] == "R" and _levels(found, "zoning") == ["ok"]
    assert found["summary"]["river_distance_m"] is None or found["summary"]["river_distance_m"] > 15


def test_a_use_or_height_the_zone_does_not_allow_is_a_blocker(conn: Connection) -> None:
    plot = plot_in(conn, "R")
    factory = rules.site_findings(conn, plot, {"building_use": "industri"})
    assert "blocker" in _levels(factory, "zoning") and factory["verdict"] == "blocker"
    assert any("tidak diizinkan di zona R" in f["id"] and "not allowed in zone R" in f["en"] for f in factory["findings"])
    tower = rules.site_findings(conn, plot, {"building_use": "hunian", "floors": 12})
    assert any("12 lantai melebihi batas zona (4 lantai)" in f["id"] for f in tower["findings"])
    green = rules.site_findings(conn, plot_in(conn, "RTH"), {"business_kind": "kuliner"})
    assert any("tidak ada bangunan" in f["id"] for f in green["findings"])


def test_a_plot_on_the_river_bank_is_inside_the_setback(conn: Connection) -> None:
    lon, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM layers.rivers "
                                 "ORDER BY fid LIMIT 1) q")).one()
    found = rules.site_findings(conn, mapping(plot_around(Point(lon, lat), 10, 10)), {"building_use": "hunian"})
    assert _levels(found, "river") == ["blocker"] and found["summary"]["river_distance_m"] < 15


def test_a_plot_in_a_high_flood_hazard_zone_is_warned(conn: Connection) -> None:
    lon, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                                 "FROM layers.flood_hazard_zones WHERE kelas = 'tinggi') q")).one()
    found = rules.site_findings(conn, mapping(plot_around(Point(lon, lat), 10, 10)), {})
    assert found["summary"]["flood_class"] == "tinggi" and _levels(found, "flood") == ["warning"]


def test_the_pbg_fee_follows_floor_area_and_use() -> None:
    assert rules.pbg_fee({"floor_area_m2": 100, "building_use": "hunian"}) == 1_575_000
    assert rules.pbg_fee({"floor_area_m2": 100, "building_use": "usaha"}) == 3_150_000
    assert rules.pbg_fee({"floor_area_m2": 100, "building_use": "sosial"}) == 0


def test_the_zoning_seed_is_deterministic_labelled_and_inside_the_kelurahan(conn: Connection) -> None:
    rows = conn.execute(text("SELECT count(*), count(*) FILTER (WHERE source = 'synthetic'), "
                             "count(DISTINCT zone_code) FROM layers.zoning")).one()
    assert rows[0] > 150 and rows[1] == rows[0] and rows[2] == 5
    outside = conn.execute(text("""SELECT count(*) FROM layers.zoning z WHERE NOT EXISTS (
        SELECT 1 FROM layers.kelurahan k WHERE k.kode_kel = z.kode_kel AND ST_Covers(ST_Buffer(k.geom, 1e-7), z.geom))""")).scalar_one()
    assert outside == 0
    from geodata.seed import seed_input
    from layers import read_layer
    kelurahan = read_layer(conn, "kelurahan")
    again = seed_input("zoning", kelurahan)
    assert json.dumps(sorted(again["zone_code"].tolist())) == json.dumps(sorted(
        conn.execute(text("SELECT zone_code FROM layers.zoning")).scalars().all()))
    assert shape(mapping(again.geometry.iloc[0])).is_valid
