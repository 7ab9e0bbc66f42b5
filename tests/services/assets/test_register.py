"""Registering an asset (the seam the projects room calls at handover), on a real PostGIS."""

from __future__ import annotations

import re

import pytest
from shapely.geometry import LineString, Point, box
from sqlalchemy import Connection, text

from layers import feature_history
from services.assets.register import register_asset
from services.assets.rules import AssetRejected

# Inside Kelurahan Pasar Baru, Medan Kota (a seeded asset point stands there).
IN_MEDAN = Point(98.6846, 3.5843)


def _row(conn: Connection, layer: str, code: str) -> dict | None:
    return conn.execute(text(f'SELECT *, ST_GeometryType(geom) AS kind FROM layers."{layer}" WHERE kode_aset = :c'),
                        {"c": code}).mappings().one_or_none()


def test_a_project_handover_registers_a_road_located_measured_and_in_history(conn: Connection) -> None:
    road = LineString([(IN_MEDAN.x, IN_MEDAN.y), (IN_MEDAN.x + 0.004, IN_MEDAN.y + 0.001)])
    code = register_asset(conn, actor="user:pptk", kib="D", name="Jalan Sei Deli (peningkatan)", agency="DSDABMBK",
                          acquired_year=2025, acquisition_value=4_250_000_000, geometry=road,
                          origin="proyek", origin_ref="PRJ-2025-0007")
    assert re.fullmatch(r"D\.DSDABMBK\.2025\.\d{6}", code)
    row = _row(conn, "assets_lines", code)
    assert row is not None and row["kind"] == "ST_MultiLineString"
    assert (row["kib"], row["kategori"], row["kondisi"], row["asal"], row["asal_ref"]) == \
        ("D", "jalan", "baik", "proyek", "PRJ-2025-0007")
    assert row["nilai_perolehan"] == 4_250_000_000 and row["source"] == "simbada"
    assert row["nama_kec"] == "Medan Kota" and row["kode_kel"].startswith("12.71.")
    assert 400 < row["panjang_m"] < 500  # 0.004° x 0.001° at 3.6° N is about 457 m
    (entry,) = feature_history(conn, "assets_lines", row["fid"])
    assert entry["op"] == "insert" and entry["actor"] == "user:pptk"


def test_each_registration_gets_its_own_code_whatever_the_layer(conn: Connection) -> None:
    land = register_asset(conn, actor="t", kib="A", name="Tanah", agency="BPKAD", acquired_year=2020,
                          acquisition_value=1, geometry=IN_MEDAN.buffer(0.0003))
    car = register_asset(conn, actor="t", kib="B", name="Mobil", agency="BPKAD", acquired_year=2020,
                         acquisition_value=1, geometry=IN_MEDAN, category="kendaraan")
    assert land != car and land.rsplit(".", 1)[1] != car.rsplit(".", 1)[1]
    assert _row(conn, "assets_areas", land)["luas_m2"] > 0
    assert _row(conn, "assets_points", car)["kategori"] == "kendaraan"


def test_bad_input_is_refused_with_every_reason_and_nothing_is_written(conn: Connection) -> None:
    before = conn.execute(text("SELECT count(*) FROM layers.assets_points")).scalar_one()
    with pytest.raises(AssetRejected) as refused:
        register_asset(conn, actor="t", kib="B", name=" ", agency="DINAS_X", acquired_year=2999,
                       acquisition_value=-5, geometry=IN_MEDAN, condition="bagus", origin="proyek")
    message = str(refused.value)
    for words in ("nama barang wajib", "OPD 'DINAS_X'", "tahun perolehan 2999", "nilai perolehan -5",
                  "kondisi 'bagus'", "rujukan proyek"):
        assert words in message
    assert refused.value.status == 422
    with pytest.raises(AssetRejected, match="KIB A digambar sebagai area, bukan line"):
        register_asset(conn, actor="t", kib="A", name="Tanah", agency="BPKAD", acquired_year=2020,
                       acquisition_value=1, geometry=LineString([(98.68, 3.58), (98.69, 3.59)]))
    with pytest.raises(AssetRejected, match="termasuk KIB B, bukan KIB C"):
        register_asset(conn, actor="t", kib="C", name="Gedung", agency="BPKAD", acquired_year=2020,
                       acquisition_value=1, geometry=IN_MEDAN, category="kendaraan")
    with pytest.raises(AssetRejected, match="bilangan bulat rupiah"):
        register_asset(conn, actor="t", kib="B", name="Meja", agency="BPKAD", acquired_year=2020,
                       acquisition_value=1500.5, geometry=IN_MEDAN)  # type: ignore[arg-type]
    with pytest.raises(AssetRejected, match="di luar Kota Medan"):
        register_asset(conn, actor="t", kib="A", name="Tanah", agency="BPKAD", acquired_year=2020,
                       acquisition_value=1, geometry=box(106.8, -6.2, 106.81, -6.19))  # Jakarta
    assert conn.execute(text("SELECT count(*) FROM layers.assets_points")).scalar_one() == before


def test_a_handover_rolls_back_with_the_callers_transaction(conn: Connection) -> None:
    savepoint = conn.begin_nested()
    code = register_asset(conn, actor="t", kib="C", name="Puskesmas baru", agency="DINKES", acquired_year=2025,
                          acquisition_value=9_000_000_000, geometry=IN_MEDAN.buffer(0.0002),
                          category="gedung_kesehatan", origin="proyek", origin_ref="PRJ-1")
    assert _row(conn, "assets_areas", code) is not None
    savepoint.rollback()  # the project's own change failed after the handover
    assert _row(conn, "assets_areas", code) is None
