"""The angkot trip planner: from A to B with at most one transfer, on foot to, between and from
the routes, each leg drawn (lon, lat). Flask-free: the /angkot pages, their JSON and the CLI
(`python -m services angkot`) call `plan_trip`.

It keeps the rules of services/analysis/transit.plan_journey (hail-and-ride: board anywhere on
a route within the walking radius; a transfer where two routes come within 150 m; options
ranked by walking x3 + riding + 2 km per transfer) but does the geometry once per version of
the routes instead of per request: the lines in UTM, every pair of routes' transfer point, and
the city outline for refusing points outside Medan. A request is then two vectorised distance
calls over the routes and a few projections (benchmarks/bench_trip.py measures both paths).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points, substring
from sqlalchemy import Engine

from layers import read_layer
from layers.versions import layer_versions
from services.analysis.common import UTM, WGS84
from services.analysis.transit import TRANSFER_PENALTY_M, WALK_FACTOR
from services.angkot.labels import route_label
from services.errors import ServiceError

WALK_M = 400.0
WALK_LIMITS = (100.0, 1500.0)
TRANSFER_M = 150.0
WALK_M_PER_MIN = 75.0  # 4.5 km/h
RIDE_M_PER_MIN = 250.0  # 15 km/h, the GTFS export's planning speed (services/analysis/gtfs.ANGKOT_KMH)
WAIT_MIN = 5.0  # half a typical 10-minute angkot headway, per boarding
INPUT_LAYERS = ("transit_routes", "transit_stops", "kelurahan")
STOP_NAME_M = 250.0  # a boarding or alighting point is named after a stop this close
_TO_UTM = Transformer.from_crs(WGS84, UTM, always_xy=True)
_TO_WGS = Transformer.from_crs(UTM, WGS84, always_xy=True)


class TripError(ServiceError):
    """A trip request the planner refuses (bad or out-of-city point); nothing is planned."""


@dataclass(frozen=True)
class Leg:
    mode: str  # "jalan" (walk) or "angkot"
    metres: float
    path: list[tuple[float, float]]  # lon, lat
    kode_trayek: str | None = None
    label: str | None = None
    warna: str | None = None
    board_near: str | None = None  # the stop nearest to where the ride starts / ends, when one is close
    alight_near: str | None = None


@dataclass
class Trip:
    legs: list[Leg]
    transfers: int
    transfer_at: tuple[float, float] | None = None  # lon, lat

    @property
    def trayek(self) -> list[str]:
        return [leg.kode_trayek for leg in self.legs if leg.kode_trayek]

    @property
    def walk_m(self) -> float:
        return sum(leg.metres for leg in self.legs if leg.mode == "jalan")

    @property
    def ride_m(self) -> float:
        return sum(leg.metres for leg in self.legs if leg.mode == "angkot")

    @property
    def cost_m(self) -> float:
        return WALK_FACTOR * self.walk_m + self.ride_m + TRANSFER_PENALTY_M * self.transfers

    @property
    def minutes(self) -> int:
        boardings = self.transfers + 1
        return round(self.walk_m / WALK_M_PER_MIN + self.ride_m / RIDE_M_PER_MIN + WAIT_MIN * boardings)


@dataclass
class Plan:
    trips: list[Trip]
    reason: str | None = None  # why there is no trip: "asal", "tujuan", "sambungan"; None when there are trips
    walk_m: float = WALK_M
    direct_m: float = 0.0


@dataclass
class _Route:
    kode: str
    label: str
    warna: str | None
    line: LineString  # UTM, the route's longest part


@dataclass
class Network:
    """What a request needs, computed once per version of the routes and the kelurahan."""

    routes: list[_Route]
    lines: np.ndarray
    transfers: dict[tuple[int, int], np.ndarray]  # rows: along the first, along the second, gap (m)
    city: shapely.Geometry
    stops: shapely.STRtree | None = None  # UTM points of transit_stops, for naming where to board
    stop_names: np.ndarray | None = None


def _longest(geom: shapely.Geometry) -> LineString:
    merged = shapely.line_merge(geom)
    return merged if merged.geom_type == "LineString" else max(merged.geoms, key=lambda g: g.length)


def _transfer_candidates(first: LineString, second: LineString, transfer_m: float) -> np.ndarray:
    """Where one may change from `first` to `second`: rows of (position along first, along second, gap).

    Two routes often share a corridor, so one closest point is not enough (the old code's single
    point could send a rider kilometres past the best place to change): every vertex of either
    line within `transfer_m` of the other, and their crossings, are candidates; the request picks.
    """
    points = [*nearest_points(first, second)]
    crossing = shapely.intersection(first, second)
    points += [g for g in shapely.get_parts(crossing) if g.geom_type == "Point"]
    for line, other in ((first, second), (second, first)):
        vertices = shapely.points(np.asarray(line.coords))
        points += list(vertices[shapely.distance(vertices, other) <= transfer_m])
    rows = []
    for p in points:
        off = first.interpolate(first.project(p))
        on = second.interpolate(second.project(off))
        rows.append((first.project(off), second.project(on), off.distance(on)))
    found = np.unique(np.round(np.array(rows), 1), axis=0)
    return found[found[:, 2] <= transfer_m]


def build_network(routes: gpd.GeoDataFrame, kelurahan: gpd.GeoDataFrame, *,
                  stops: gpd.GeoDataFrame | None = None, transfer_m: float = TRANSFER_M) -> Network:
    """The routes in UTM, where each pair of routes meets (within `transfer_m`), and the city outline."""
    utm = routes.to_crs(UTM)
    built = [_Route(str(r.kode_trayek), route_label(r.operator, r.kode_trayek), r.warna, _longest(r.geometry))
             for r in utm.itertuples()]
    lines = np.array([r.line for r in built], dtype=object)
    transfers = {}
    for i, j in combinations(range(len(built)), 2):
        if lines[i].distance(lines[j]) <= transfer_m:
            found = _transfer_candidates(lines[i], lines[j], transfer_m)
            transfers[(i, j)], transfers[(j, i)] = found, found[:, [1, 0, 2]]
    city = shapely.union_all(np.asarray(kelurahan.to_crs(WGS84).geometry.values))
    shapely.prepare(city)
    if stops is None or not len(stops):
        return Network(built, lines, transfers, city)
    tree = shapely.STRtree(np.asarray(stops.to_crs(UTM).geometry.values))
    return Network(built, lines, transfers, city, tree, stops["nama"].astype(str).to_numpy())


_cache: dict[str, tuple[Any, Network]] = {}
_lock = threading.Lock()


def network_for(engine: Engine) -> Network:
    """The network of the current routes, rebuilt only when a layer's version moved (layers/versions.py)."""
    key = str(engine.url)
    version = layer_versions(engine, INPUT_LAYERS)
    cached = _cache.get(key)
    if cached and cached[0] == version:
        return cached[1]
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == version:
            return cached[1]
        network = build_network(read_layer(engine, "transit_routes"), read_layer(engine, "kelurahan"),
                                stops=read_layer(engine, "transit_stops"))
        _cache[key] = (version, network)
        return network


