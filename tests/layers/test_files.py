"""Bulk reads and file import/export: all or nothing, errors that name the row."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import text

from layers import (
    InvalidFeature,
    count_features,
    export_layer,
    feature_history,
    import_file,
    read_layer,
)
from layers.errors import LayerError
from layers.registry import get_registry

FORMATS = {"geojson": "geojson", "gpkg": "gpkg", "shapefile": "zip", "csv": "csv"}


def school_frame(n: int = 3, crs: str = "EPSG:4326", **overrides) -> gpd.GeoDataFrame:  # noqa: ANN003
    data = {
        "npsn": [f"8888{i:04d}" for i in range(n)], "nama": [f"SD Uji {i}" for i in range(n)],
        "jenjang": ["SD"] * n, "status": ["Negeri"] * n, "daya_tampung": [100 + i for i in range(n)],
    } | overrides
    points = [Point(98.65 + i * 0.001, 3.58 + i * 0.001) for i in range(n)]
    frame = gpd.GeoDataFrame(data, geometry=points, crs="EPSG:4326")
    return frame.to_crs(crs)


def test_read_layer_filters_by_bbox_property_and_limit(conn) -> None:  # noqa: ANN001
    everything = read_layer(conn, "schools")
    assert len(everything) == count_features(conn, "schools")
    assert everything.crs.to_epsg() == 4326
    smp = read_layer(conn, "schools", where={"jenjang": "SMP"})
    assert len(smp) > 0 and set(smp["jenjang"]) == {"SMP"}
    bbox = (98.66, 3.57, 98.69, 3.60)
    inside = read_layer(conn, "schools", bbox=bbox)
    assert 0 < len(inside) < len(everything)
    assert inside.geometry.intersects(shapely.box(*bbox)).all()
    assert len(read_layer(conn, "schools", limit=7)) == 7


def test_read_layer_refuses_unknown_or_private_columns(conn) -> None:  # noqa: ANN001
    with pytest.raises(LayerError, match="no readable properties"):
        read_layer(conn, "schools", where={"1=1; --": 1})
    assert "modbus_port" not in read_layer(conn, "cctv").columns
    assert "modbus_port" in read_layer(conn, "cctv", include_private=True).columns


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_each_format(conn, tmp_path: Path, fmt: str) -> None:  # noqa: ANN001
    path = tmp_path / f"sekolah.{FORMATS[fmt]}"
    frame = school_frame()
    if fmt == "csv":
        pd.DataFrame(frame.drop(columns="geometry")).assign(lon=frame.geometry.x, lat=frame.geometry.y).to_csv(path, index=False)
    elif fmt == "shapefile":
        frame.to_file(tmp_path / "sekolah.shp")
        with zipfile.ZipFile(path, "w") as archive:
            for part in tmp_path.glob("sekolah.*"):
                if part.suffix != ".zip":
                    archive.write(part, part.name)
    else:
        frame.to_file(path)
    before = count_features(conn, "schools")
    report = import_file(conn, "schools", path, actor="tester")
    assert report.inserted == 3
    loaded = read_layer(conn, "schools", where={"npsn": "88880002"})
    assert loaded.iloc[0]["daya_tampung"] == 102
    assert loaded.iloc[0]["source"] == f"import:{path.name}"
    assert count_features(conn, "schools") == before + 3


def test_a_file_in_utm_is_reprojected(conn, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "utm.gpkg"
    school_frame(crs="EPSG:32647").to_file(path)
    import_file(conn, "schools", path, actor="t")
    point = read_layer(conn, "schools", where={"npsn": "88880000"}).geometry.iloc[0]
    assert (point.x, point.y) == (pytest.approx(98.65, abs=1e-7), pytest.approx(3.58, abs=1e-7))


def test_a_shapefile_without_crs_is_refused_unless_told(conn, tmp_path: Path) -> None:  # noqa: ANN001
    school_frame().to_file(tmp_path / "x.shp")
    (tmp_path / "x.prj").unlink()
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as archive:
        for part in tmp_path.glob("x.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    with pytest.raises(InvalidFeature, match="has no CRS"):
        import_file(conn, "schools", tmp_path / "x.zip", actor="t")
    assert import_file(conn, "schools", tmp_path / "x.zip", actor="t", crs="EPSG:4326").inserted == 3


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "input.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("npsn,nama,jenjang,status,lon,lat\n1,A,SD,Negeri,98.65,3.58\n2,B,TK,Negeri,98.65,3.58\n",
         "row 2: property 'jenjang' must be one of"),
        ("npsn,nama,jenjang,status,lon,lat\n1,A,SD,Negeri,98.65,3.58\n2,B,SD,Negeri,,3.58\n", "line 3"),
        ("npsn,nama,jenjang,status,warna,lon,lat\n1,A,SD,Negeri,x,98.65,3.58\n", "unknown properties ['warna']"),
        ("npsn,nama,jenjang,status,daya_tampung,lon,lat\n1,A,SD,Negeri,1e,98.65,3.58\n", "must be a number"),
        ("npsn,nama,jenjang,status,lon,lat\n1,A,SD,Negeri,3.58,98.65\n", "swapped axes"),
        ("npsn,nama,jenjang,status\n1,A,SD,Negeri\n", "needs lon/lat columns or a WKT column"),
        ("npsn,nama,jenjang,status,wkt\n1,A,SD,Negeri,POINT (98.65\n", "unreadable WKT"),
        ("npsn,nama,jenjang,status,lon,lat\n1,A,SD,Negeri,98.65,3.58\n1,B,SD,Negeri,98.66,3.58\n", "must be unique"),
        ("npsn,nama,jenjang,status,lon,lat\n", "no features"),
        ("", "missing or empty"),
    ],
)
def test_a_bad_file_names_the_row_and_loads_nothing(conn, tmp_path: Path, content: str, message: str) -> None:  # noqa: ANN001
    before = count_features(conn, "schools")
    with pytest.raises(InvalidFeature) as caught:
        import_file(conn, "schools", _csv(tmp_path, content), actor="t")
    assert message in str(caught.value)
    assert count_features(conn, "schools") == before


def test_a_truncated_geojson_is_refused(conn, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "cut.geojson"
    text = json.dumps(school_frame().__geo_interface__)
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(InvalidFeature, match="cannot read the file"):
        import_file(conn, "schools", path, actor="t")


def test_invalid_polygons_are_refused_or_repaired_with_a_warning(conn, tmp_path: Path) -> None:  # noqa: ANN001
    bowtie = shapely.Polygon([(98.66, 3.59), (98.68, 3.61), (98.68, 3.59), (98.66, 3.61), (98.66, 3.59)])
    frame = gpd.GeoDataFrame({"kode_kel": ["12.71.99.9998"], "nama_kel": ["Uji"], "kode_kec": ["12.71.99"],
                              "nama_kec": ["Uji"]}, geometry=[bowtie], crs="EPSG:4326")
    path = tmp_path / "bowtie.gpkg"
    frame.to_file(path)
    with pytest.raises(InvalidFeature, match="row 1: invalid geometry"):
        import_file(conn, "kelurahan", path, actor="t")
    report = import_file(conn, "kelurahan", path, actor="t", repair=True)
    assert report.inserted == 1 and "repaired invalid geometry" in report.repaired[0]
    stored = read_layer(conn, "kelurahan", where={"kode_kel": "12.71.99.9998"}).geometry.iloc[0]
    assert stored.is_valid and stored.geom_type == "MultiPolygon"


# Layers a deployment imports (OpenStreetMap) are empty in a seeded database: tests/geodata/test_osm.py loads them.
WRITABLE = [spec.id for spec in get_registry() if spec.derived_from is None
            and not (spec.seed and spec.seed.kind == "import")]
DERIVED = [spec.id for spec in get_registry() if spec.derived_from is not None]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer_id", WRITABLE)
def test_every_layer_round_trips_through_every_format(conn, tmp_path: Path, layer_id: str, fmt: str) -> None:  # noqa: ANN001
    original = read_layer(conn, layer_id, include_private=True).reset_index(drop=True)
    assert len(original) > 0, f"{layer_id} has no seed features"
    path = tmp_path / f"{layer_id}.{FORMATS[fmt]}"
    assert export_layer(conn, layer_id, path, include_private=True) == len(original)
    report = import_file(conn, layer_id, path, actor="t", mode="replace")
    assert (report.deleted, report.inserted) == (len(original), len(original))
    again = read_layer(conn, layer_id, include_private=True).reset_index(drop=True)
    columns = [c for c in original.columns if c != "geometry"]
    pd.testing.assert_frame_equal(again[columns], original[columns], check_dtype=False)
    assert shapely.equals_exact(again.geometry.values, original.geometry.values, tolerance=1e-9).all()


@pytest.mark.parametrize("layer_id", DERIVED)
def test_a_derived_layer_is_exported_but_never_imported_into(conn, tmp_path: Path, layer_id: str) -> None:  # noqa: ANN001
    """The database keeps it from its origin (round-tripped above): an import would make it diverge."""
    path = tmp_path / f"{layer_id}.geojson"
    assert export_layer(conn, layer_id, path) > 0
    with pytest.raises(LayerError, match="derived from"):
        import_file(conn, layer_id, path, actor="t", mode="replace")


def _sample_points(n: int, **overrides) -> gpd.GeoDataFrame:  # noqa: ANN003
    data = {"kode": [f"T{i:06d}" for i in range(n)], "kategori": ["c"] * n, "nilai": [float(i) for i in range(n)]}
    points = [Point(98.60 + i * 1e-5, 3.55 + i * 1e-5) for i in range(n)]
    return gpd.GeoDataFrame(data | overrides, geometry=points, crs="EPSG:4326")


def test_a_point_geopackage_takes_the_coordinate_path_and_checks_every_row(conn, tmp_path: Path) -> None:  # noqa: ANN001
    from layers.files import read_columns
    from layers.frames.geometries import Points

    spec = get_registry().get("sample_points")
    path = tmp_path / "points.gpkg"
    _sample_points(5).to_file(path)
    _, geometry, _ = read_columns(path, spec)
    assert isinstance(geometry, Points)
    assert (geometry.x[4], geometry.y[4]) == (pytest.approx(98.60004), pytest.approx(3.55004))

    bad = _sample_points(5, kategori=["c", "c", "z", "c", "c"])
    bad.loc[3, "geometry"] = Point(3.58, 98.65)  # swapped axes
    bad.loc[4, "geometry"] = Point()  # POINT EMPTY
    bad.to_file(tmp_path / "bad.gpkg")
    before = count_features(conn, "sample_points")
    with pytest.raises(InvalidFeature) as caught:
        import_file(conn, "sample_points", tmp_path / "bad.gpkg", actor="t")
    message = str(caught.value)
    assert "row 3: property 'kategori' must be one of" in message
    assert "row 4: coordinates outside Medan" in message
    assert "row 5: geometry is missing or empty" in message
    assert count_features(conn, "sample_points") == before


def test_a_point_geopackage_in_utm_is_reprojected_on_the_coordinate_path(conn, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "utm_points.gpkg"
    _sample_points(3).to_crs("EPSG:32647").to_file(path)
    import_file(conn, "sample_points", path, actor="t", mode="replace")
    point = read_layer(conn, "sample_points", where={"kode": "T000002"}).geometry.iloc[0]
    assert (point.x, point.y) == (pytest.approx(98.60002, abs=1e-7), pytest.approx(3.55002, abs=1e-7))


def test_a_bulk_load_rebuilds_the_indexes_it_dropped_and_refuses_a_taken_key(conn, tmp_path: Path,  # noqa: ANN001
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from layers.frames import bulk

    def indexes() -> list[tuple[str, str]]:
        return sorted(conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'layers' AND tablename = 'sample_points'"
        )).all())

    before = indexes()
    assert any("gist" in d for _, d in before) and any("uq_sample_points_kode" in n for n, _ in before)
    monkeypatch.setattr(bulk, "BULK_INDEX_ROWS", 10)  # a small file counts as bulk, so the test stays quick
    path = tmp_path / "many.gpkg"
    _sample_points(40).to_file(path)
    assert import_file(conn, "sample_points", path, actor="t", mode="replace").inserted == 40
    assert indexes() == before
    # The loader wrote one 'insert' event per row itself (one COPY), the trigger none.
    events = conn.execute(text(
        "SELECT h.fid, h.actor, h.new IS NULL FROM core.feature_history h JOIN layers.sample_points p USING (fid) "
        "WHERE h.layer = 'sample_points' AND h.op = 'insert' ORDER BY h.fid")).all()
    assert len(events) == 40 and {(a, n) for _, a, n in events} == {("t", True)}
    assert [f for f, _, _ in events] == list(range(events[0][0], events[0][0] + 40))
    fid = conn.execute(text("SELECT fid FROM layers.sample_points WHERE kode = 'T000003'")).scalar_one()
    (entry,) = feature_history(conn, "sample_points", fid)
    assert (entry["new"]["kode"], entry["new"]["nilai"]) == ("T000003", 3.0)
    assert conn.execute(text("SELECT current_setting('webgis.history_by_loader', true)")).scalar() in ("", None)
    constraint = conn.execute(text("SELECT contype FROM pg_constraint WHERE conname = 'uq_sample_points_kode'")).scalar()
    assert constraint == "u"
    # Appending 50 rows to 40 is bulk again; one key is already taken: nothing is loaded.
    clash = _sample_points(50, kode=[f"U{i:06d}" for i in range(49)] + ["T000007"])
    clash.to_file(tmp_path / "clash.gpkg")
    with pytest.raises(InvalidFeature, match="kode must be unique") as caught:
        import_file(conn, "sample_points", tmp_path / "clash.gpkg", actor="t")
    assert "T000007" in str(caught.value)
    assert count_features(conn, "sample_points") == 40
    assert indexes() == before


def test_a_file_read_in_batches_numbers_rows_as_in_the_file_and_checks_keys_across_batches(
        conn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from layers import files

    monkeypatch.setattr(files, "COPY_CHUNK_ROWS", 4)  # 10 rows = batches of 4, 4 and 2
    _sample_points(10).to_file(tmp_path / "good.gpkg")
    assert import_file(conn, "sample_points", tmp_path / "good.gpkg", actor="t", mode="replace").inserted == 10
    assert sorted(read_layer(conn, "sample_points")["kode"]) == [f"T{i:06d}" for i in range(10)]

    kode = [f"V{i:06d}" for i in range(10)]
    kode[6] = kode[1]  # row 7 repeats row 2, in another batch
    bad = _sample_points(10, kode=kode, kategori=["c"] * 5 + ["z"] + ["c"] * 4)  # row 6: not allowed
    bad.loc[8, "geometry"] = Point(3.58, 98.65)  # row 9: swapped axes
    bad.to_file(tmp_path / "bad.gpkg")
    with pytest.raises(InvalidFeature) as caught:
        import_file(conn, "sample_points", tmp_path / "bad.gpkg", actor="t")
    message = str(caught.value)
    assert "row 6: property 'kategori' must be one of" in message
    assert "row 9: coordinates outside Medan" in message
    assert "row 7: kode must be unique" in message
    assert count_features(conn, "sample_points") == 10


def test_text_that_looks_like_a_date_stays_text_in_geojson(tmp_path: Path) -> None:
    """GDAL's GeoJSON driver guessed a date type from text such as '2020-01-31', so a text
    property holding it came back as a date the layer refused (the civil registration's dates)."""
    from layers.files import read_file
    from layers.registry import get_registry

    path = tmp_path / "kelurahan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode_kel": "12.71.01.1001", "nama_kel": "2020-01-31"},
         "geometry": {"type": "Point", "coordinates": [98.67, 3.59]}}]}), encoding="utf-8")
    frame = read_file(path, get_registry().get("kelurahan"))
    assert frame["nama_kel"].tolist() == ["2020-01-31"]
