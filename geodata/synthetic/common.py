"""What every synthetic generator shares: the seed stream, projections, sampling inside kelurahan."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
RIVERS_FILE = DATA_DIR / "medan_sungai_rbi.geojson"
FLOOD_EVENTS_FILE = DATA_DIR / "medan_kejadian_bencana_bnpb_2020_2024.csv"
FASKES_FILE = DATA_DIR / "medan_faskes_kemenkes2019.geojson"

DEFAULT_SEED = 20261130
WGS84 = "EPSG:4326"
UTM = "EPSG:32647"

# The old town and commercial core, where cameras and signals cluster.
CENTRAL_KECAMATAN = frozenset(
    {"Medan Kota", "Medan Petisah", "Medan Baru", "Medan Maimun", "Medan Timur"}
)

Generator = Callable[..., gpd.GeoDataFrame]


def layer_rng(seed: int, layer: str) -> np.random.Generator:
    # A per-layer stream, so that e.g. CCTV and ATCS do not land on the same spots.
    return np.random.default_rng([seed, zlib.crc32(layer.encode())])


@lru_cache(maxsize=2)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def project(geoms: BaseGeometry | Sequence[BaseGeometry], src: str, dst: str):
    tr = transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def to_utm(geoms):
    return project(geoms, WGS84, UTM)


def to_wgs(geoms):
    return project(geoms, UTM, WGS84)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def prepare_kelurahan(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Kelurahan in EPSG:4326, ordered by code so that input row order cannot matter."""
    kel = kelurahan[["kode_kel", "nama_kel", "kode_kec", "nama_kec", "geometry"]].copy()
    kel = kel.set_crs(WGS84) if kel.crs is None else kel.to_crs(WGS84)
    kel = kel.sort_values("kode_kel").reset_index(drop=True)
    kel["rep"] = kel.geometry.representative_point()
    return kel


def city_union(kel: gpd.GeoDataFrame) -> BaseGeometry:
    city = shapely.union_all(kel.geometry.values)
    shapely.prepare(city)
    return city


def geoframe(records: list[dict], geometry: list[BaseGeometry], columns: list[str]) -> gpd.GeoDataFrame:
    df = pd.DataFrame.from_records(records, columns=columns)
    return gpd.GeoDataFrame(df, geometry=list(geometry), crs=WGS84)


def random_dates(rng: np.random.Generator, n: int, start: date, end: date) -> list[date]:
    days = rng.integers(0, (end - start).days + 1, size=n)
    return [start + timedelta(days=int(d)) for d in days]


def locate(points: Sequence[Point], kel: gpd.GeoDataFrame) -> np.ndarray:
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


def numbered(labels: Iterable[str]) -> list[str]:
    """'<label> <n>', counting each label separately, so names are unique in a layer."""
    seen: dict[str, int] = {}
    names = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        names.append(f"{label} {seen[label]}")
    return names


def sample_in_kelurahan(kel: gpd.GeoDataFrame, rng: np.random.Generator, n: int,
                         central_weight: float, min_gap_m: float = 0.0) -> list[Point]:
    """n points inside kelurahan chosen by sqrt(area), favouring the central kecamatan."""
    area = shapely.area(to_utm(kel.geometry.values))
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
            here = np.asarray(transformer(WGS84, UTM).transform(x, y))
            # Keep devices of one kind apart (distinct intersections); relax if the kelurahan is full.
            if attempt < 100 and len(placed) and np.hypot(*(placed - here).T).min() < min_gap_m:
                continue
            point = Point(x, y)
            break
        points.append(point)
        placed = np.vstack([placed, transformer(WGS84, UTM).transform(point.x, point.y)])
    return points


def minmax(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min()
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)


def nearest_km(origins: np.ndarray, targets: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(targets)
    _, dist = tree.query_nearest(origins, return_distance=True, all_matches=False)
    return dist / 1000.0


# Made-up personal names for synthetic private fields (taxpayers, fee payers). Three parts, so a
# made-up name does not stand for a real person's in the public data (two-part names did: a
# school's headmaster in the Kemendikbud list) and the private-field walk can look for it.
GIVEN_NAMES = ("Ahmad", "Budi", "Dewi", "Fitri", "Hendra", "Indah", "Joko", "Lina", "Maya", "Rizky", "Sari",
               "Taufik", "Wulan", "Yusuf", "Nur", "Putri")
MIDDLE_NAMES = ("Ayu", "Dwi", "Eka", "Kurnia", "Mulia", "Nanda", "Permata", "Rahmat", "Sekar", "Tri", "Utama", "Wira")
FAMILY_NAMES = ("Siregar", "Nasution", "Lubis", "Harahap", "Tanjung", "Sitorus", "Ginting", "Tarigan", "Sembiring",
                "Hasibuan", "Pohan", "Simanjuntak", "Daulay", "Batubara", "Saragih", "Purba")


def made_up_name(rng: np.random.Generator) -> str:
    return " ".join(str(rng.choice(names)) for names in (GIVEN_NAMES, MIDDLE_NAMES, FAMILY_NAMES))
