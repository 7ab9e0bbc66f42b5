"""Synthetic angkot routes between Medan's real terminals, and their stops."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from geodata.synthetic.common import (
    DEFAULT_SEED,
    UTM,
    WGS84,
    city_union,
    geoframe,
    layer_rng,
    locate,
    numbered,
    prepare_kelurahan,
    to_utm,
    to_wgs,
)

# Real angkot terminals and destinations, labelled as Medan people name them,
# anchored to the kelurahan they sit in.
TERMINALS: tuple[tuple[str, str], ...] = (
    ("Amplas", "Amplas"),
    ("Pinang Baris", "Lalang"),
    ("Belawan", "Belawan I"),
    ("Simalingkar", "Simalingkar B"),
    ("Tuntungan", "Laucih"),
    ("Marelan", "Tanah Enam Ratus"),
    ("Martubung", "Martubung"),
    ("Tembung", "Tembung"),
    ("Padang Bulan", "Padang Bulan"),
    ("Sambu", "Pusat Pasar"),
    ("Kesawan", "Kesawan"),
    ("Petisah", "Petisah Tengah"),
    ("Pulo Brayan", "Pulo Berayan Kota"),
    ("Titi Kuning", "Titi Kuning"),
    ("Polonia", "Polonia"),
    ("Mabar", "Mabar"),
    ("Helvetia", "Helvetia"),
    ("Aksara", "Bantan Timur"),
    ("Pasar Merah", "Pasar Merah Timur"),
    ("Kampung Lalang", "Sunggal"),
    ("Medan Johor", "Gedung Johor"),
    ("Sei Sikambing", "Sei Sikambing B"),
    ("Glugur", "Glugur Darat I"),
    ("Tanjung Mulia", "Tanjung Mulia Hilir"),
)
OPERATORS = ("KPUM", "Rahayu Medan Ceria", "Mars", "Desa Maju", "Medan Bus", "Nasional", "Morina")
VEHICLE_COLOURS = ("kuning", "kuning-hijau", "hijau", "biru", "merah", "oranye", "putih-biru")


def _adjacency(kel: gpd.GeoDataFrame, city: BaseGeometry) -> dict[int, dict[int, float]]:
    """Neighbouring kelurahan whose representative points can be joined without leaving the city."""
    utm = gpd.GeoSeries(to_utm(kel.geometry.values), crs=UTM)
    rep_utm = to_utm(kel["rep"].values)
    grown = utm.buffer(10)  # bridges the simplification gaps between neighbours
    left, right = grown.sindex.query(grown.values, predicate="intersects")
    graph: dict[int, dict[int, float]] = {i: {} for i in range(len(kel))}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        hop = LineString([kel["rep"].iat[i], kel["rep"].iat[j]])
        if city.contains(hop):
            graph[i][j] = graph[j][i] = float(rep_utm[i].distance(rep_utm[j]))
    return graph


def _shortest_path(graph: dict[int, dict[int, float]], start: int, goal: int,
                   jitter: dict[tuple[int, int], float]) -> tuple[list[int], float] | None:
    dist = {start: 0.0}
    prev: dict[int, int] = {}
    queue = [(0.0, start)]
    while queue:
        d, node = heapq.heappop(queue)
        if node == goal:
            break
        if d > dist[node]:
            continue
        for nxt, metres in graph[node].items():
            nd = d + metres * jitter.get((min(node, nxt), max(node, nxt)), 1.0)
            if nd < dist.get(nxt, float("inf")):
                dist[nxt], prev[nxt] = nd, node
                heapq.heappush(queue, (nd, nxt))
    if goal not in dist:
        return None
    path = [goal]
    while path[-1] != start:
        path.append(prev[path[-1]])
    return path[::-1], dist[goal]


def _terminal_rows(kel: gpd.GeoDataFrame) -> list[tuple[str, int]]:
    rows = []
    for label, nama_kel in TERMINALS:
        hits = np.flatnonzero(kel["nama_kel"].to_numpy() == nama_kel)
        if len(hits):
            rows.append((label, int(hits[0])))
    return rows


def _route_candidates(kel: gpd.GeoDataFrame, rng: np.random.Generator,
                      graph: dict[int, dict[int, float]]) -> Iterable[tuple[str, list[int], float]]:
    """Terminal pairs in a seeded order, each with a slightly perturbed shortest path."""
    terminals = _terminal_rows(kel)
    pairs = [(a, b) for k, a in enumerate(terminals) for b in terminals[k + 1:]]
    edges = sorted({(min(i, j), max(i, j)) for i in graph for j in graph[i]})
    for idx in rng.permutation(len(pairs)):
        (label_a, a), (label_b, b) = pairs[idx]
        # Angkot do not take the geometric shortest path; the jitter varies the streets.
        factors = rng.uniform(1.0, 1.6, size=len(edges))
        found = _shortest_path(graph, a, b, dict(zip(edges, factors, strict=True)))
        if found is not None:
            path, _ = found
            yield f"{label_a} – {label_b}", path, _path_metres(kel, path)


def _path_metres(kel: gpd.GeoDataFrame, path: list[int]) -> float:
    return float(to_utm(LineString(kel["rep"].values[path])).length)


def generate_transit_routes(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                            n: int = 25, min_km: float = 8.0, max_km: float = 25.0,
                            **context) -> gpd.GeoDataFrame:
    """~25 synthetic angkot routes between real terminals, along chains of kelurahan."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "transit_routes")
    graph = _adjacency(kel, city_union(kel))
    codes = sorted(rng.choice(np.arange(1, 139), size=n, replace=False).tolist())
    records, geoms, used = [], [], set()
    for name, path, metres in _route_candidates(kel, rng, graph):
        if len(records) == n:
            break
        if not min_km * 1000 <= metres <= max_km * 1000 or name in used:
            continue
        used.add(name)
        records.append({
            "kode_trayek": str(codes[len(records)]),
            "nama": name,
            "operator": OPERATORS[int(rng.integers(len(OPERATORS)))],
            "warna": VEHICLE_COLOURS[int(rng.integers(len(VEHICLE_COLOURS)))],
            "panjang_km": round(metres / 1000, 2),
        })
        geoms.append(MultiLineString([LineString(kel["rep"].values[path])]))
    return geoframe(records, geoms, ["kode_trayek", "nama", "operator", "warna", "panjang_km"])


