"""Inventory visits and transfers between agencies, on a real PostGIS (the layers' history tells both)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from layers.access import with_roles
from services.assets import inventory, records, transfer
from services.errors import Conflict, NotFound
from tests.helpers.database import own_database
from tests.helpers.permits import jpeg


@pytest.fixture(scope="module")
def assets_engine(server_url: str, template_database_url: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Engine]:
    from layers.db import engine_for

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBGIS_UPLOAD_DIR", str(tmp_path_factory.mktemp("asset-photos")))
        with own_database(server_url, template_database_url) as url:
            yield engine_for(url)


def _a_vehicle(engine: Engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT kode_aset, agency, kondisi, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM layers.assets_points "
            "WHERE kategori = 'kendaraan' AND kondisi = 'baik' ORDER BY kode_aset LIMIT 1")).mappings().one())


def test_staff_record_a_visit_at_the_asset_and_its_condition_follows(assets_engine: Engine) -> None:
    car = _a_vehicle(assets_engine)
    lurah = with_roles("user:lurah", "staff", agencies=frozenset({car["agency"]}))
    visit = inventory.record_visit(assets_engine, lurah, kode_aset=car["kode_aset"], kondisi="rusak_ringan",
                                   lon=car["lon"] + 0.0002, lat=car["lat"], photo=jpeg(), note="spion patah")
    assert (visit.kondisi, visit.kondisi_sebelumnya) == ("rusak_ringan", "baik") and 15 < visit.distance_m < 30
    with assets_engine.connect() as conn:
        kondisi, last = conn.execute(text("SELECT kondisi, inventarisasi_terakhir FROM layers.assets_points "
                                          "WHERE kode_aset = :c"), {"c": car["kode_aset"]}).one()
    assert kondisi == "rusak_ringan" and last is not None
    (seen,) = inventory.visits_of(assets_engine, lurah, car["kode_aset"])
    assert seen["catatan"] == "spion patah" and seen["actor"] == "user:lurah"
    assert Path(inventory.media.photo_path(seen["photo"])[0]).exists()
    (change,) = records.asset_history(assets_engine, car["kode_aset"])["conditions"]
    assert (change["from"], change["to"], change["actor"]) == ("baik", "rusak_ringan", "user:lurah")


def test_a_visit_is_refused_far_away_without_a_photo_or_by_another_agency(assets_engine: Engine) -> None:
    car = _a_vehicle(assets_engine)
    lurah = with_roles("user:lurah", "staff", agencies=frozenset({car["agency"]}))
    with pytest.raises(inventory.VisitRejected, match="paling jauh 200 m"):
        inventory.record_visit(assets_engine, lurah, kode_aset=car["kode_aset"], kondisi="baik",
                               lon=car["lon"] + 0.01, lat=car["lat"], photo=jpeg())
    with pytest.raises(inventory.VisitRejected, match="lampirkan foto.*kondisi harus|kondisi harus.*lampirkan foto"):
        inventory.record_visit(assets_engine, lurah, kode_aset=car["kode_aset"], kondisi="hilang",
                               lon=car["lon"], lat=car["lat"], photo=None)
    with pytest.raises(inventory.VisitRejected, match="foto tidak sah"):
        inventory.record_visit(assets_engine, lurah, kode_aset=car["kode_aset"], kondisi="baik",
                               lon=car["lon"], lat=car["lat"], photo=b"<svg onload=alert(1)>")
    stranger = with_roles("user:dlh", "staff", agencies=frozenset({"DLH"}))
    with pytest.raises(inventory.NotYourAsset):
        inventory.record_visit(assets_engine, stranger, kode_aset=car["kode_aset"], kondisi="rusak_berat",
                               lon=car["lon"], lat=car["lat"], photo=jpeg())
    with pytest.raises(NotFound):
        inventory.visits_of(assets_engine, stranger, car["kode_aset"])
    with pytest.raises(NotFound):
        inventory.record_visit(assets_engine, lurah, kode_aset="X.NONE.2020.000000", kondisi="baik",
                               lon=car["lon"], lat=car["lat"], photo=jpeg())
    with assets_engine.connect() as conn:
        kondisi = conn.execute(text("SELECT kondisi FROM layers.assets_points WHERE kode_aset = :c"),
                               {"c": car["kode_aset"]}).scalar_one()
    assert kondisi == car["kondisi"] or kondisi == "rusak_ringan"  # only the first test's visit changed it


def test_bpkad_transfers_an_asset_and_its_history_shows_every_transfer(assets_engine: Engine) -> None:
    with assets_engine.connect() as conn:
        code = conn.execute(text("SELECT kode_aset FROM layers.assets_areas WHERE agency = 'BPKAD' "
                                 "ORDER BY kode_aset LIMIT 1")).scalar_one()
    bpkad = with_roles("user:bpkad", "staff", agencies=frozenset({"BPKAD"}))
    disdik = with_roles("user:disdik", "staff", agencies=frozenset({"DISDIK"}))
    with pytest.raises(transfer.TransferRefused):
        transfer.transfer_asset(assets_engine, disdik, kode_aset=code, to_agency="DISDIK", decree="SK 1")
    with pytest.raises(transfer.TransferRejected, match="OPD tujuan 'DINAS_X'.*SK/BAST"):
        transfer.transfer_asset(assets_engine, bpkad, kode_aset=code, to_agency="DINAS_X", decree=" ")
    transfer.transfer_asset(assets_engine, bpkad, kode_aset=code, to_agency="DISDIK", decree="SK Wali Kota 030/101")
    transfer.transfer_asset(assets_engine, with_roles("user:admin", "admin"), kode_aset=code, to_agency="DINKES",
                            decree="SK Wali Kota 030/202")
    with pytest.raises(Conflict):
        transfer.transfer_asset(assets_engine, bpkad, kode_aset=code, to_agency="DINKES", decree="SK 3")
    moves = records.asset_history(assets_engine, code)["transfers"]
    assert [(m["from"], m["to"], m["actor"]) for m in moves] == [
        ("BPKAD", "DISDIK", "user:bpkad"), ("DISDIK", "DINKES", "user:admin")]
    assert "030/202" in moves[1]["note"]
