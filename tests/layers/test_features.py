"""Writing features through the core: validation, transactions, history, restore."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from sqlalchemy import text

from layers import (
    FeatureNotFound,
    InvalidFeature,
    VersionConflict,
    count_features,
    delete_feature,
    feature_history,
    get_feature,
    insert_features,
    restore_feature,
    update_feature,
    upsert_features,
)
from layers.errors import LayerError

MEDAN_CENTRE = (98.6722, 3.5952)


def school(npsn: str = "99990001", *, point=MEDAN_CENTRE, **props) -> dict:  # noqa: ANN001
    properties = {"npsn": npsn, "nama": "SD Negeri Uji", "jenjang": "SD", "status": "Negeri"} | props
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Point", "coordinates": list(point)}}


def square(x: float, y: float, size: float = 0.002) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_insert_records_history_with_the_actor(conn) -> None:  # noqa: ANN001
    (fid,) = insert_features(conn, "schools", [school(daya_tampung=120)], actor="tester")
    feature = get_feature(conn, "schools", fid)
    assert feature["properties"]["nama"] == "SD Negeri Uji"
    assert feature["properties"]["daya_tampung"] == 120
    assert feature["properties"]["source"] == "api"
    assert feature["version"] == 1
    (entry,) = feature_history(conn, "schools", fid)
    assert (entry["op"], entry["actor"]) == ("insert", "tester")
    assert entry["new"]["npsn"] == "99990001"


def test_update_bumps_the_version_and_keeps_old_and_new(conn) -> None:  # noqa: ANN001
    (fid,) = insert_features(conn, "schools", [school()], actor="a")
    version = update_feature(conn, "schools", fid, school(nama="SD Negeri Uji Baru"), actor="b", expected_version=1)
    assert version == 2
    entries = feature_history(conn, "schools", fid)
    assert [e["op"] for e in entries] == ["insert", "update"]
    assert entries[1]["old"]["nama"] == "SD Negeri Uji"
    assert entries[1]["new"]["nama"] == "SD Negeri Uji Baru"
    assert entries[1]["actor"] == "b"


def test_a_stale_version_is_refused_and_changes_nothing(conn) -> None:  # noqa: ANN001
    (fid,) = insert_features(conn, "schools", [school()], actor="a")
    update_feature(conn, "schools", fid, school(nama="Pertama"), actor="a", expected_version=1)
    with pytest.raises(VersionConflict, match="version 2, not 1"):
        update_feature(conn, "schools", fid, school(nama="Kedua"), actor="b", expected_version=1)
    assert get_feature(conn, "schools", fid)["properties"]["nama"] == "Pertama"


def test_a_partial_update_changes_only_what_it_names(conn) -> None:  # noqa: ANN001
    (fid,) = insert_features(conn, "schools", [school(alamat="Jl. Uji 1")], actor="a")
    update_feature(conn, "schools", fid, {"type": "Feature", "properties": {"daya_tampung": 80}},
                   actor="a", partial=True)
    props = get_feature(conn, "schools", fid)["properties"]
    assert (props["daya_tampung"], props["alamat"], props["nama"]) == (80, "Jl. Uji 1", "SD Negeri Uji")


def test_delete_then_restore_brings_the_feature_back_under_its_fid(conn) -> None:  # noqa: ANN001
    (fid,) = insert_features(conn, "schools", [school()], actor="a")
    update_feature(conn, "schools", fid, school(nama="Diubah"), actor="a")
    delete_feature(conn, "schools", fid, actor="b")
    with pytest.raises(FeatureNotFound):
        get_feature(conn, "schools", fid)
    deletion = feature_history(conn, "schools", fid)[-1]
    assert deletion["op"] == "delete"
    restore_feature(conn, "schools", fid, deletion["id"], actor="c")
    assert get_feature(conn, "schools", fid)["properties"]["nama"] == "Diubah"
    first = feature_history(conn, "schools", fid)[0]
    restore_feature(conn, "schools", fid, first["id"], actor="c")
    assert get_feature(conn, "schools", fid)["properties"]["nama"] == "SD Negeri Uji"
    assert [e["op"] for e in feature_history(conn, "schools", fid)] == ["insert", "update", "delete", "insert", "update"]


def test_upsert_by_key_inserts_then_updates_and_skips_unchanged(conn) -> None:  # noqa: ANN001
    assert upsert_features(conn, "schools", [school("99990002")], actor="a") == {"inserted": 1, "updated": 0}
    assert upsert_features(conn, "schools", [school("99990002", nama="X")], actor="a") == {"inserted": 0, "updated": 1}
    assert upsert_features(conn, "schools", [school("99990002", nama="X")], actor="a") == {"inserted": 0, "updated": 0}


@pytest.mark.parametrize(
    ("layer", "feature", "message"),
    [
        ("schools", school(jenjang="TK"), "'jenjang': 'TK' is not one of"),
        ("schools", school(warna="merah"), "unknown property 'warna'"),
        ("schools", school(daya_tampung="banyak"), "'daya_tampung': expected a number"),
        ("schools", school(daya_tampung=-5), "below the minimum"),
        ("schools", school(daya_tampung=1.5), "expected a whole number"),
        ("schools", {"type": "Feature", "properties": {"npsn": "1"},
                     "geometry": {"type": "Point", "coordinates": list(MEDAN_CENTRE)}}, "required property 'nama'"),
        ("schools", school(point=(106.8272, -6.1754)), "coordinates outside Medan"),
        ("schools", school(point=(3.5952, 98.6722)), "swapped axes"),
        ("schools", {"type": "Feature", "properties": school()["properties"],
                     "geometry": square(*MEDAN_CENTRE)}, "geometry type Polygon does not fit"),
        ("schools", {"type": "Feature", "properties": school()["properties"], "geometry": None}, "missing or empty"),
        ("schools", {"type": "Feature", "properties": school()["properties"],
                     "geometry": {"type": "Point", "coordinates": ["a"]}}, "not valid GeoJSON"),
        ("schools", {"type": "FeatureCollection", "features": []}, "not a GeoJSON Feature"),
        ("kelurahan", {"type": "Feature", "properties": {"kode_kel": "x", "nama_kel": "x", "kode_kec": "x", "nama_kec": "x"},
                       "geometry": {"type": "Polygon", "coordinates": [[[98.66, 3.59], [98.68, 3.61], [98.68, 3.59],
                                                                         [98.66, 3.61], [98.66, 3.59]]]}},
         "Self-intersection"),
    ],
)
def test_bad_input_is_refused_with_what_and_where(conn, layer: str, feature: dict, message: str) -> None:  # noqa: ANN001
    before = count_features(conn, layer)
    with pytest.raises(InvalidFeature) as caught:
        insert_features(conn, layer, [feature], actor="a")
    assert message in str(caught.value)
    assert "feature 1" in str(caught.value) or "Feature" in str(caught.value)
    assert count_features(conn, layer) == before


def test_one_bad_feature_in_a_batch_writes_none(conn) -> None:  # noqa: ANN001
    before = count_features(conn, "schools")
    with pytest.raises(InvalidFeature, match="feature 2"):
        insert_features(conn, "schools", [school("99990003"), school("99990004", status="?"), school("99990005")],
                        actor="a")
    assert count_features(conn, "schools") == before


def test_a_duplicate_key_is_refused(conn) -> None:  # noqa: ANN001
    existing = conn.execute(text("SELECT npsn FROM layers.schools LIMIT 1")).scalar_one()
    with pytest.raises(InvalidFeature, match="must be unique"):
        insert_features(conn, "schools", [school(existing)], actor="a")


def test_a_declared_crs_is_reprojected_and_an_unknown_one_refused(conn) -> None:  # noqa: ANN001
    to_utm = Transformer.from_crs(4326, 32647, always_xy=True)
    x, y = to_utm.transform(*MEDAN_CENTRE)
    (fid,) = insert_features(conn, "schools", [school("99990006", point=(x, y))], actor="a", crs="EPSG:32647")
    lon, lat = get_feature(conn, "schools", fid)["geometry"]["coordinates"]
    assert lon == pytest.approx(MEDAN_CENTRE[0], abs=1e-7) and lat == pytest.approx(MEDAN_CENTRE[1], abs=1e-7)
    with pytest.raises(InvalidFeature, match="unknown CRS"):
        insert_features(conn, "schools", [school("99990007")], actor="a", crs="EPSG:999999")


def test_polygons_are_stored_as_the_declared_multipolygon(conn) -> None:  # noqa: ANN001
    feature = {"type": "Feature", "properties": {"kode_kel": "12.71.99.9999", "nama_kel": "Uji", "kode_kec": "12.71.99",
                                                 "nama_kec": "Uji"}, "geometry": square(*MEDAN_CENTRE)}
    (fid,) = insert_features(conn, "kelurahan", [feature], actor="a")
    assert get_feature(conn, "kelurahan", fid)["geometry"]["type"] == "MultiPolygon"


def test_private_properties_are_left_out_unless_asked_for(conn) -> None:  # noqa: ANN001
    fid = conn.execute(text("SELECT min(fid) FROM layers.cctv")).scalar_one()
    assert "modbus_host" not in get_feature(conn, "cctv", fid)["properties"]
    assert "modbus_host" in get_feature(conn, "cctv", fid, include_private=True)["properties"]


def test_upsert_needs_a_declared_key(conn) -> None:  # noqa: ANN001
    with pytest.raises(LayerError, match="declares no key"):
        upsert_features(conn, "rivers", [], actor="a")


def _bulk_points(n: int, prefix: str = "B") -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    x, y = rng.uniform(98.62, 98.72, n), rng.uniform(3.52, 3.65, n)
    return gpd.GeoDataFrame({"kode": [f"{prefix}{i:07d}" for i in range(n)], "kategori": ["a"] * n,
                             "nilai": np.arange(n, dtype=float)}, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def test_a_bulk_insert_records_every_row_and_restores_its_inserted_state(conn) -> None:  # noqa: ANN001
    from layers import load_frame, read_layer
    from layers.schema import HISTORY_BULK_INSERT_ROWS

    n = HISTORY_BULK_INSERT_ROWS + 1
    load_frame(conn, "sample_points", _bulk_points(n), actor="bulk", mode="replace", source="test")
    loaded = read_layer(conn, "sample_points", where={"kode": "B0000005"})
    fid = int(loaded.index[0])
    recorded = conn.execute(text(
        "SELECT count(*), count(new), min(actor), max(actor) FROM core.feature_history "
        "WHERE layer = 'sample_points' AND op = 'insert' AND fid IN (SELECT fid FROM layers.sample_points)"
    )).one()
    # One event per row, without the per-row document (rebuilt on reading).
    assert tuple(recorded) == (n, 0, "bulk", "bulk")

    (entry,) = feature_history(conn, "sample_points", fid)
    assert entry["op"] == "insert" and entry["actor"] == "bulk"
    assert (entry["new"]["kode"], entry["new"]["nilai"], entry["new"]["version"]) == ("B0000005", 5.0, 1)
    point = loaded.geometry.iloc[0]
    assert entry["new"]["geom"]["coordinates"] == [pytest.approx(point.x, abs=1e-12), pytest.approx(point.y, abs=1e-12)]

    changed = {"type": "Feature", "properties": {"kode": "B0000005", "kategori": "b", "nilai": 99.0},
               "geometry": {"type": "Point", "coordinates": list(MEDAN_CENTRE)}}
    update_feature(conn, "sample_points", fid, changed, actor="editor")
    delete_feature(conn, "sample_points", fid, actor="editor")
    entries = feature_history(conn, "sample_points", fid)
    assert [e["op"] for e in entries] == ["insert", "update", "delete"]
    assert entries[0]["new"] == entries[1]["old"]  # the inserted state, from the next event
    assert entries[1]["new"]["kategori"] == "b"

    restore_feature(conn, "sample_points", fid, entries[0]["id"], actor="restorer")
    restored = get_feature(conn, "sample_points", fid)
    assert (restored["properties"]["kategori"], restored["properties"]["nilai"]) == ("a", 5.0)
    # get_feature writes 9 decimals
    assert restored["geometry"]["coordinates"] == [pytest.approx(point.x, abs=1e-9), pytest.approx(point.y, abs=1e-9)]
    assert [e["op"] for e in feature_history(conn, "sample_points", fid)] == ["insert", "update", "delete", "insert"]


def test_a_small_insert_still_records_the_full_new_document(conn) -> None:  # noqa: ANN001
    from layers import load_frame

    load_frame(conn, "sample_points", _bulk_points(3, prefix="Q"), actor="small", mode="append", source="test")
    stored = conn.execute(text(
        "SELECT count(*) FROM core.feature_history WHERE layer = 'sample_points' AND actor = 'small' "
        "AND op = 'insert' AND new ? 'geom' AND new ->> 'kode' LIKE 'Q%'")).scalar_one()
    assert stored == 3
