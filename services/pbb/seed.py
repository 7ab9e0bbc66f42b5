"""Synthetic PBB layers, deterministic and inside the real kelurahan: land value zones (600 m cells
clipped to each kelurahan), tax parcels (blocks of plots around a point of each kelurahan) and
billboards (along the angkot routes). Every feature is labelled `source = "synthetic"` by the seed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import Point, box
from shapely.geometry.polygon import orient

from geodata.seed import seed_input
from geodata.synthetic.common import (
    DEFAULT_SEED,
    FAMILY_NAMES,
    MIDDLE_NAMES,
    as_multipolygon,
    geoframe,
    layer_rng,
    locate,
    made_up_name,
    prepare_kelurahan,
    to_utm,
    to_wgs,
)
from services.pbb.rules import billboard_tax

CELL_M = 600.0
# Lapangan Merdeka, the historic centre: land is dearest around it (lon, lat; OpenStreetMap).
CITY_CENTRE = Point(98.6776, 3.5905)
AGENCY = "BAPENDA"
ZNT_YEAR = 2026
STREETS = ["Jl. Melati", "Jl. Kenanga", "Jl. Mawar", "Jl. Flamboyan", "Jl. Bakti", "Jl. Pendidikan",
           "Jl. Pembangunan", "Jl. Sejahtera", "Jl. Damai", "Jl. Karya"]


def _zone_value(centroids_utm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rp per m²: about 12 million at the centre, falling to about 1 million 8 km out, rounded."""
    centre = np.asarray(to_utm(CITY_CENTRE).coords[0])
    km = np.hypot(*(shapely.get_coordinates(centroids_utm) - centre).T) / 1000.0
    value = 12_000_000 * np.exp(-km / 3.2) + 600_000
    value *= rng.lognormal(0.0, 0.25, len(value))
    return (np.round(value / 50_000) * 50_000).astype("int64")


