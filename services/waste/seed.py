"""Synthetic waste layers, deterministic and inside the real kelurahan: collection points (TPS),
the routes linking each district's TPS, and the households and businesses served by the nearest TPS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

from geodata.seed import seed_input
from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    made_up_name,
    prepare_kelurahan,
    sample_in_kelurahan,
    to_utm,
    to_wgs,
)

AGENCY = "DLH"
KINDS = ["kontainer", "kontainer", "bak_beton", "depo"]
CAPACITY = {"kontainer": 6.0, "bak_beton": 10.0, "depo": 30.0}
DAYS = ["Senin, Rabu, Jumat", "Selasa, Kamis, Sabtu", "Setiap hari"]
CLASSES = ["rt_kecil", "rt_sedang", "rt_besar", "usaha_kecil", "usaha_menengah", "usaha_besar"]
CLASS_SHARE = [0.35, 0.3, 0.15, 0.12, 0.06, 0.02]


def _tps_points(kelurahan: gpd.GeoDataFrame, seed: int) -> tuple[gpd.GeoDataFrame, list]:
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "tps")
    return kel, sample_in_kelurahan(kel, rng, 3 * len(kel), central_weight=1.0, min_gap_m=150.0)


def _route_order(points_utm: np.ndarray) -> list[int]:
    """A greedy nearest-neighbour tour from the westernmost point: how a driver strings stops together."""
    xy = shapely.get_coordinates(points_utm)
    left = list(range(len(xy)))
    order = [min(left, key=lambda i: xy[i, 0])]
    left.remove(order[0])
    while left:
        last = xy[order[-1]]
        nxt = min(left, key=lambda i: float(np.hypot(*(xy[i] - last))))
        order.append(nxt)
        left.remove(nxt)
    return order


def generate_tps(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context: object) -> gpd.GeoDataFrame:
    """About three TPS per kelurahan, each on one route of its district (two routes per district)."""
    kel, points = _tps_points(kelurahan, seed)
    rng = layer_rng(seed, "tps-attributes")
    rows = locate(points, kel)
    records = []
    routes = _routes_of(kel, points, rows)
    for n, row in enumerate(rows, start=1):
        kind = str(rng.choice(KINDS))
        code, days = routes[n - 1]
        records.append({"kode_tps": f"TPS-{n:04d}", "nama": f"TPS {kel['nama_kel'].iat[row]} {n}", "jenis": kind,
                        "kapasitas_m3": CAPACITY[kind], "kode_rute": code, "jadwal": days,
                        "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
                        "nama_kec": kel["nama_kec"].iat[row], "agency": AGENCY})
    return geoframe(records, points, list(records[0]))


def _routes_of(kel: gpd.GeoDataFrame, points: list, rows: np.ndarray) -> list[tuple[str, str]]:
    """(route code, days) per TPS: a district's TPS split west/east into two routes."""
    out: list[tuple[str, str]] = [("", "")] * len(points)
    xy = shapely.get_coordinates(to_utm(np.asarray(points, dtype=object)))
    districts = kel["kode_kec"].to_numpy()[rows]
    for k, district in enumerate(sorted(set(districts))):
        members = np.flatnonzero(districts == district)
        median = np.median(xy[members, 0])
        for half, chosen in enumerate((members[xy[members, 0] <= median], members[xy[members, 0] > median])):
            code = f"RT-{district.replace('.', '')}-{half + 1}"
            for i in chosen:
                out[i] = (code, DAYS[(k + half) % len(DAYS)])
    return out


def generate_waste_routes(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                          **context: object) -> gpd.GeoDataFrame:
    """Each route as the line through its TPS in the order a driver would take them."""
    tps = seed_input("tps", kelurahan)
    kel = prepare_kelurahan(kelurahan)
    city = shapely.union_all(to_utm(kel.geometry.values))
    records, lines = [], []
    for code, group in tps.groupby("kode_rute", sort=True):
        if len(group) < 2:
            continue
        utm = to_utm(group.geometry.values)
        order = _route_order(utm)
        # Straight runs between the points, less what crosses outside the city (a bend of the
        # boundary): the truck follows streets there, which the synthetic route does not know.
        inside = shapely.intersection(LineString(shapely.get_coordinates(utm[order])), city)
        parts = [g for g in getattr(inside, "geoms", [inside]) if isinstance(g, LineString) and not g.is_empty]
        line = to_wgs(MultiLineString(parts))
        length = sum(p.length for p in parts) / 1000.0
        district = kel.loc[kel["kode_kel"] == group["kode_kel"].iat[0], "nama_kec"].iat[0]
        records.append({"kode_rute": code, "nama_kec": district, "hari": group["jadwal"].iat[0],
                        "jumlah_tps": len(group), "panjang_km": round(float(length), 2), "agency": AGENCY})
        lines.append(line)
    return geoframe(records, lines, list(records[0]))


def generate_waste_customers(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, per_kelurahan: int = 25,
                             **context: object) -> gpd.GeoDataFrame:
    """`per_kelurahan` households and businesses per kelurahan, each served by its nearest TPS."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "waste_customers")
    tps = seed_input("tps", kelurahan)
    points = sample_in_kelurahan(kel, rng, per_kelurahan * len(kel), central_weight=1.0)
    rows = locate(points, kel)
    tree = shapely.STRtree(to_utm(tps.geometry.values))
    nearest = tree.nearest(to_utm(np.asarray(points, dtype=object)))
    classes = rng.choice(CLASSES, len(points), p=CLASS_SHARE)
    records = [{"nomor_pelanggan": f"RS-{n:06d}", "kelas": str(kelas), "kode_tps": tps["kode_tps"].iat[int(t)],
                "lunas_sampai": None, "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
                "nama_kec": kel["nama_kec"].iat[row], "agency": AGENCY,
                "nama_wr": made_up_name(rng),
                "akun_wr": None}
               for n, (kelas, row, t) in enumerate(zip(classes, rows, nearest, strict=True), start=1)]
    return geoframe(records, points, list(records[0]))
