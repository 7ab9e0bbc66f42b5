"""The angkot trip planner on the seeded network and on hand-drawn lines: a one-ride trip, a
one-transfer trip, nothing within walking distance, bad and out-of-city points, and the transfer
placed where it serves the trip when two routes meet twice."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString
from sqlalchemy import Engine

from services.analysis.transit import plan_journey
from services.angkot.describe import no_trip_message, plan_dict
from services.angkot.planner import TripError, build_network, parse_point, plan, plan_trip
from tests.helpers.angkot import (
    FAR_FROM_ROUTES,
    ONE_RIDE,
    ONE_TRANSFER,
    kelurahan_point,
    stop_point,
)
from tests.helpers.rasters import UTM, X0, Y0, square

WGS84 = "EPSG:4326"


def test_two_stops_of_one_route_are_a_one_ride_trip(engine: Engine) -> None:
    origin, destination = (stop_point(engine, k) for k in ONE_RIDE)
    found = plan_trip(engine, origin, destination)
    best = found.trips[0]
    assert best.trayek == ["41"] and best.transfers == 0 and found.reason is None
    assert best.walk_m < 5 and best.ride_m == pytest.approx(550, abs=30)
    described = plan_dict(found, origin, destination)["perjalanan"][0]
    assert described["label"] == "KPUM 41" and [s["moda"] for s in described["langkah"]] == ["jalan", "angkot", "jalan"]
    assert described["langkah"][1]["teks"] in (f"Naik KPUM 41 (merah) {km} km: naik dekat Sidorejo Hilir 2, turun dekat "
                                               "Sidorejo 1" for km in ("0,5", "0,6"))  # named after the nearest stops
    assert described["geojson"]["features"][1]["geometry"]["coordinates"][0] == pytest.approx(list(origin), abs=1e-5)


def test_routes_that_never_meet_both_ends_need_one_transfer(engine: Engine) -> None:
    origin, destination = (stop_point(engine, k) for k in ONE_TRANSFER)
    found = plan_trip(engine, origin, destination)
    assert found.trips and all(t.transfers == 1 for t in found.trips)
    best = found.trips[0]
    assert best.trayek == ["5", "86"] and best.transfer_at is not None
    assert [leg.mode for leg in best.legs] == ["jalan", "angkot", "jalan", "angkot", "jalan"]
    assert best.walk_m <= 2 * 400 + 150
    steps = plan_dict(found, origin, destination)["perjalanan"][0]["langkah"]
    assert steps[0]["teks"] == "Tunggu Rahayu 5 di titik asal" and "ganti ke Nasional 86" in steps[2]["teks"]
    costs = [t.cost_m for t in found.trips]
    assert costs == sorted(costs)


def test_no_route_within_walking_distance_says_so(engine: Engine) -> None:
    far = kelurahan_point(engine, FAR_FROM_ROUTES)
    found = plan_trip(engine, far, stop_point(engine, ONE_RIDE[0]))
    assert found.trips == [] and found.reason == "asal"
    assert no_trip_message(found) == "Tidak ada trayek angkot dalam jarak jalan kaki 400 m dari titik asal."
    back = plan_trip(engine, stop_point(engine, ONE_RIDE[0]), far)
    assert back.reason == "tujuan" and "dari tujuan" in no_trip_message(back)
    assert "walk of the destination" in no_trip_message(back, "en")


def test_bad_and_out_of_city_points_are_refused_in_bahasa_indonesia(engine: Engine) -> None:
    with pytest.raises(TripError, match="tidak terbaca; tulis bujur,lintang"):
        parse_point("dari", "3.59;98.67")
    with pytest.raises(TripError, match="belum diisi"):
        parse_point("ke", " ")
    with pytest.raises(TripError, match="tidak terbaca"):
        parse_point("ke", "nan,inf")
    with pytest.raises(TripError, match=r"ke: titik 98\.50000,3\.59000 di luar Kota Medan") as refused:
        plan_trip(engine, stop_point(engine, ONE_RIDE[0]), (98.5, 3.59))
    assert refused.value.status == 400


def _corridor() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    def line(*xy: tuple[float, float]) -> LineString:
        return LineString([(X0 + x, Y0 + y) for x, y in xy])

    # H runs east; U comes down at x=1000, loops south of H and goes up at x=4000: it crosses H twice.
    routes = gpd.GeoDataFrame({"kode_trayek": ["H", "U"], "operator": ["KPUM", None], "warna": ["kuning", None]},
                              geometry=[line((0, 0), (5000, 0)),
                                        line((1000, 3000), (1000, -1000), (4000, -1000), (4000, 3000))],
                              crs=UTM).to_crs(WGS84)
    city = gpd.GeoDataFrame({"kode_kel": ["K"]}, geometry=[square(-5000, -5000, 15000, 15000)], crs=UTM).to_crs(WGS84)
    return routes, city


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries.from_xy([X0 + x], [Y0 + y], crs=UTM).to_crs(WGS84).iloc[0]
    return p.x, p.y


def test_the_transfer_is_where_the_trip_needs_it_when_routes_meet_twice() -> None:
    routes, city = _corridor()
    origin, destination = _lonlat(-300, 50), _lonlat(4100, 2500)
    best = plan(build_network(routes, city), origin, destination).trips[0]
    assert best.trayek == ["H", "U"]
    # Change at the second crossing (4000, 0): 4 km on H, 2.5 km on U; at the first (1000, 0) U's loop
    # would add 7.5 km of riding.
    assert best.ride_m == pytest.approx(4000 + 2500, abs=40)
    assert best.transfer_at == pytest.approx(_lonlat(4000, 0), abs=2e-5)
    old = plan_journey(routes, origin, destination)[0]  # the CLI's previous code path: one closest point
    assert old.ride_m >= best.ride_m - 1


def test_a_route_without_operator_is_called_by_its_code() -> None:
    routes, city = _corridor()
    trip = plan(build_network(routes, city), _lonlat(1000, 2000), _lonlat(4000, 2000)).trips[0]
    assert trip.trayek == ["U"] and trip.legs[1].label == "U" and trip.legs[1].metres == pytest.approx(9000, abs=60)
