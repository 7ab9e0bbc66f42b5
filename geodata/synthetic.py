"""Deterministic, clearly synthetic data for the layers that have no real source yet.

Every generator is a pure function of the real kelurahan polygons and a seed:
the same input always gives the same output, so a reseed never churns the
history tables. Geometry is built in EPSG:4326 (what is stored) and measured in
UTM 47N (EPSG:32647), so metres and kilometres are real metres.

`disaster_risk_zones` is not invented: it is derived from the BIG RBI rivers and
the BNPB DIBI flood records in `geodata/data/`. `food_insecurity` uses the real
distance to the nearest Kemenkes health facility; its other indicators are made up.
"""

from __future__ import annotations

import heapq
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

DATA_DIR = Path(__file__).resolve().parent / "data"
RIVERS_FILE = DATA_DIR / "medan_sungai_rbi.geojson"
FLOOD_EVENTS_FILE = DATA_DIR / "medan_kejadian_bencana_bnpb_2020_2024.csv"
FASKES_FILE = DATA_DIR / "medan_faskes_kemenkes2019.geojson"

DEFAULT_SEED = 20261130
WGS84 = "EPSG:4326"
UTM = "EPSG:32647"

# Modbus addressing shared with the device simulator: device i of a kind answers on
# port BASE + i // 247 with unit id i % 247 + 1 (247 is the largest Modbus unit id).
MODBUS_HOST = "127.0.0.1"
MODBUS_UNITS_PER_PORT = 247
CCTV_PORT_BASE = 15020
ATCS_PORT_BASE = 15021
STREET_LIGHT_PORT_BASE = 15022
# Street lights take 15022.. (3 ports for the seed's 600); offices start well clear of them.
ATTENDANCE_PORT_BASE = 15030

# The old town and commercial core, where cameras and signals cluster.
CENTRAL_KECAMATAN = frozenset(
    {"Medan Kota", "Medan Petisah", "Medan Baru", "Medan Maimun", "Medan Timur"}
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

Generator = Callable[..., gpd.GeoDataFrame]


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, layer: str) -> np.random.Generator:
    # A per-layer stream, so that e.g. CCTV and ATCS do not land on the same spots.
    return np.random.default_rng([seed, zlib.crc32(layer.encode())])


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _project(geoms: BaseGeometry | Sequence[BaseGeometry], src: str, dst: str):
    tr = _transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _to_utm(geoms):
    return _project(geoms, WGS84, UTM)