def routes_utm(routes: gpd.GeoDataFrame) -> list[BaseGeometry]:
    routes = routes.set_crs(WGS84) if routes.crs is None else routes.to_crs(WGS84)
    return list(to_utm(routes.geometry.values))


def _stop_points(route_lines: list[BaseGeometry], rng: np.random.Generator,
                 merge_m: float) -> list[Point]:
    """Points every 400–600 m along each route, reusing a stop another route already has."""
    stops: list[Point] = []
    for line in route_lines:
        merged = shapely.line_merge(line)
        parts = merged.geoms if hasattr(merged, "geoms") else [merged]
        for part in parts:
            at = 0.0
            while at <= part.length:
                candidate = part.interpolate(at)
                near = [s for s in stops if s.distance(candidate) < merge_m]
                if not any(line.distance(s) <= 30 for s in near):
                    stops.append(candidate)
                at += float(rng.uniform(400, 600))
    return stops


def _natural_key(code: str) -> tuple[int, str]:
    digits = re.match(r"\d+", code)
    return (int(digits.group()) if digits else 10**9, code)


def generate_transit_stops(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                           routes: gpd.GeoDataFrame | None = None,
                           **context) -> gpd.GeoDataFrame:
    """Boarding points and shelters along the (synthetic) routes, about every 500 m."""
    kel = prepare_kelurahan(kelurahan)
    if routes is None:
        routes = generate_transit_routes(kelurahan, seed=seed)
    rng = layer_rng(seed, "transit_stops")
    lines = routes_utm(routes)
    codes = routes["kode_trayek"].astype(str).tolist()
    stops_utm = _stop_points(lines, rng, merge_m=150.0)
    stops = list(to_wgs(np.asarray(stops_utm, dtype=object)))
    where = locate(stops, kel)
    records = []
    names = numbered(kel["nama_kel"].iat[i] for i in where)
    for k, (stop, name) in enumerate(zip(stops_utm, names, strict=True)):
        serving = sorted((c for c, line in zip(codes, lines, strict=True)
                          if line.distance(stop) <= 30), key=_natural_key)
        # Shelters are built where several routes meet.
        p_halte = min(0.5, 0.1 + 0.15 * (len(serving) - 1))
        records.append({
            "kode_halte": f"HLT-{k + 1:04d}",
            "nama": name,
            "jenis": "halte" if rng.random() < p_halte else "titik_naik",
            "trayek": ",".join(serving),
        })
    return geoframe(records, stops, ["kode_halte", "nama", "jenis", "trayek"])
