"""A driving route from A to B that avoids the intersections the ATCS detectors report congested.

`route(bind, a, b)` answers two paths on the OSM street graph (services/routing/graph.py):
- the usual route: the fastest at free-flow speeds, as if the city were empty;
- the suggested route: travel times weighted by the `traffic_congestion` layer as it is
  now (devices/traffic.py refreshes it from the detectors' telemetry every poll cycle; it is
  read at each request, so a route follows the congestion as it changes; a level older
  than `max_age_min` is not used, the detectors having stopped). Entering a
  congested junction costs the time to clear its queue (routing.yaml); with
  `avoid_congestion`, a junction at an avoided level ("macet") is not entered at all while
  another way exists, and when none does the weighted route goes through it and says so.
Both are timed under the current congestion, so a citizen sees what the detour saves.

Everything is checked before any path is searched: A and B inside Kota Medan, near a
drivable street, streets loaded (`RoutingError`s with a status and a Bahasa Indonesia
message). Flask-free: the web, the CLI and the benchmark call the same function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
from shapely.ops import substring
from sqlalchemy import Connection, text

from layers.access import Principal, can_read
from layers.registry import get_registry
from layers.tables import Bind, reading
from services.errors import Conflict, NotFound, ServiceError
from services.routing import queries
from services.routing.graph import ROADS, load_config

START, END = -1, -2  # pgRouting's ids for the two points (pid 1 and 2)
SAME_POINT_M = 10.0
WINDOW_MARGIN_M = 1500.0
CONGESTION = "traffic_congestion"


class RoutingError(ServiceError):
    """A route request refused (400): the message says what was wrong, in Bahasa Indonesia."""

    code = "InvalidRoute"


class NoStreets(Conflict):
    code = "NoStreets"


class NoRoute(NotFound):
    code = "NoRoute"


@dataclass(frozen=True)
class Congested:
    """An intersection of the congestion layer, on the graph's vertex nearest it."""

    kode: str
    nama: str
    level: str
    queue_avg_m: float | None
    lon: float
    lat: float
    vertex: int
    delay_s: float

    def as_json(self) -> dict[str, Any]:
        return {"kode": self.kode, "nama": self.nama, "tingkat": self.level, "antrean_m": self.queue_avg_m,
                "tundaan_s": round(self.delay_s), "lon": round(self.lon, 6), "lat": round(self.lat, 6)}


@dataclass(frozen=True)
class Path:
    coordinates: list[tuple[float, float]]
    distance_m: float
    free_flow_s: float
    vertices: tuple[int, ...]
    streets: list[dict[str, Any]]
    congested: list[Congested] = field(default_factory=list)

    @property
    def delay_s(self) -> float:
        return sum(c.delay_s for c in self.congested)

    @property
    def time_s(self) -> float:
        return self.free_flow_s + self.delay_s

    def as_json(self) -> dict[str, Any]:
        return {"jarak_m": round(self.distance_m), "waktu_s": round(self.time_s),
                "waktu_lancar_s": round(self.free_flow_s), "tundaan_s": round(self.delay_s),
                "jalan": self.streets, "simpang_padat": [c.as_json() for c in self.congested]}


@dataclass(frozen=True)
class Route:
    suggested: Path
    usual: Path
    avoided: list[Congested]
    unavoidable: list[Congested]
    avoid_congestion: bool
    congestion_updated: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"hindari_kemacetan": self.avoid_congestion,
                "kemacetan_diperbarui": self.congestion_updated.isoformat() if self.congestion_updated else None,
                "rute": self.suggested.as_json(), "rute_biasa": self.usual.as_json(),
                "dihindari": [c.as_json() for c in self.avoided],
                "tidak_terhindarkan": [c.as_json() for c in self.unavoidable]}