def _to_wgs(geoms):
    return _project(geoms, UTM, WGS84)


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def _prepare(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Kelurahan in EPSG:4326, ordered by code so that input row order cannot matter."""
    kel = kelurahan[["kode_kel", "nama_kel", "kode_kec", "nama_kec", "geometry"]].copy()
    kel = kel.set_crs(WGS84) if kel.crs is None else kel.to_crs(WGS84)
    kel = kel.sort_values("kode_kel").reset_index(drop=True)
    kel["rep"] = kel.geometry.representative_point()
    return kel


def _city(kel: gpd.GeoDataFrame) -> BaseGeometry:
    city = shapely.union_all(kel.geometry.values)
    shapely.prepare(city)
    return city


def _frame(records: list[dict], geometry: list[BaseGeometry], columns: list[str]) -> gpd.GeoDataFrame:
    df = pd.DataFrame.from_records(records, columns=columns)
    return gpd.GeoDataFrame(df, geometry=list(geometry), crs=WGS84)


def _random_dates(rng: np.random.Generator, n: int, start: date, end: date) -> list[date]:
    days = rng.integers(0, (end - start).days + 1, size=n)
    return [start + timedelta(days=int(d)) for d in days]


def _locate(points: Sequence[Point], kel: gpd.GeoDataFrame) -> np.ndarray:
    """Row index in `kel` of the kelurahan holding each point (nearest if on a seam)."""
    tree = shapely.STRtree(kel.geometry.values)
    pts = np.asarray(points, dtype=object)
    out = np.full(len(pts), -1, dtype=int)
    hit_pt, hit_poly = tree.query(pts, predicate="within")
    out[hit_pt[::-1]] = hit_poly[::-1]  # the first hit wins
    missing = np.flatnonzero(out < 0)
    if len(missing):
        out[missing] = tree.nearest(pts[missing])
    return out


def _numbered(labels: Iterable[str]) -> list[str]:
    """'<label> <n>', counting each label separately, so names are unique in a layer."""
    seen: dict[str, int] = {}
    names = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        names.append(f"{label} {seen[label]}")
    return names


# --------------------------------------------------------------------------- routes


def _adjacency(kel: gpd.GeoDataFrame, city: BaseGeometry) -> dict[int, dict[int, float]]:
    """Neighbouring kelurahan whose representative points can be joined without leaving the city."""
    utm = gpd.GeoSeries(_to_utm(kel.geometry.values), crs=UTM)
    rep_utm = _to_utm(kel["rep"].values)
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
    return float(_to_utm(LineString(kel["rep"].values[path])).length)


def generate_transit_routes(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                            n: int = 25, min_km: float = 8.0, max_km: float = 25.0,
                            **context) -> gpd.GeoDataFrame:
    """~25 synthetic angkot routes between real terminals, along chains of kelurahan."""
    kel = _prepare(kelurahan)
    rng = _rng(seed, "transit_routes")
    graph = _adjacency(kel, _city(kel))
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
    return _frame(records, geoms, ["kode_trayek", "nama", "operator", "warna", "panjang_km"])


# --------------------------------------------------------------------------- stops


def _routes_utm(routes: gpd.GeoDataFrame) -> list[BaseGeometry]:
    routes = routes.set_crs(WGS84) if routes.crs is None else routes.to_crs(WGS84)
    return list(_to_utm(routes.geometry.values))


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
    kel = _prepare(kelurahan)
    if routes is None:
        routes = generate_transit_routes(kelurahan, seed=seed)
    rng = _rng(seed, "transit_stops")
    lines = _routes_utm(routes)
    codes = routes["kode_trayek"].astype(str).tolist()
    stops_utm = _stop_points(lines, rng, merge_m=150.0)
    stops = list(_to_wgs(np.asarray(stops_utm, dtype=object)))
    where = _locate(stops, kel)
    records = []
    names = _numbered(kel["nama_kel"].iat[i] for i in where)
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
    return _frame(records, stops, ["kode_halte", "nama", "jenis", "trayek"])


# --------------------------------------------------------------------------- flood risk


_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}
_ALIASES = {"tj": "tanjung", "s": "sei", "sikambing": "kambing", "ds": ""}


def _words(text: str) -> list[str]:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    words = [_ALIASES.get(w, w) for w in words]
    return [_ROMAN.get(w, w) for w in words if w]


def _key(words: list[str]) -> str:
    return "".join(words)


def _strip_medan(words: list[str]) -> list[str]:
    return words[1:] if len(words) > 1 and words[0] == "medan" else words


def _parse_lokasi(text: str) -> list[tuple[str | None, str]]:
    """(kecamatan text, kelurahan text) pairs from a DIBI `Lokasi` string.

    The field is free text: 'Kec. A Kel. B Kel. C Kec. D ...', with 'Ds.' for
    'Kel.', missing dots, commas or dashes between pieces, and any case.
    """
    pieces = re.split(r"\b(kec|kel|ds|desa)\b\.?", text, flags=re.IGNORECASE)
    pairs, kec = [], None
    for marker, content in zip(pieces[1::2], pieces[2::2], strict=True):
        content = content.strip(" \t-,.;:")
        if not content:
            continue
        if marker.lower() == "kec":
            kec = content
        else:
            pairs.append((kec, content))
    return pairs


class _KelurahanIndex:
    """Tolerant lookup of kelurahan names as written by hand in the BNPB records."""

    def __init__(self, kel: pd.DataFrame):
        self.kel = kel
        self.kec_keys = {_key(_strip_medan(_words(k))): k for k in kel["nama_kec"].unique()}
        self.keys: list[tuple[str, str, str, int]] = []  # key, base, kecamatan, row
        for row, (nama, kec) in enumerate(zip(kel["nama_kel"], kel["nama_kec"], strict=True)):
            words = _words(nama)
            variants = {_key(words)}
            # 'Belawan Bahari' is written 'Bahari' inside Kec. Medan Belawan.
            if len(words) > 1 and words[0] == _words(kec)[-1]:
                variants.add(_key(words[1:]))
            base = _key([w for w in words if w not in _ROMAN.values()])
            self.keys += [(v, base, kec, row) for v in variants]

    def kecamatan(self, text: str | None) -> str | None:
        if text is None:
            return None
        q = _key(_strip_medan(_words(text)))
        best = max(self.kec_keys, key=lambda k: SequenceMatcher(None, q, k).ratio())
        return self.kec_keys[best] if SequenceMatcher(None, q, best).ratio() >= 0.8 else None

    def match(self, kec_text: str | None, kel_text: str) -> set[int]:
        q_words = _words(kel_text)
        queries = {_key(q_words), _key(_strip_medan(q_words))} - {""}
        kec = self.kecamatan(kec_text)
        # A wrong or missing kecamatan is common; fall back to the whole city, more strictly.
        scopes = [(kec, 0.8), (None, 0.88)] if kec else [(None, 0.88)]
        for scope, threshold in scopes:
            cands = [k for k in self.keys if scope is None or k[2] == scope]
            rows = self._match_in(cands, queries, threshold)
            if rows:
                return rows
        return set()

    @staticmethod
    def _match_in(cands: list[tuple[str, str, str, int]], queries: set[str],
                  threshold: float) -> set[int]:
        exact = {row for key, _, _, row in cands if key in queries}
        # 'Harjosari' names both Harjosari I and Harjosari II.
        exact = exact or {row for _, base, _, row in cands if base in queries}
        if exact or not cands or not queries:
            return exact
        scored = [(max(SequenceMatcher(None, q, key).ratio() for q in queries), row)
                  for key, _, _, row in cands]
        best, row = max(scored)
        return {row} if best >= threshold else set()


def count_flood_events(kelurahan: gpd.GeoDataFrame | pd.DataFrame,
                       events: pd.DataFrame) -> pd.Series:
    """Number of distinct flood records whose `Lokasi` names each kelurahan, by kode_kel."""
    kel = kelurahan.sort_values("kode_kel").reset_index(drop=True)
    index = _KelurahanIndex(kel)
    floods = events[events["Kejadian"].astype(str).str.upper().str.contains("BANJIR")]
    counts = np.zeros(len(kel), dtype=int)
    for lokasi in floods["Lokasi"].dropna().astype(str):
        rows: set[int] = set()
        for kec_text, kel_text in _parse_lokasi(lokasi):
            rows |= index.match(kec_text, kel_text)
        counts[sorted(rows)] += 1
    return pd.Series(counts, index=kel["kode_kel"].to_numpy(), name="kejadian_banjir")


def _river_share(kel: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, buffer_m: float) -> np.ndarray:
    rivers = rivers.set_crs(WGS84) if rivers.crs is None else rivers
    near = shapely.union_all(rivers.to_crs(UTM).geometry.values).buffer(buffer_m)
    polys = _to_utm(kel.geometry.values)
    return shapely.area(shapely.intersection(polys, near)) / shapely.area(polys)


def risk_class(skor: float) -> str:
    """Break the risk score into the declared classes."""
    return "rendah" if skor < 0.33 else "sedang" if skor < 0.66 else "tinggi"


def generate_disaster_risk_zones(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                 rivers: gpd.GeoDataFrame | None = None,
                                 events: pd.DataFrame | None = None,
                                 **context) -> gpd.GeoDataFrame:
    """Flood risk per kelurahan from river proximity (BIG RBI) and BNPB flood records.

    skor = 0.5 · share of the area within 300 m of a river
         + 0.5 · log(1 + events) / log(1 + 10), the event term capped at 1.
    Nothing here is random; `seed` is accepted for a uniform generator interface.
    """
    kel = _prepare(kelurahan)
    rivers = gpd.read_file(RIVERS_FILE) if rivers is None else rivers
    events = pd.read_csv(FLOOD_EVENTS_FILE) if events is None else events
    share = _river_share(kel, rivers, buffer_m=300.0)
    counts = count_flood_events(kel, events).to_numpy()
    event_term = np.minimum(1.0, np.log1p(counts) / np.log1p(10))
    skor = np.round(np.clip(0.5 * share + 0.5 * event_term, 0.0, 1.0), 3)
    records = [{
        "kode_kel": kode, "nama_kel": nama, "bahaya": "banjir",
        "kelas": risk_class(float(s)), "skor": float(s), "kejadian_banjir": int(c),
    } for kode, nama, s, c in zip(kel["kode_kel"], kel["nama_kel"], skor, counts, strict=True)]
    geoms = [_as_multipolygon(g) for g in kel.geometry]
    columns = ["kode_kel", "nama_kel", "bahaya", "kelas", "skor", "kejadian_banjir"]
    return _frame(records, geoms, columns)


# --------------------------------------------------------------------------- food insecurity


def _nearest_km(origins: np.ndarray, targets: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(targets)
    _, dist = tree.query_nearest(origins, return_distance=True, all_matches=False)
    return dist / 1000.0


def _market_points(kel: gpd.GeoDataFrame, rep_utm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The kelurahan named after a pasar, plus one made-up market per kecamatan."""
    named = kel["nama_kel"].str.contains("Pasar", case=False).to_numpy()
    rows = set(np.flatnonzero(named).tolist())
    for _, group in kel.groupby("kode_kec", sort=True):
        rows.add(int(rng.choice(group.index.to_numpy())))
    return rep_utm[sorted(rows)]


def _minmax(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min()
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)


def _food_indicators(kel: gpd.GeoDataFrame, faskes: gpd.GeoDataFrame,
                     rng: np.random.Generator) -> dict[str, np.ndarray]:
    rep_utm = np.asarray(_to_utm(kel["rep"].values), dtype=object)
    faskes = faskes.set_crs(WGS84) if faskes.crs is None else faskes
    faskes_utm = np.asarray(faskes.to_crs(UTM).geometry.values, dtype=object)
    xy = shapely.get_coordinates(rep_utm)
    centre = xy.mean(axis=0)
    # Poverty in Medan rises towards the port and fishing areas of the north.
    north = _minmax(xy[:, 1])
    remote = _minmax(np.hypot(*(xy - centre).T))
    miskin = np.clip(3 + 11 * north + 4 * remote + rng.normal(0, 2.0, len(xy)), 2, 20)
    air = np.clip(2 + 1.3 * miskin + rng.normal(0, 4.0, len(xy)), 0.5, 60)
    pasar = _nearest_km(rep_utm, _market_points(kel, rep_utm, rng)) + rng.uniform(0.2, 0.8, len(xy))
    return {
        "persen_miskin": np.round(miskin, 1),
        "jarak_pasar_km": np.round(pasar, 2),
        "jarak_faskes_km": np.round(_nearest_km(rep_utm, faskes_utm), 2),
        "persen_tanpa_air_bersih": np.round(air, 1),
    }


def generate_food_insecurity(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                             faskes: gpd.GeoDataFrame | None = None,
                             **context) -> gpd.GeoDataFrame:
    """FSVA-style composite per kelurahan; priority 1 is the most food-insecure sixth."""
    kel = _prepare(kelurahan)
    faskes = gpd.read_file(FASKES_FILE) if faskes is None else faskes
    ind = _food_indicators(kel, faskes, _rng(seed, "food_insecurity"))
    weights = {"persen_miskin": 0.35, "jarak_pasar_km": 0.2,
               "jarak_faskes_km": 0.2, "persen_tanpa_air_bersih": 0.25}
    indeks = np.round(sum(w * _minmax(ind[k]) for k, w in weights.items()), 3)
    breaks = np.quantile(indeks, [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6])
    prioritas = 6 - np.searchsorted(breaks, indeks, side="right")
    df = pd.DataFrame({"kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], **ind,
                       "indeks": indeks, "prioritas": prioritas.astype(int)})
    geoms = [_as_multipolygon(g) for g in kel.geometry]
    return _frame(df.to_dict("records"), geoms, list(df.columns))


# --------------------------------------------------------------------------- devices


def _sample_in_kelurahan(kel: gpd.GeoDataFrame, rng: np.random.Generator, n: int,
                         central_weight: float, min_gap_m: float = 0.0) -> list[Point]:
    """n points inside kelurahan chosen by sqrt(area), favouring the central kecamatan."""
    area = shapely.area(_to_utm(kel.geometry.values))
    central = kel["nama_kec"].isin(CENTRAL_KECAMATAN).to_numpy()
    weights = np.sqrt(area) * np.where(central, central_weight, 1.0)
    rows = rng.choice(len(kel), size=n, p=weights / weights.sum())
    points: list[Point] = []
    placed = np.empty((0, 2))
    for row in rows:
        poly = kel.geometry.iat[row]
        point = kel["rep"].iat[row]  # if sampling keeps failing, a point surely inside
        minx, miny, maxx, maxy = poly.bounds
        for attempt in range(200):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not shapely.contains_xy(poly, x, y):
                continue
            here = np.asarray(_transformer(WGS84, UTM).transform(x, y))
            # Keep devices of one kind apart (distinct intersections); relax if the kelurahan is full.
            if attempt < 100 and len(placed) and np.hypot(*(placed - here).T).min() < min_gap_m:
                continue
            point = Point(x, y)
            break
        points.append(point)
        placed = np.vstack([placed, _transformer(WGS84, UTM).transform(point.x, point.y)])
    return points


def _device_frame(kel: gpd.GeoDataFrame, points: list[Point], labels: list[str],
                  rng: np.random.Generator, kind: str, model: str,
                  port_base: int, poll_s: float) -> gpd.GeoDataFrame:
    where = _locate(points, kel)
    names = _numbered(f"{label} {kel['nama_kel'].iat[i]}" for label, i in zip(labels, where, strict=True))
    installed = _random_dates(rng, len(points), date(2017, 1, 1), date(2025, 12, 31))
    inactive = rng.random(len(points)) < 0.04
    width = 3 if kind == "ATCS" else 4
    records = [{
        "kode": f"{kind}-{i + 1:0{width}d}",
        "nama": names[i],
        "model": model,
        "status": "nonaktif" if inactive[i] else "aktif",
        "dipasang": installed[i],
        "modbus_host": MODBUS_HOST,
        "modbus_port": modbus_port(port_base, i),
        "modbus_unit": modbus_unit(i),
        "poll_interval_s": poll_s,
    } for i in range(len(points))]
    columns = ["kode", "nama", "model", "status", "dipasang", "modbus_host",
               "modbus_port", "modbus_unit", "poll_interval_s"]
    return _frame(records, points, columns)


def modbus_port(port_base: int, index: int) -> int:
    """TCP port of the index-th device (0-based) of a kind whose first port is port_base."""
    return port_base + index // MODBUS_UNITS_PER_PORT


def modbus_unit(index: int) -> int:
    """Modbus unit id (1..247) of the index-th device (0-based) of a kind."""
    return index % MODBUS_UNITS_PER_PORT + 1


def generate_cctv(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 120,
                  **context) -> gpd.GeoDataFrame:
    """City CCTV cameras, mostly at intersections, denser in the centre."""
    kel = _prepare(kelurahan)
    rng = _rng(seed, "cctv")
    points = _sample_in_kelurahan(kel, rng, n, central_weight=4.0, min_gap_m=150.0)
    labels = rng.choice(["Simpang", "Jalan", "Taman"], size=n, p=[0.6, 0.3, 0.1]).tolist()
    return _device_frame(kel, points, labels, rng, "CCTV", "cctv_ipcam_v1", CCTV_PORT_BASE, 5.0)


def generate_atcs_intersections(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                n: int = 60, **context) -> gpd.GeoDataFrame:
    """Signalised intersections with ATCS controllers, denser in the centre."""
    kel = _prepare(kelurahan)
    rng = _rng(seed, "atcs_intersections")
    points = _sample_in_kelurahan(kel, rng, n, central_weight=4.0, min_gap_m=400.0)
    return _device_frame(kel, points, ["Simpang"] * n, rng, "ATCS", "atcs_controller_v1",
                         ATCS_PORT_BASE, 1.0)


def _points_on_routes(routes: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> list[Point]:
    lines = [shapely.line_merge(g) for g in _routes_utm(routes)]
    lengths = np.array([line.length for line in lines])
    picks = rng.choice(len(lines), size=n, p=lengths / lengths.sum())
    at = rng.uniform(0, 1, size=n)
    on_line = [lines[r].interpolate(float(f), normalized=True) for r, f in zip(picks, at, strict=True)]
    return list(_to_wgs(np.asarray(on_line, dtype=object)))


def generate_street_lights(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 600,
                           routes: gpd.GeoDataFrame | None = None,
                           **context) -> gpd.GeoDataFrame:
    """Solar street lights: about 60 % along the angkot routes, the rest in neighbourhoods."""
    kel = _prepare(kelurahan)
    if routes is None:
        routes = generate_transit_routes(kelurahan, seed=seed)
    rng = _rng(seed, "street_lights")
    on_routes = int(round(n * 0.6)) if len(routes) else 0
    points = _points_on_routes(routes, rng, on_routes) if on_routes else []
    points += _sample_in_kelurahan(kel, rng, n - on_routes, central_weight=2.0)
    labels = ["Jalan"] * on_routes + rng.choice(["Gang", "Taman"], size=n - on_routes,
                                                p=[0.85, 0.15]).tolist()
    return _device_frame(kel, points, labels, rng, "LPJU", "lpju_solar_v1",
                         STREET_LIGHT_PORT_BASE, 10.0)


def generate_attendance_machines(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                 **context) -> gpd.GeoDataFrame:
    """One attendance machine per kecamatan office and per kelurahan office.

    The offices' real addresses are not in the seed data, so each kelurahan office
    stands at its polygon's representative point and each kecamatan office at the
    representative point of the union of its kelurahan.
    """
    kel = _prepare(kelurahan)
    rng = _rng(seed, "attendance_machines")
    kec = kel.dissolve(by="nama_kec", as_index=False).sort_values("nama_kec")
    places = [(f"Kantor Camat {k}", g.representative_point()) for k, g in zip(kec["nama_kec"], kec.geometry, strict=True)]
    # Kelurahan names repeat across kecamatan; the kecamatan makes each office's name unique.
    places += [(f"Kantor Lurah {k} ({c})", g) for k, c, g in zip(kel["nama_kel"], kel["nama_kec"], kel["rep"], strict=True)]
    names = [label for label, _ in places]
    installed = _random_dates(rng, len(places), date(2018, 1, 1), date(2025, 12, 31))
    inactive = rng.random(len(places)) < 0.04
    records = [{"kode": f"ABSEN-{i + 1:04d}", "nama": names[i], "model": "attendance_v1",
                "status": "nonaktif" if inactive[i] else "aktif", "dipasang": installed[i],
                "modbus_host": MODBUS_HOST, "modbus_port": modbus_port(ATTENDANCE_PORT_BASE, i),
                "modbus_unit": modbus_unit(i), "poll_interval_s": 10.0} for i in range(len(places))]
    return _frame(records, [g for _, g in places], list(records[0]))


def generate_device_alarms(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """A few past, cleared alarms at seeded devices (devices/seed.py)."""
    from devices.seed import example_alarms

    return example_alarms(kelurahan)


def generate_sample_points(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 1000,
                           **context: object) -> gpd.GeoDataFrame:
    """Uniform points inside the city for performance tests (vectorised: 1,000,000 in seconds)."""
    rng = _rng(seed, "sample_points")
    city = shapely.union_all(kelurahan.geometry.values)
    shapely.prepare(city)
    x0, y0, x1, y1 = city.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < n:
        batch = max(1024, int((n - found) * 1.6))
        x = rng.uniform(x0, x1, batch)
        y = rng.uniform(y0, y1, batch)
        inside = shapely.contains_xy(city, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    x = np.concatenate(xs)[:n]
    y = np.concatenate(ys)[:n]
    start = pd.Timestamp("2024-01-01T00:00:00+07:00")
    seconds = rng.integers(0, 3 * 365 * 24 * 3600, n)
    return gpd.GeoDataFrame(
        {
            "kode": [f"S{i:07d}" for i in range(1, n + 1)],
            "kategori": rng.choice(np.array(["a", "b", "c", "d", "e"]), n),
            "nilai": np.round(rng.normal(50.0, 15.0, n), 3),
            "waktu": start + pd.to_timedelta(seconds, unit="s"),
        },
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------- analysis inputs and results


def generate_poverty(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                     faskes: gpd.GeoDataFrame | None = None, total_population: int = 2_490_000,
                     **context) -> gpd.GeoDataFrame:
    """Synthetic population and poverty per kelurahan (services/analysis/poverty.py).

    Poverty, clean water and market distance are the food-insecurity seed's own
    indicators (same stream), so both layers agree. Population is denser towards
    the centre and scaled to about Medan's total; none of it is BPS data.
    """
    kel = _prepare(kelurahan)
    faskes = gpd.read_file(FASKES_FILE) if faskes is None else faskes
    ind = _food_indicators(kel, faskes, _rng(seed, "food_insecurity"))
    rng = _rng(seed, "poverty")
    area_km2 = shapely.area(_to_utm(kel.geometry.values)) / 1e6
    xy = shapely.get_coordinates(_to_utm(kel["rep"].values))
    remote = _minmax(np.hypot(*(xy - xy.mean(axis=0)).T))
    people = (3000 + 22000 * (1 - remote) ** 2) * rng.lognormal(0, 0.25, len(kel)) * area_km2
    people = np.round(people * total_population / people.sum()).astype(int)
    poor = np.round(people * ind["persen_miskin"] / 100).astype(int)
    df = pd.DataFrame({"kode_kel": kel["kode_kel"], "nama_kel": kel["nama_kel"], "nama_kec": kel["nama_kec"],
                       "tahun": 2025, "penduduk": people, "penduduk_miskin": poor,
                       "persen_miskin": np.round(100 * poor / people, 1),
                       "persen_tanpa_air_bersih": ind["persen_tanpa_air_bersih"],
                       "jarak_pasar_km": ind["jarak_pasar_km"]})
    return _frame(df.to_dict("records"), [_as_multipolygon(g) for g in kel.geometry], list(df.columns))


def generate_flood_exposure(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """Derived: the risk analysis on the seed inputs (services.analysis.seeds)."""
    from services.analysis import seeds

    return seeds.flood_exposure(kelurahan)


def generate_transit_coverage(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """Derived: the coverage analysis on the seed routes and population."""
    from services.analysis import seeds

    return seeds.transit_coverage(kelurahan)


def generate_service_access(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """Derived: the access analysis on the real facilities and schools."""
    from services.analysis import seeds

    return seeds.service_access(kelurahan)


def generate_flood_hazard_zones(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """Derived: the synthetic flood-prone raster vectorised per hazard class."""
    from services.analysis import seeds

    return seeds.flood_hazard_zones(kelurahan)


def generate_complaints(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 40,
                        **context) -> gpd.GeoDataFrame:
    """~40 past citizen reports (Open311) for both complaints layers, without any personal data.

    Points lie on the public ~50 m grid (services/complaints/records.py), so the
    same frame seeds the staff layer and its public companion (which keeps only
    its own columns) without revealing more than the public layer may.
    """
    from services.complaints.categories import load_categories
    from services.complaints.records import rounded

    kel = _prepare(kelurahan)
    rng = _rng(seed, "complaints")
    # Rounding to the public grid can push a point near the boundary out of the
    # city, so sample spares and keep the first n that stay inside.
    city = _city(kel)
    candidates = [Point(*rounded(p.x, p.y)) for p in _sample_in_kelurahan(kel, rng, n + 20, central_weight=2.0)]
    points = [p for p in candidates if city.contains(p)][:n]
    where = _locate(points, kel)
    categories = list(load_categories().values())
    start = pd.Timestamp("2026-08-01T08:00:00+07:00")
    requested = sorted(start + pd.to_timedelta(rng.integers(0, 118 * 24 * 3600, n), unit="s"))
    records = []
    for i, (row, at) in enumerate(zip(where, requested, strict=True)):
        category = categories[int(rng.integers(len(categories)))]
        age = (pd.Timestamp("2026-11-28T00:00:00+07:00") - at).days
        # Older reports have moved further along the workflow.
        steps = ["open", "acknowledged", "in_progress", "resolved", "closed"]
        status = steps[min(len(steps) - 1, int(rng.integers(0, 2)) + age // 20)]
        if rng.random() < 0.08:
            status = "rejected"
        nama_kec = kel["nama_kec"].iat[row]
        records.append({
            "service_request_id": f"MDN-SEED{i + 1:04d}", "service_code": category.service_code,
            "status": status, "requested_datetime": at,
            "updated_datetime": at + pd.Timedelta(days=min(age, int(rng.integers(0, 15)))),
            "description": f"Contoh laporan sintetis: {category.name.id.lower()}.",
            "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row], "nama_kec": nama_kec,
            "agency": category.agency_for(nama_kec), "supporters": int(rng.poisson(1.5)),
            "status_notes": None if status == "open" else "Contoh catatan petugas (sintetis).",
        })
    return _frame(records, points, list(records[0]))


def generate_school_zones(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """Derived: the PPDB zones of the seed schools (services.ppdb.zones)."""
    from services.analysis.seeds import seed_input
    from services.ppdb.zones import seed_zones

    return seed_zones(kelurahan, seed_input("schools", kelurahan))


def generate_traffic_congestion(kelurahan: gpd.GeoDataFrame, **context) -> gpd.GeoDataFrame:
    """Congestion at the seeded intersections; the levels come from devices/traffic.yaml."""
    from devices.traffic import synthetic_congestion  # the congestion rules live with the devices

    return synthetic_congestion(kelurahan)


GENERATORS: dict[str, Generator] = {
    "transit_routes": generate_transit_routes,
    "transit_stops": generate_transit_stops,
    "disaster_risk_zones": generate_disaster_risk_zones,
    "food_insecurity": generate_food_insecurity,
    "cctv": generate_cctv,
    "atcs_intersections": generate_atcs_intersections,
    "street_lights": generate_street_lights,
    "attendance_machines": generate_attendance_machines,
    "device_alarms": generate_device_alarms,
    "sample_points": generate_sample_points,
    "poverty": generate_poverty, "flood_exposure": generate_flood_exposure,
    "transit_coverage": generate_transit_coverage, "service_access": generate_service_access,
    "flood_hazard_zones": generate_flood_hazard_zones,
    "complaints": generate_complaints, "complaints_public": generate_complaints,
    "traffic_congestion": generate_traffic_congestion,
    "school_zones": generate_school_zones,
}