def parse_point(name: str, raw: str | None) -> tuple[float, float]:
    """`lon,lat` in degrees (as the CLI and the page send it); TripError says what is wrong."""
    text = (raw or "").strip()
    if not text:
        raise TripError(f"{name}: titik belum diisi (klik peta atau cari tempat)")
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts) if len(parts) == 2 else (float("nan"),) * 2
    except ValueError:
        lon = lat = float("nan")
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise TripError(f"{name}: koordinat {text[:40]!r} tidak terbaca; tulis bujur,lintang, "
                        "misalnya 98.6785,3.5896")
    return lon, lat


def _check_in_city(network: Network, name: str, lonlat: tuple[float, float]) -> None:
    if not shapely.contains_xy(network.city, *lonlat):
        raise TripError(f"{name}: titik {lonlat[0]:.5f},{lonlat[1]:.5f} di luar Kota Medan; "
                        "perencana angkot hanya melayani dalam kota")


def _wgs(geom: shapely.Geometry) -> list[tuple[float, float]]:
    xy = np.asarray(geom.coords)
    lon, lat = _TO_WGS.transform(xy[:, 0], xy[:, 1])
    return [(round(float(x), 6), round(float(y), 6)) for x, y in zip(lon, lat, strict=True)]


def _walk(a: Point, b: Point) -> Leg:
    return Leg("jalan", float(a.distance(b)), _wgs(LineString([a, b])))


def _stop_near(network: Network, point: Point) -> str | None:
    if network.stops is None or network.stop_names is None:
        return None
    found, _ = network.stops.query_nearest(point, max_distance=STOP_NAME_M, return_distance=True)
    return str(network.stop_names[found[0]]) if len(found) else None