def route(bind: Bind, a: tuple[float, float], b: tuple[float, float], *, avoid_congestion: bool = True,
          principal: Principal | None = None) -> Route:
    """The suggested and the usual driving route from `a` to `b` ((lon, lat) in WGS 84)."""
    registry = get_registry()
    if principal is not None and not can_read(registry.get(ROADS), principal):
        raise NoStreets("Peta jalan belum dimuat.")
    use_congestion = principal is None or can_read(registry.get(CONGESTION), principal)
    config = load_config()
    with reading(bind) as conn, conn.begin_nested() if conn.in_transaction() else conn.begin():
        _check_graph(conn)
        start, end = (_join_street(conn, point, which, config.snap_m) for point, which in ((a, "awal"), (b, "tujuan")))
        if _metres(start["at"], end["at"]) < SAME_POINT_M:
            raise RoutingError("Titik awal dan tujuan sama; pilih tujuan lain.")
        conn.execute(text(queries.SCRATCH))
        for pid, joined in ((1, start), (2, end)):
            conn.execute(text(queries.ADD_POINT), {"pid": pid, "edge": joined["edge"], "fraction": joined["fraction"]})
        congested = _congested(conn, config.congestion) if use_congestion else {}
        usual = _with_delays(conn, start, end, a, b, congested, {}, set())
        suggested, unavoidable = usual, []
        if avoid_congestion and congested:
            blocked = {v for v, c in congested.items() if c.level in config.congestion["avoid_levels"]}
            try:
                suggested = _with_delays(conn, start, end, a, b, congested, congested, blocked)
            except NoRoute:  # no way round: the weighted route, through the congestion
                suggested = _with_delays(conn, start, end, a, b, congested, congested, set())
            unavoidable = [c for c in suggested.congested if c.vertex in blocked]
        latest = conn.execute(text(queries.LATEST_CONGESTION)).scalar() if use_congestion else None
    passed = {c.vertex for c in suggested.congested}
    avoided = [c for c in usual.congested if c.vertex not in passed] if avoid_congestion else []
    return Route(suggested=suggested, usual=usual, avoided=avoided, unavoidable=unavoidable,
                 avoid_congestion=avoid_congestion, congestion_updated=latest)


def parse_point(value: str | None, which: str) -> tuple[float, float]:
    """'lon,lat' from a request; RoutingError naming the parameter when it is not one."""
    try:
        lon, lat = (float(part) for part in (value or "").split(","))
    except ValueError:
        raise RoutingError(f"{which}: tulis sebagai bujur,lintang (contoh 98.6785,3.5852).") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise RoutingError(f"{which}: bujur atau lintang di luar jangkauan.")
    return lon, lat


def _check_graph(conn: Connection) -> None:
    size = conn.execute(text(queries.GRAPH_SIZE)).one()
    if not size.roads:
        raise NoStreets("Peta jalan belum dimuat: rute berkendara belum tersedia.")
    if not size.edges:
        raise NoStreets("Peta jalan belum dimuat ke graf rute (python -m webgis basemap graph).")


def _join_street(conn: Connection, point: tuple[float, float], which: str, snap_m: float) -> dict[str, Any]:
    lon, lat = point
    if not conn.execute(text(queries.IN_CITY), {"lon": lon, "lat": lat}).scalar():
        raise RoutingError(f"Titik {which} di luar Kota Medan.")
    edge = conn.execute(text(queries.NEAREST_EDGE), {"lon": lon, "lat": lat}).mappings().first()
    if edge is None or edge["distance_m"] > snap_m:
        raise RoutingError(f"Titik {which} terlalu jauh dari jalan yang dapat dilalui mobil "
                           f"(lebih dari {snap_m:.0f} m); pilih titik di dekat jalan.")
    return {"edge": int(edge["id"]), "fraction": float(edge["fraction"]), "at": point,
            "distance_m": float(edge["distance_m"])}


