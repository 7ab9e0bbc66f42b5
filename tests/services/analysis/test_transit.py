"""GTFS in and out, coverage within 400 m of a route, and journeys with at most one transfer."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from services.analysis.gtfs import GtfsError, build_feed, feed_to_layers, read_gtfs
from services.analysis.transit import compute_coverage, plan_journey
from tests.helpers.rasters import UTM, X0, Y0, square

WGS84 = "EPSG:4326"


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries.from_xy([X0 + x], [Y0 + y], crs=UTM).to_crs(WGS84).iloc[0]
    return p.x, p.y


def write_feed(folder: Path, *, drop: str | None = None, trip_route: str = "R1") -> Path:
    """Route R1 runs along the bottom edge of square K1 (1 km), west to east, with three stops."""
    folder.mkdir()
    stops = [("S1", 0, 0), ("S2", 500, 0), ("S3", 1000, 0)]
    files = {
        "agency": pd.DataFrame([{"agency_id": "A", "agency_name": "KPUM", "agency_url": "https://example.org",
                                 "agency_timezone": "Asia/Jakarta"}]),
        "stops": pd.DataFrame([{"stop_id": s, "stop_name": s, "stop_desc": "halte" if s == "S2" else "",
                                "stop_lon": _lonlat(x, y)[0], "stop_lat": _lonlat(x, y)[1]} for s, x, y in stops]),
        "routes": pd.DataFrame([{"route_id": "R1", "agency_id": "A", "route_short_name": "01",
                                 "route_long_name": "Barat – Timur", "route_type": 3, "route_desc": "kuning",
                                 "continuous_pickup": 0, "continuous_drop_off": 0}]),
        "trips": pd.DataFrame([{"route_id": trip_route, "service_id": "harian", "trip_id": "T1"}]),
        "stop_times": pd.DataFrame([{"trip_id": "T1", "stop_id": s, "stop_sequence": k + 1,
                                     "arrival_time": f"06:0{k}:00", "departure_time": f"06:0{k}:00"}
                                    for k, (s, _, _) in enumerate(stops)]),
        "calendar": pd.DataFrame([{"service_id": "harian", "monday": 1, "tuesday": 1, "wednesday": 1,
                                   "thursday": 1, "friday": 1, "saturday": 1, "sunday": 1,
                                   "start_date": "20260101", "end_date": "20261231"}]),
    }
    for name, frame in files.items():
        if name != drop:
            frame.to_csv(folder / f"{name}.txt", index=False)
    return folder


def squares() -> gpd.GeoDataFrame:
    # K1 has the route on its bottom edge; K2 starts 500 m below it; K3 lies 3 km east.
    return gpd.GeoDataFrame({"kode_kel": ["K1", "K2", "K3"], "nama_kel": ["k1", "k2", "k3"]},
                            geometry=[square(0, 0, 1000, 1000), square(0, -1500, 1000, 1000),
                                      square(4000, 0, 500, 500)], crs=UTM).to_crs(WGS84)


def test_a_known_feed_gives_known_coverage(tmp_path: Path) -> None:
    layers = feed_to_layers(read_gtfs(write_feed(tmp_path / "feed")))
    assert list(layers.routes["kode_trayek"]) == ["01"] and layers.routes["panjang_km"].iloc[0] == pytest.approx(1.0, abs=0.01)
    assert list(layers.stops["jenis"]) == ["titik_naik", "halte", "titik_naik"] and set(layers.stops["trayek"]) == {"01"}
    people = pd.DataFrame({"kode_kel": ["K1", "K2", "K3"], "penduduk": [1000, 2000, 500]})
    coverage = compute_coverage(squares(), people, layers.routes, radius_m=400).set_index("kode_kel")
    # K1: a 400 m strip of a 1 km square; K2 (500 m away) and K3 are out of reach.
    assert coverage.loc["K1", "persen_terlayani"] == pytest.approx(40.0, abs=0.3)
    assert coverage.loc["K1", "penduduk_terlayani"] == pytest.approx(400, abs=3)
    assert coverage.loc["K2", "persen_terlayani"] == 0
    assert coverage.loc["K3", "persen_terlayani"] == 0 and coverage.loc["K3", "jumlah_trayek"] == 0
    assert coverage.loc["K1", "jumlah_trayek"] == 1


def test_a_feed_with_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GtfsError, match="stop_times.txt is missing"):
        read_gtfs(write_feed(tmp_path / "feed", drop="stop_times"))
    with pytest.raises(GtfsError, match="calendar.txt or calendar_dates.txt"):
        read_gtfs(write_feed(tmp_path / "feed2", drop="calendar"))


def test_a_feed_with_broken_references_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GtfsError, match=r"trips.txt route_id \['R9'\] not found in routes.txt"):
        read_gtfs(write_feed(tmp_path / "feed", trip_route="R9"))


def test_export_then_import_keeps_routes_stops_and_hail_and_ride(tmp_path: Path) -> None:
    layers = feed_to_layers(read_gtfs(write_feed(tmp_path / "feed")))
    build_feed(layers.routes, layers.stops).to_file(tmp_path / "out.zip")
    feed = read_gtfs(tmp_path / "out.zip")
    assert set(feed.routes["continuous_pickup"]) == {0} and set(feed.routes["continuous_drop_off"]) == {0}
    again = feed_to_layers(feed)
    assert list(again.routes["kode_trayek"]) == ["01"] and list(again.routes["warna"]) == ["kuning"]
    assert sorted(again.stops["kode_halte"]) == ["S1", "S2", "S3"] and set(again.stops["trayek"]) == {"01"}
    assert list(feed.stop_times.query("trip_id == '01-0'")["stop_id"]) == ["S1", "S2", "S3"]


def test_journeys_direct_and_with_one_transfer() -> None:
    def line(*xy: tuple[float, float]) -> LineString:
        return LineString([(X0 + x, Y0 + y) for x, y in xy])

    routes = gpd.GeoDataFrame({"kode_trayek": ["H", "V", "F"]}, geometry=[
        line((0, 0), (5000, 0)), line((3000, -3000), (3000, 3000)), line((20000, 0), (20000, 5000))],
        crs=UTM).to_crs(WGS84)
    direct = plan_journey(routes, _lonlat(100, 50), _lonlat(4000, -100))
    assert direct[0].trayek == ["H"] and direct[0].transfers == 0
    assert direct[0].ride_m == pytest.approx(3900, abs=5)
    changed = plan_journey(routes, _lonlat(100, 50), _lonlat(3100, 2900))
    assert [o.trayek for o in changed] == [["H", "V"]]
    lon, lat = changed[0].transfer_at
    assert (lon, lat) == pytest.approx(_lonlat(3000, 0), abs=1e-5)
    assert plan_journey(routes, _lonlat(100, 50), _lonlat(20100, 4000)) == []
