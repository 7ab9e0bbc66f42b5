"""Waste collection fees: the declared rates, the synthetic TPS and routes, a month's fees issued and
paid through the sandbox gateway on a real PostGIS, and an "uncollected waste" report naming its TPS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from geodata.synthetic.common import DATA_DIR, UTM
from layers import feature_history
from services.engine import payments
from services.engine.payments import sandbox
from services.waste import billing, seed
from services.waste.rules import TariffError, load_tariff
from tests.helpers.database import own_database


def test_the_declared_rate_of_each_class_and_the_due_day() -> None:
    tariff = load_tariff()
    assert tariff.fee("rt_kecil") < tariff.fee("rt_besar") < tariff.fee("usaha_besar")
    assert tariff.due_date("2026-02") == date(2026, 2, tariff.due_day)
    with pytest.raises(TariffError, match="'hotel'"):
        tariff.fee("hotel")
    with pytest.raises(ValueError, match="tahun-bulan"):
        tariff.due_date("2026-13")


@pytest.fixture(scope="module")
def kelurahan() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA_DIR / "medan_kelurahan.geojson")


def test_each_route_strings_the_tps_of_one_district_and_customers_use_their_nearest_tps(
        kelurahan: gpd.GeoDataFrame) -> None:
    tps = seed.generate_tps(kelurahan)
    routes = seed.generate_waste_routes(kelurahan).set_index("kode_rute")
    for code, group in tps.groupby("kode_rute"):
        assert group["nama_kec"].nunique() == 1
        if len(group) > 1:
            line = routes.loc[code, "geometry"]
            assert routes.loc[code, "jumlah_tps"] == len(group)
            assert all(line.distance(p) < 1e-9 for p in group.geometry)
    customers = seed.generate_waste_customers(kelurahan, per_kelurahan=3)
    tree = shapely.STRtree(tps.to_crs(UTM).geometry.values)
    nearest = tree.nearest(customers.to_crs(UTM).geometry.values)
    assert list(tps["kode_tps"].iloc[nearest]) == list(customers["kode_tps"])


@pytest.fixture(scope="module")
def waste_engine(server_url: str, template_database_url: str) -> Iterator[Engine]:
    from layers.db import engine_for

    with own_database(server_url, template_database_url) as url:
        billing.register()
        yield engine_for(url)


def _pay(engine: Engine, bill: payments.Bill) -> None:
    sandbox.pay(engine, bill.va_number)

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        return payments.receive_callback(engine, "sandbox", body, headers).http_status

    assert sandbox.deliver_due(engine, send, "sandbox://callback").delivered >= 1


def test_a_months_fees_are_issued_once_and_paying_moves_the_paid_up_month(waste_engine: Engine) -> None:
    with waste_engine.connect() as conn:
        customers = conn.execute(text("SELECT count(*) FROM layers.waste_customers")).scalar_one()
        nomor, kelas, fid = conn.execute(text(
            "SELECT nomor_pelanggan, kelas, fid FROM layers.waste_customers ORDER BY nomor_pelanggan LIMIT 1")).one()
    assert billing.issue_month(waste_engine, "2026-11") == customers
    assert billing.issue_month(waste_engine, "2026-12") == customers
    assert billing.issue_month(waste_engine, "2026-12") == 0
    months = billing.fees(waste_engine, nomor)
    assert [f.periode for f in months] == ["2026-12", "2026-11"]
    assert all(f.jumlah == load_tariff().fee(kelas) for f in months)
    assert months[1].overdue(date(2026, 12, 7)) and not months[0].overdue(date(2026, 12, 7))
    # Paying December first does not make the customer paid up: November is still open.
    _pay(waste_engine, billing.start_payment(waste_engine, nomor, "2026-12"))
    with waste_engine.connect() as conn:
        through = conn.execute(text("SELECT lunas_sampai FROM layers.waste_customers WHERE fid = :f"),
                               {"f": fid}).scalar_one()
    assert through is None
    _pay(waste_engine, billing.start_payment(waste_engine, nomor, "2026-11"))
    with waste_engine.connect() as conn:
        through = conn.execute(text("SELECT lunas_sampai FROM layers.waste_customers WHERE fid = :f"),
                               {"f": fid}).scalar_one()
    assert through == "2026-12"
    assert any(h["actor"] == billing.ACTOR for h in feature_history(waste_engine, "waste_customers", fid))
    with pytest.raises(billing.AlreadyPaid):
        billing.start_payment(waste_engine, nomor, "2026-11")
    with pytest.raises(billing.WasteFeeError, match="tahun-bulan"):
        billing.start_payment(waste_engine, nomor, "2026-1")
    per_tps = billing.collection(waste_engine, "2026-12").set_index("kode_tps")
    assert per_tps["lunas"].sum() == 1 and per_tps["tagihan"].sum() == customers


def test_an_uncollected_waste_report_names_its_tps(waste_engine: Engine) -> None:
    from services.complaints.intake import category_for, tag

    with waste_engine.connect() as conn:
        code, lon, lat = conn.execute(text(
            "SELECT kode_tps, ST_X(geom), ST_Y(geom) FROM layers.tps ORDER BY kode_tps LIMIT 1")).one()
    tags = tag(waste_engine, category_for("SAMPAH"), lon + 0.0005, lat)  # about 55 m east of it
    assert tags.nearest_device == code and 0 < tags.device_distance_m < 100