def _congested(conn: Connection, config: dict[str, Any]) -> dict[int, Congested]:
    """Congested intersections on the graph, by vertex, with their delay (seconds)."""
    rows = conn.execute(text(queries.CONGESTED_VERTICES), {
        "levels": list(config["delay_levels"]), "snap_m": float(config["snap_m"]),
        "max_age_min": int(config["max_age_min"]),
        "snap_deg": float(config["snap_m"]) / queries.METRES_PER_DEGREE * 1.01}).mappings().all()
    out: dict[int, Congested] = {}
    for r in rows:
        queue = None if r["queue_avg_m"] is None else float(r["queue_avg_m"])
        delay = (queue or 0.0) / float(config["jam_spacing_m"]) / float(config["discharge_veh_per_s"])
        found = Congested(kode=r["kode"], nama=r["nama"], level=r["level"], queue_avg_m=queue, lon=float(r["lon"]),
                          lat=float(r["lat"]), vertex=int(r["vertex"]), delay_s=delay)
        if found.vertex not in out or out[found.vertex].delay_s < delay:  # two controllers, one junction
            out[found.vertex] = found
    return out


def _with_delays(conn: Connection, start: dict, end: dict, a: tuple[float, float], b: tuple[float, float],
                 congested: dict[int, Congested], delays: dict[int, Congested], blocked: set[int]) -> Path:
    """The fastest path with these delays and blocked vertices: near A and B first, else on the whole graph."""
    conn.execute(text(queries.CLEAR_DELAYS))
    for vertex, c in delays.items():
        conn.execute(text(queries.ADD_DELAY), {"vertex": vertex, "delay_s": c.delay_s, "blocked": vertex in blocked})
    margin = max(WINDOW_MARGIN_M, _metres(a, b) / 2) / queries.METRES_PER_DEGREE
    for whole in (False, True):
        conn.execute(text(queries.SET_WINDOW), {
            "whole": whole, "xmin": min(a[0], b[0]), "ymin": min(a[1], b[1]), "xmax": max(a[0], b[0]),
            "ymax": max(a[1], b[1]), "margin_deg": margin})
        rows = conn.execute(text(queries.SHORTEST_PATH), {
            "edges_sql": queries.EDGES_SQL if delays else queries.FREE_EDGES_SQL,
            "points_sql": queries.POINTS_SQL}).mappings().all()
        if rows:
            return _path(rows, start, end, congested)
    raise NoRoute("Tidak ada jalan yang menghubungkan titik awal dan tujuan.")


def _path(rows: list, start: dict, end: dict, congested: dict[int, Congested]) -> Path:
    coordinates: list[tuple[float, float]] = []
    distance = free_flow = 0.0
    streets: list[dict[str, Any]] = []
    for r in rows:
        f0, f1 = (_fraction(node, r, start, end) for node in (r["node"], r["next_node"]))
        piece = substring(shapely.from_wkb(bytes(r["wkb"])), f0, f1, normalized=True)
        share = abs(f1 - f0)
        distance += r["length_m"] * share
        free_flow += r["free_flow_s"] * share
        points = [tuple(c) for c in shapely.get_coordinates(piece)]
        coordinates.extend(points[1:] if coordinates and points and points[0] == coordinates[-1] else points)
        name = r["nama"] or None
        if streets and streets[-1]["nama"] == name:
            streets[-1]["jarak_m"] += r["length_m"] * share
        else:
            streets.append({"nama": name, "jarak_m": r["length_m"] * share})
    for s in streets:
        s["jarak_m"] = round(s["jarak_m"])
    vertices = tuple(int(r["next_node"]) for r in rows if r["next_node"] is not None and r["next_node"] > 0)
    return Path(coordinates=coordinates, distance_m=distance, free_flow_s=free_flow, vertices=vertices,
                streets=[s for s in streets if s["jarak_m"] > 0],
                congested=[congested[v] for v in vertices if v in congested])


def _fraction(node: int, row: Any, start: dict, end: dict) -> float:
    """Where along the edge (0 at its source, 1 at its target) the path is at `node`."""
    if node == START:
        return start["fraction"]
    if node == END:
        return end["fraction"]
    return 0.0 if node == row["source"] else 1.0


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine), enough to compare points and size a search window."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))