def _ride(network: Network, route: _Route, a: Point, b: Point) -> Leg:
    start, end = route.line.project(a), route.line.project(b)
    part = substring(route.line, start, end)
    if part.geom_type != "LineString":  # boarding and alighting at the same place
        part = LineString([a, a])
    return Leg("angkot", abs(end - start), _wgs(part), route.kode, route.label, route.warna,
               _stop_near(network, a), _stop_near(network, b))


def _direct(network: Network, i: int, a: Point, b: Point) -> Trip:
    route = network.routes[i]
    board, alight = route.line.interpolate(route.line.project(a)), route.line.interpolate(route.line.project(b))
    return Trip([_walk(a, board), _ride(network, route, board, alight), _walk(alight, b)], 0)


def _best_transfer(network: Network, i: int, j: int, a: Point, b: Point) -> tuple[float, int]:
    """The generalised cost of changing from route i to j at their best meeting place for this trip, and
    which candidate that is (riding plus the weighted transfer walk is least)."""
    candidates = network.transfers[(i, j)]
    from_a, to_b = network.routes[i].line.project(a), network.routes[j].line.project(b)
    cost = (np.abs(candidates[:, 0] - from_a) + np.abs(to_b - candidates[:, 1])
            + WALK_FACTOR * candidates[:, 2])
    best = int(np.argmin(cost))
    return float(cost[best]), best


def _with_transfer(network: Network, i: int, j: int, a: Point, b: Point, candidate: int) -> Trip:
    first, second = network.routes[i], network.routes[j]
    along_first, along_second, _ = network.transfers[(i, j)][candidate]
    off, on = first.line.interpolate(along_first), second.line.interpolate(along_second)
    board, alight = first.line.interpolate(first.line.project(a)), second.line.interpolate(second.line.project(b))
    legs = [_walk(a, board), _ride(network, first, board, off), _walk(off, on), _ride(network, second, on, alight), _walk(alight, b)]
    return Trip(legs, 1, _wgs(off)[0])


def plan(network: Network, origin: tuple[float, float], destination: tuple[float, float], *,
         walk_m: float = WALK_M, limit: int = 5) -> Plan:
    """Trips from origin to destination (lon, lat, both inside Medan), best first, at most `limit`.

    Every option is costed with numbers only; legs are drawn for the `limit` best (drawing all of
    them, up to a few hundred transfer pairs, took most of a request's time).
    """
    _check_in_city(network, "dari", origin)
    _check_in_city(network, "ke", destination)
    a, b = (Point(*_TO_UTM.transform(*p)) for p in (origin, destination))
    if not network.routes:
        return Plan([], "asal", walk_m, a.distance(b))
    dist_a, dist_b = shapely.distance(network.lines, a), shapely.distance(network.lines, b)
    near_a, near_b = set(np.flatnonzero(dist_a <= walk_m)), set(np.flatnonzero(dist_b <= walk_m))
    options = []
    for i in sorted(near_a & near_b):
        line = network.routes[i].line
        cost = WALK_FACTOR * (dist_a[i] + dist_b[i]) + abs(line.project(b) - line.project(a))
        options.append((cost, [network.routes[i].kode], lambda i=i: _direct(network, i, a, b)))
    for i in sorted(near_a - near_b):
        for j in sorted(near_b - near_a):
            if (i, j) not in network.transfers:
                continue
            cost, k = _best_transfer(network, i, j, a, b)
            cost += WALK_FACTOR * (dist_a[i] + dist_b[j]) + TRANSFER_PENALTY_M
            options.append((cost, [network.routes[i].kode, network.routes[j].kode],
                            lambda i=i, j=j, k=k: _with_transfer(network, i, j, a, b, k)))
    options.sort(key=lambda o: (round(o[0], 3), o[1]))
    trips = [build() for _, _, build in options[:limit]]
    reason = None if trips else ("asal" if not near_a else "tujuan" if not near_b else "sambungan")
    return Plan(trips, reason, walk_m, float(a.distance(b)))


def check_walk(raw: str | None) -> float:
    """The walking radius in metres (default 400, 100 to 1500)."""
    if raw is None or raw == "":
        return WALK_M
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    low, high = WALK_LIMITS
    if not (np.isfinite(value) and low <= value <= high):
        raise TripError(f"jalan: jarak jalan kaki {low:.0f} sampai {high:.0f} meter, bukan {raw[:20]!r}")
    return value


def plan_trip(engine: Engine, origin: tuple[float, float], destination: tuple[float, float], *,
              walk_m: float = WALK_M, limit: int = 5) -> Plan:
    """`plan` on the current routes (the network is cached per layer version)."""
    return plan(network_for(engine), origin, destination, walk_m=walk_m, limit=limit)
