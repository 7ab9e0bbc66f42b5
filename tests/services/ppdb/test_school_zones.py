"""School zones (layer school_zones): seeded in step with the schools, recomputed after a school edit."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from layers import read_layer, update_feature
from services.ppdb import schools_for_home
from services.ppdb.rules import DEFAULT_RULE
from services.ppdb.zones import recompute_zones

METRE_IN_DEG = 1 / 111_320


def _school(conn: Connection, level: str = "SMP") -> tuple[int, str, float, float]:
    """A public school of `level` at least ~3.3 km inside the city outline (Medan is narrow)."""
    row = conn.execute(text(
        "SELECT s.fid, s.npsn, ST_X(s.geom), ST_Y(s.geom) FROM layers.schools s, layers.kota k "
        "WHERE s.jenjang = :level AND s.status = 'Negeri' "
        "AND ST_Contains(k.geom, ST_Buffer(s.geom, 0.03)) ORDER BY s.npsn LIMIT 1"), {"level": level}).one()
    return int(row[0]), row[1], float(row[2]), float(row[3])


def _zone_contains(conn: Connection, npsn: str, lon: float, lat: float) -> bool | None:
    return conn.execute(text(
        "SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) FROM layers.school_zones "
        "WHERE npsn = :npsn"), {"npsn": npsn, "lon": lon, "lat": lat}).scalar_one_or_none()


def test_the_seeded_zones_match_the_seeded_schools(conn: Connection) -> None:
    report = recompute_zones(conn)
    assert (report.written, report.deleted) == (0, 0)
    public = conn.execute(text("SELECT count(*) FROM layers.schools WHERE status = 'Negeri' "
                               "AND jenjang IN ('SD', 'SMP', 'SMA', 'SMK') AND NOT lokasi_diragukan")).scalar_one()
    assert report.unchanged == public
    assert conn.execute(text("SELECT count(*) FROM layers.school_zones")).scalar_one() == public


def test_a_zone_is_the_disc_of_the_level_radius_and_agrees_with_in_zone(conn: Connection) -> None:
    _, npsn, lon, lat = _school(conn, "SMP")
    radius = DEFAULT_RULE.zone_radius_m["SMP"]  # 3000 m
    inside = (lon, lat + (radius - 60) * METRE_IN_DEG)
    outside = (lon, lat + (radius + 60) * METRE_IN_DEG)
    assert _zone_contains(conn, npsn, *inside) is True
    assert _zone_contains(conn, npsn, *outside) is False
    flags = {c.npsn: c.in_zone for c in schools_for_home(conn, *inside, "SMP", limit=50)}
    assert flags[npsn] is True
    flags = {c.npsn: c.in_zone for c in schools_for_home(conn, *outside, "SMP", limit=50)}
    assert flags[npsn] is False


def test_moving_a_school_through_the_layers_api_then_recomputing_moves_its_zone(conn: Connection) -> None:
    fid, npsn, lon, lat = _school(conn, "SD")
    radius = DEFAULT_RULE.zone_radius_m["SD"]  # 1500 m
    moved = (lon + 1000 * METRE_IN_DEG, lat)
    # 1.2 km west of the old place: inside the old zone, 2.2 km from the new place.
    west = (lon - 1200 * METRE_IN_DEG, lat)
    east_edge = (moved[0] + (radius - 60) * METRE_IN_DEG, lat)
    assert _zone_contains(conn, npsn, *west) is True
    assert _zone_contains(conn, npsn, *east_edge) is False
    version_before = conn.execute(text("SELECT version FROM layers.school_zones WHERE npsn = :n"),
                                  {"n": npsn}).scalar_one()

    update_feature(conn, "schools", fid, {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(moved)},
                                          "properties": {}}, actor="test", partial=True)
    report = recompute_zones(conn)

    assert (report.written, report.deleted) == (1, 0)
    assert _zone_contains(conn, npsn, *west) is False
    assert _zone_contains(conn, npsn, *east_edge) is True
    after = conn.execute(text("SELECT version, source FROM layers.school_zones WHERE npsn = :n"), {"n": npsn}).one()
    assert after[0] == version_before + 1 and after[1] == "derived:ppdb-zones"
    # The other zones were left alone: the history has one entry for this recomputation.
    changed = conn.execute(text("SELECT count(*) FROM core.feature_history WHERE layer = 'school_zones' "
                                "AND actor = 'service:ppdb-zones'")).scalar_one()
    assert changed == 1
    assert recompute_zones(conn).written == 0  # nothing left to do


def test_a_school_that_becomes_private_loses_its_zone(conn: Connection) -> None:
    fid, npsn, _, _ = _school(conn, "SD")
    update_feature(conn, "schools", fid, {"type": "Feature", "properties": {"status": "Swasta"}},
                   actor="test", partial=True)
    report = recompute_zones(conn)
    assert report.deleted == 1
    assert _zone_contains(conn, npsn, 98.67, 3.59) is None
    assert npsn not in set(read_layer(conn, "school_zones", columns=["npsn"])["npsn"])


@pytest.mark.parametrize("level", ["SD", "SMA", "SMK"])
def test_every_zone_lies_within_the_city_the_union_of_the_kelurahan(conn: Connection, level: str) -> None:
    outside = conn.execute(text(
        "WITH city AS (SELECT ST_Buffer(ST_Union(geom), 0.0001) AS geom FROM layers.kelurahan) "
        "SELECT count(*) FROM layers.school_zones z, city WHERE z.jenjang = :level "
        "AND ST_Area(ST_Difference(z.geom, city.geom)) > 0"), {"level": level}).scalar_one()
    assert outside == 0


def test_two_recomputations_at_once_write_the_changed_zone_once(isolated_database_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from layers import engine_for

    engine = engine_for(isolated_database_url)
    with engine.connect() as conn:
        fid, npsn, lon, lat = _school(conn, "SD")
    update_feature(engine, "schools", fid, {"type": "Feature", "properties": {"status": "Swasta"}},
                   actor="test", partial=True)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: recompute_zones(engine), range(2)))
    assert sorted(r.deleted for r in reports) == [0, 1]  # the second waited for the first, then had nothing to do
    with engine.connect() as conn:
        assert _zone_contains(conn, npsn, lon, lat) is None
        deletes = conn.execute(text("SELECT count(*) FROM core.feature_history WHERE layer = 'school_zones' "
                                    "AND op = 'delete'")).scalar_one()
    assert deletes == 1
