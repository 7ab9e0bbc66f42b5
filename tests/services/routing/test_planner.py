"""Driving routes that avoid the intersections the ATCS detectors report congested
(services/routing/planner.py, issue 20 item 8), on the hand-made OSM file of test_graph.

The congestion is real data: detector readings written to the telemetry store, aggregated by
devices.traffic.refresh into the traffic_congestion layer, as the poller does.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from devices.datatypes import Reading
from devices.registry import read_fleet
from devices.store import copy_readings
from devices.traffic import APPROACHES, refresh
from layers.db import engine_for
from services.routing.planner import NoStreets, RoutingError, parse_point, route
from tests.services.routing.test_graph import GRID, load_streets, vertex_of

MODEL = "atcs_controller_v1"
JUNCTION = "ATCS-008"  # Simpang Mesjid 1: the seed puts it at the grid's centre, OSM node 305
A = (98.6832, 3.58125)  # on Jalan Mahkamah, just east of Jalan Amaliun
B = (98.6905, 3.58110)  # on Jalan Mahkamah, just west of Jalan Rahmadsyah


def _detectors(engine, device: str, start: float, queue_m: float) -> None:  # noqa: ANN001
    """Six readings a minute apart with this queue on every approach, traffic flowing."""
    rows = []
    for i in range(6):
        values = {**{f"count_{a}": 10.0 * i for a in APPROACHES}, **{f"queue_{a}": queue_m for a in APPROACHES}}
        rows.append(Reading(device, MODEL, start + 60 * i, values, values))
    with engine.begin() as conn:
        copy_readings(conn, rows)


def _congestion(engine, device: str, start: float, queue_m: float) -> None:  # noqa: ANN001
    """The detectors' readings from `start` for five minutes, and the layer refreshed at their end."""
    _detectors(engine, device, start, queue_m)
    refresh(engine, window_min=5, until=datetime.fromtimestamp(start + 301, UTC))


@pytest.fixture
def streets(isolated_database_url):  # noqa: ANN001, ANN201
    engine = engine_for(isolated_database_url)
    load_streets(engine)
    record = next(r for r in read_fleet(engine) if r.code == JUNCTION)
    assert (round(record.lon, 6), round(record.lat, 6)) == GRID[305], "the seed moved ATCS-008: redraw the OSM file"
    with engine.connect() as conn:
        vertices = {node: vertex_of(conn, node) for node in GRID}
    return engine, record.device_id, vertices


def _streets(path) -> list[str]:  # noqa: ANN001
    return [s["nama"] for s in path.streets]


def test_the_route_avoids_a_congested_junction_and_comes_back_when_it_clears(streets) -> None:  # noqa: ANN001
    engine, device, v = streets
    calm = route(engine, A, B)
    assert v[305] in calm.suggested.vertices and calm.avoided == []
    assert _streets(calm.suggested) == ["Jalan Mahkamah"]
    assert calm.suggested.distance_m == pytest.approx(810, abs=15)
    assert calm.suggested.time_s == pytest.approx(calm.suggested.distance_m / (40 / 3.6), rel=0.01)

    now = time.time()
    _congestion(engine, device, now - 900, queue_m=300.0)  # "macet": mean queue 300 m on every arm
    jammed = route(engine, A, B)
    assert v[305] not in jammed.suggested.vertices
    # Jalan Puri is one-way westward, so the way round eastward is by Jalan Halat in the south.
    assert _streets(jammed.suggested) == ["Jalan Mahkamah", "Jalan Amaliun", "Jalan Halat", "Jalan Rahmadsyah",
                                          "Jalan Mahkamah"]
    assert [c.kode for c in jammed.avoided] == [JUNCTION] and jammed.avoided[0].level == "macet"
    # The usual route, still given for comparison, now waits at the junction: 300 m / 7 m / 0.25 car/s.
    assert v[305] in jammed.usual.vertices
    assert jammed.usual.delay_s == pytest.approx(300 / 7 / 0.25)
    assert jammed.usual.time_s == pytest.approx(calm.suggested.time_s + 300 / 7 / 0.25)
    assert jammed.suggested.delay_s == 0 and jammed.suggested.time_s < jammed.usual.time_s
    assert jammed.suggested.distance_m > 2 * calm.suggested.distance_m
    # Westward, Jalan Puri is the way round.
    back = route(engine, B, A)
    assert v[305] not in back.suggested.vertices and "Jalan Puri" in _streets(back.suggested)
    # Asked not to avoid congestion: the usual route, whose time includes the wait.
    plain = route(engine, A, B, avoid_congestion=False)
    assert plain.suggested.vertices == jammed.usual.vertices and plain.avoided == []

    _congestion(engine, device, now - 400, queue_m=10.0)  # the queue cleared: "lancar"
    cleared = route(engine, A, B)
    assert v[305] in cleared.suggested.vertices and cleared.avoided == []
    assert cleared.suggested.vertices == calm.suggested.vertices
    assert cleared.usual.delay_s == 0


def test_a_busy_junction_weighs_on_the_time_but_is_not_avoided_when_waiting_is_faster(streets) -> None:  # noqa: ANN001
    engine, device, v = streets
    _congestion(engine, device, time.time() - 900, queue_m=60.0)  # "padat": 60 m, about 34 s of wait
    busy = route(engine, A, B)
    assert v[305] in busy.suggested.vertices and busy.avoided == []
    assert busy.suggested.delay_s == pytest.approx(60 / 7 / 0.25)
    assert [c.level for c in busy.suggested.congested] == ["padat"]


def test_the_route_serialises_both_paths_for_the_map(streets) -> None:  # noqa: ANN001
    engine, device, _ = streets
    _congestion(engine, device, time.time() - 900, queue_m=300.0)
    body = route(engine, A, B).as_json()
    assert body["hindari_kemacetan"] is True and body["kemacetan_diperbarui"]
    assert [d["kode"] for d in body["dihindari"]] == [JUNCTION]
    assert body["rute"]["jarak_m"] > body["rute_biasa"]["jarak_m"]
    assert body["rute_biasa"]["simpang_padat"][0]["tingkat"] == "macet"


def test_a_jam_reported_long_ago_is_not_used(streets) -> None:  # noqa: ANN001
    engine, device, v = streets
    _congestion(engine, device, time.time() - 7200, queue_m=300.0)  # "macet", two hours ago; nothing since
    stale = route(engine, A, B)
    assert v[305] in stale.suggested.vertices and stale.avoided == [] and stale.usual.delay_s == 0
    assert stale.congestion_updated is not None  # the page still says how old the data is


def test_refusals_say_what_is_wrong(conn) -> None:  # noqa: ANN001
    with pytest.raises(NoStreets, match="Peta jalan belum dimuat") as no_streets:
        route(conn, A, B)
    assert no_streets.value.status == 409
    load_streets(conn)
    cases = [((98.49, 3.60), "di luar Kota Medan"),           # Binjai
             ((98.6700, 3.5812), "terlalu jauh dari jalan"),  # inside Medan, 1.4 km from the streets loaded
             ((98.68321, 3.58125), "sama")]                   # the same point as A
    for point, message in cases:
        with pytest.raises(RoutingError, match=message) as refused:
            route(conn, A, point)
        assert refused.value.status == 400
    for bad in ("", "98.68", "utara,selatan", "nan,3.5", "98.68,91"):
        with pytest.raises(RoutingError):
            parse_point(bad, "dari")