def generate_land_value_zones(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                              **context: object) -> gpd.GeoDataFrame:
    """600 m cells clipped to each kelurahan, one zone per piece, coded <kelurahan>-<n>."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "land_value_zones")
    kel_utm = to_utm(kel.geometry.values)
    minx, miny, maxx, maxy = shapely.total_bounds(kel_utm)
    xs, ys = np.arange(minx, maxx, CELL_M), np.arange(miny, maxy, CELL_M)
    cells = np.array([box(x, y, x + CELL_M, y + CELL_M) for y in ys for x in xs], dtype=object)
    tree = shapely.STRtree(cells)
    records, geoms = [], []
    for row, poly in enumerate(kel_utm):
        hits = np.sort(tree.query(poly, predicate="intersects"))
        pieces = [p for p in shapely.intersection(cells[hits], poly) if p.area >= 2_000.0]
        for n, piece in enumerate(pieces or [poly], start=1):
            records.append({"kode_znt": f"{kel['kode_kel'].iat[row]}-{n:02d}", "kode_kel": kel["kode_kel"].iat[row],
                            "nama_kel": kel["nama_kel"].iat[row], "nama_kec": kel["nama_kec"].iat[row],
                            "tahun": ZNT_YEAR})
            geoms.append(piece)
    values = _zone_value(shapely.centroid(np.asarray(geoms, dtype=object)), rng)
    for record, value in zip(records, values, strict=True):
        record["nilai_per_m2"] = int(value)
    wgs = [as_multipolygon(shapely.make_valid(g)) for g in to_wgs(np.asarray(geoms, dtype=object))]
    return geoframe(records, wgs, ["kode_znt", "nilai_per_m2", "kode_kel", "nama_kel", "nama_kec", "tahun"])


def nop_for(kode_kel: str, block: int, number: int) -> str:
    """NOP PP.DD.KKK.DDD.BBB-NNNN.J from a Kemendagri kelurahan code 12.71.KK.1DDD (J = 0: land and building)."""
    prov, kota, kec, desa = kode_kel.split(".")
    return f"{prov}.{kota}.{int(kec):03d}.{int(desa) % 1000:03d}.{block:03d}-{number:04d}.0"


def _block_plots(anchor: np.ndarray, rng: np.random.Generator, rows: int, cols: int) -> list:
    """A block of plots facing a street: `rows` × `cols` rectangles 6–12 m wide, 12–24 m deep."""
    width, depth = rng.uniform(6, 12), rng.uniform(12, 24)
    angle = rng.uniform(0, np.pi / 2)
    plots = []
    for r in range(rows):
        for c in range(cols):
            x0, y0 = c * width, r * (depth + (8.0 if r % 2 else 0.0))  # a lane every second row
            plots.append(box(x0, y0, x0 + width - 0.5, y0 + depth - 0.5))
    rotated = shapely.affinity.rotate(shapely.geometrycollections(plots), angle, origin=(0, 0), use_radians=True)
    return [shapely.affinity.translate(p, *anchor) for p in rotated.geoms]


def generate_tax_parcels(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, per_kelurahan: int = 40,
                         **context: object) -> gpd.GeoDataFrame:
    """`per_kelurahan` plots in one block near a point inside each kelurahan, each in its ZNT."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "tax_parcels")
    zones = seed_input("land_value_zones", kelurahan)
    zones_utm = to_utm(zones.geometry.values)
    zone_tree = shapely.STRtree(zones_utm)
    cols = 10
    records, geoms = [], []
    for row, poly in enumerate(to_utm(kel.geometry.values)):
        anchor = np.asarray(to_utm(kel["rep"].iat[row]).coords[0]) - rng.uniform(0, 60, 2)
        plots = [p for p in _block_plots(anchor, rng, -(-per_kelurahan // cols), cols) if poly.contains(p)]
        for number, plot in enumerate(plots[:per_kelurahan], start=1):
            zone = zone_tree.query(plot.centroid, predicate="within")
            zone_row = int(zone[0]) if len(zone) else int(zone_tree.nearest(plot.centroid))
            vacant = rng.random() < 0.1
            land = round(plot.area, 1)
            floors = int(rng.choice([1, 1, 1, 2, 2, 3]))
            records.append({
                "nop": nop_for(kel["kode_kel"].iat[row], 1, number),
                "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
                "nama_kec": kel["nama_kec"].iat[row],
                "alamat_objek": f"{STREETS[int(rng.integers(len(STREETS)))]} No. {number}",
                "luas_tanah_m2": land,
                "luas_bangunan_m2": 0.0 if vacant else round(land * rng.uniform(0.4, 0.85) * floors, 1),
                "kelas_bangunan": None if vacant else ("A" if floors == 3 else str(rng.choice(["B", "B", "C", "D"]))),
                "kode_znt": zones["kode_znt"].iat[zone_row], "agency": AGENCY,
                "wajib_pajak": made_up_name(rng),
                "akun_wajib_pajak": None,
            })
            geoms.append(plot)
    # Exterior rings clockwise, as the rest of the seed and a Shapefile's rings are.
    wgs = [as_multipolygon(orient(g, sign=-1.0)) for g in to_wgs(np.asarray(geoms, dtype=object))]
    return geoframe(records, wgs, list(records[0]))


def generate_billboards(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 120,
                        **context: object) -> gpd.GeoDataFrame:
    """`n` billboards at points along the angkot routes, sized and taxed by the declared tariff."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "billboards")
    routes = to_utm(seed_input("transit_routes", kelurahan).geometry.values)
    city = shapely.union_all(to_utm(kel.geometry.values))
    picks = rng.integers(0, len(routes), n)
    points = []
    for route_row in picks:
        line = routes[route_row]
        for _ in range(20):
            point = line.interpolate(rng.uniform(0, 1), normalized=True)
            point = Point(point.x + rng.uniform(-12, 12), point.y + rng.uniform(-12, 12))
            if city.contains(point):
                break
        points.append(point)
    wgs = list(to_wgs(np.asarray(points, dtype=object)))
    rows = locate(wgs, kel)
    kinds = rng.choice(["billboard", "billboard", "neon_box", "megatron"], n)
    records = []
    for i, (kind, row) in enumerate(zip(kinds, rows, strict=True), start=1):
        width, height = {"billboard": (8.0, 4.0), "megatron": (6.0, 4.0), "neon_box": (2.0, 1.0)}[str(kind)]
        faces = int(rng.choice([1, 2]))
        street = str(rng.choice(["utama", "kolektor", "lingkungan"], p=[0.5, 0.35, 0.15]))
        records.append({
            "kode_reklame": f"RK-{i:04d}", "jenis": str(kind), "lebar_m": width, "tinggi_m": height,
            "sisi": faces, "kelas_jalan": street,
            "pajak_tahunan": billboard_tax(jenis=str(kind), lebar_m=width, tinggi_m=height, sisi=faces, kelas_jalan=street),
            "berlaku_sampai": f"{2026 + int(rng.integers(0, 3))}-12-31",
            "kode_kel": kel["kode_kel"].iat[row], "nama_kec": kel["nama_kec"].iat[row], "agency": AGENCY,
            "pemegang_izin": f"PT {rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} Media",
        })
    return geoframe(records, wgs, list(records[0]))
