"""Schools whose point lies outside Medan: flagged with a note, kept out of zoning and exposure, listed for staff."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, text

from layers import read_layer, update_feature
from services.analysis.hazard import FLOOD_INDEX_FILE
from services.analysis.risk import points_by_class
from services.analysis.zonal import open_hazard
from services.ppdb import schools_for_home
from services.ppdb.locations import doubtful_schools
from services.ppdb.zones import recompute_zones

OUTSIDE_EVERY_KELURAHAN = ("SELECT count(*) FROM layers.schools s WHERE NOT EXISTS "
                           "(SELECT 1 FROM layers.kelurahan k WHERE ST_Intersects(k.geom, s.geom))")


def _flagged_public(conn: Connection) -> list[tuple[int, str, str, float, float]]:
    return [tuple(r) for r in conn.execute(text(
        "SELECT fid, npsn, jenjang, ST_X(geom), ST_Y(geom) FROM layers.schools WHERE lokasi_diragukan "
        "AND status = 'Negeri' AND jenjang IN ('SD', 'SMP', 'SMA', 'SMK') ORDER BY npsn"))]


def test_the_101_schools_outside_the_city_are_flagged_with_a_note(conn: Connection) -> None:
    schools = read_layer(conn, "schools")
    flagged = schools[schools["lokasi_diragukan"].fillna(False).astype(bool)]
    assert len(schools) == 1587 and len(flagged) == 101
    assert len(flagged) == conn.execute(text(OUTSIDE_EVERY_KELURAHAN)).scalar_one()
    assert flagged["kode_kel"].isna().all()  # the seed's kelurahan join found none for them either
    assert flagged["catatan_lokasi"].str.contains(r"Lokasi diragukan: titik ini \d+,\d km di luar batas Kota Medan",
                                                  regex=True).all()
    trusted = schools.drop(flagged.index)
    assert (trusted["lokasi_diragukan"] == False).all() and trusted["catatan_lokasi"].isna().all()  # noqa: E712


def test_correcting_a_point_clears_its_flag_and_a_point_moved_out_is_flagged(conn: Connection) -> None:
    fid, _npsn, _level, lon, lat = _flagged_public(conn)[0]
    inside = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.6722, 3.5952]}, "properties": {}}
    update_feature(conn, "schools", fid, inside, actor="test:staff", partial=True)
    row = conn.execute(text("SELECT lokasi_diragukan, catatan_lokasi FROM layers.schools WHERE fid = :fid"),
                       {"fid": fid}).one()
    assert tuple(row) == (False, None)
    out = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {}}
    update_feature(conn, "schools", fid, out, actor="test:staff", partial=True)
    flag, note = conn.execute(text("SELECT lokasi_diragukan, catatan_lokasi FROM layers.schools WHERE fid = :fid"),
                              {"fid": fid}).one()
    assert flag is True and "km di luar batas Kota Medan" in note
    # Even a write that claims otherwise gets the database's answer.
    claim = {"type": "Feature", "geometry": None, "properties": {"lokasi_diragukan": False}}
    update_feature(conn, "schools", fid, {**claim, "geometry": out["geometry"]}, actor="test:staff", partial=True)
    assert conn.execute(text("SELECT lokasi_diragukan FROM layers.schools WHERE fid = :fid"),
                        {"fid": fid}).scalar_one() is True


def test_flagged_schools_take_no_part_in_ppdb_zoning(conn: Connection) -> None:
    flagged = _flagged_public(conn)
    assert flagged
    flagged_npsn = {npsn for _fid, npsn, *_ in flagged}
    zoned = set(conn.execute(text("SELECT npsn FROM layers.school_zones")).scalars())
    assert zoned & flagged_npsn == set()
    for _fid, npsn, level, lon, lat in flagged[:10]:
        # A home right beside the flagged point (moved into the city's extent): the school is not offered.
        offered = {c.npsn for c in schools_for_home(conn, lon, lat, level, limit=50)}
        assert npsn not in offered
    report = recompute_zones(conn)
    assert (report.written, report.deleted) == (0, 0)


def test_exposure_counts_leave_them_out(conn: Connection) -> None:
    kelurahan = read_layer(conn, "kelurahan").reset_index(drop=True)
    schools = read_layer(conn, "schools")
    raster = open_hazard(FLOOD_INDEX_FILE, kelurahan)
    counted = points_by_class(kelurahan, schools, raster, [0.33, 0.66]).sum()
    trusted = points_by_class(kelurahan, schools[schools["lokasi_diragukan"] == False], raster,  # noqa: E712
                              [0.33, 0.66]).sum()
    flagged = points_by_class(kelurahan, schools[schools["lokasi_diragukan"] == True], raster,  # noqa: E712
                              [0.33, 0.66]).sum()
    assert flagged == 0 and counted == trusted > 1000


def test_staff_list_them_and_the_popup_data_carries_flag_and_note(conn: Connection, client: FlaskClient) -> None:
    listed = doubtful_schools(conn)
    assert len(listed) == 101
    assert list(listed["kecamatan_sumber"].fillna("")) == sorted(listed["kecamatan_sumber"].fillna(""))
    assert {"npsn", "nama", "lon", "lat", "catatan_lokasi"} <= set(listed.columns)
    # The same list through the OGC API (the flag is a queryable property), and in what the map's popup reads.
    page = client.get("/collections/schools/items?lokasi_diragukan=true&limit=200").get_json()
    assert page["numberMatched"] == 101
    properties = page["features"][0]["properties"]
    assert properties["lokasi_diragukan"] is True and "di luar batas Kota Medan" in properties["catatan_lokasi"]


@pytest.mark.parametrize("level", ["SD", "SMP", "SMA", "SMK"])
def test_the_seed_zones_only_trusted_schools(conn: Connection, level: str) -> None:
    """The seed computes zones from the file (no flag column): the same rule applies there."""
    from geodata.seed import seed_input
    from services.ppdb.zones import city_outline, compute_zones

    kelurahan = read_layer(conn, "kelurahan")
    schools = seed_input("schools", kelurahan)
    zones = compute_zones(schools[schools["jenjang"] == level], city_outline(kelurahan))
    flagged = {npsn for _fid, npsn, lvl, *_ in _flagged_public(conn) if lvl == level}
    assert set(zones["npsn"]) & flagged == set()
