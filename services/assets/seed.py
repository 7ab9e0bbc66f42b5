"""Synthetic SIMBADA assets, deterministic and inside the real kelurahan, every one `source = "synthetic"`.

What a city's register plausibly holds: the land and building of each public school (DISDIK) and of
a sample of kelurahan offices (KELURAHAN), plots of vacant city land (BPKAD) and parks (DPKPPR),
construction in progress (DSDABMBK); city roads, drains and the fibre of the WAN as lines; vehicles
at the offices, medical equipment at the puskesmas (DINKES), and works of art (DISBUDPAR) as points.
Values are whole rupiah at plausible unit prices (land and building per m², roads per metre).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, box

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
from services.assets.rules import CATEGORIES

COLUMNS = ["kode_aset", "nama", "kib", "kategori", "agency", "tahun_perolehan", "nilai_perolehan", "kondisi",
           "asal", "asal_ref", "luas_m2", "panjang_m", "kode_kel", "nama_kel", "nama_kec",
           "inventarisasi_terakhir", "keterangan", "pemegang", "nip_pemegang"]
CONDITIONS = ["baik", "rusak_ringan", "rusak_berat"]
CONDITION_SHARE = [0.7, 0.2, 0.1]
LAST_YEAR = 2025


class _Register:
    """Collects seed records and numbers them per layer: `<KIB>.<agency>.<year>.S<n>` (S: seeded,
    so they never meet the codes the register's sequence gives)."""

    def __init__(self, kel: gpd.GeoDataFrame, rng: np.random.Generator) -> None:
        self.kel, self.rng = kel, rng
        self.records: list[dict] = []
        self.geoms: list = []

    def add(self, geom, *, name: str, category: str, agency: str, value_per_unit: float, year: int | None = None,
            **extra: object) -> None:
        kib = CATEGORIES[category].kib
        year = int(year or self.rng.integers(1985 if kib in "AC" else 2008, LAST_YEAR + 1))
        utm = to_utm(geom)
        area = round(float(utm.area), 1) if utm.area > 0 else None
        length = round(float(utm.length), 1) if geom.geom_type.endswith("LineString") else None
        size = area or length or 1.0
        value = int(round(size * value_per_unit * float(self.rng.uniform(0.8, 1.25)), -3))
        row = int(locate([geom.representative_point()], self.kel)[0])
        n = len(self.records) + 1
        self.records.append({
            "kode_aset": f"{kib}.{agency}.{year}.S{n:05d}", "nama": name, "kib": kib, "kategori": category,
            "agency": agency, "tahun_perolehan": year, "nilai_perolehan": value,
            "kondisi": str(self.rng.choice(CONDITIONS, p=CONDITION_SHARE)), "asal": "pembelian", "asal_ref": None,
            "luas_m2": area, "panjang_m": length, "kode_kel": self.kel["kode_kel"].iat[row],
            "nama_kel": self.kel["nama_kel"].iat[row], "nama_kec": self.kel["nama_kec"].iat[row],
            "inventarisasi_terakhir": None, "keterangan": None, "pemegang": None, "nip_pemegang": None, **extra})
        self.geoms.append(geom)

    def frame(self) -> gpd.GeoDataFrame:
        return geoframe(self.records, self.geoms, COLUMNS)


def _square(point: Point, width_m: float, height_m: float, kel_geom) -> object:
    """A rectangle centred on `point`, cut to its kelurahan (a plot never crosses the boundary)."""
    centre = to_utm(point)
    rect = box(centre.x - width_m / 2, centre.y - height_m / 2, centre.x + width_m / 2, centre.y + height_m / 2)
    return shapely.intersection(to_wgs(rect), kel_geom)


def _public_schools(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    schools = seed_input("schools", kelurahan)
    doubtful = schools.get("lokasi_diragukan")
    keep = (schools["status"] == "Negeri") & ~(doubtful.fillna(False).astype(bool) if doubtful is not None else False)
    return schools[keep].sort_values("npsn").reset_index(drop=True)


def generate_assets_areas(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                          **context: object) -> gpd.GeoDataFrame:
    """Land and buildings of public schools and kelurahan offices, vacant city land, parks, works in progress."""
    kel = prepare_kelurahan(kelurahan)
    reg = _Register(kel, layer_rng(seed, "assets_areas"))
    schools = _public_schools(kelurahan)
    rows = locate(list(schools.geometry), kel)
    for school, row in zip(schools.itertuples(), rows, strict=True):
        inside = kel.geometry.iat[row]
        land = _square(school.geometry, 70, 60, inside)
        if land.is_empty:
            continue
        year = int(reg.rng.integers(1975, 2015))
        reg.add(land, name=f"Tanah {school.nama}", category="tanah", agency="DISDIK", value_per_unit=2_500_000,
                year=year)
        reg.add(_square(school.geometry, 40, 18, inside), name=f"Gedung {school.nama}", category="gedung_sekolah",
                agency="DISDIK", value_per_unit=4_500_000, year=year + int(reg.rng.integers(0, 5)))
    for row in range(0, len(kel), 3):  # a sample of kelurahan offices (the offices room keeps them all)
        where, inside = kel["rep"].iat[row], kel.geometry.iat[row]
        name = f"Kantor Lurah {kel['nama_kel'].iat[row]}"
        reg.add(_square(where, 30, 25, inside), name=f"Tanah {name}", category="tanah", agency="KELURAHAN",
                value_per_unit=3_000_000)
        reg.add(_square(where, 15, 12, inside), name=f"Gedung {name}", category="gedung_kantor",
                agency="KELURAHAN", value_per_unit=5_000_000)
    spots = sample_in_kelurahan(kel, reg.rng, 60, central_weight=1.0, min_gap_m=300.0)
    for n, (point, row) in enumerate(zip(spots, locate(spots, kel), strict=True), start=1):
        inside = kel.geometry.iat[row]
        if n <= 40:
            reg.add(_square(point, 50, 40, inside), name=f"Tanah kosong Pemko {n}", category="tanah",
                    agency="BPKAD", value_per_unit=2_000_000)
        elif n <= 52:
            reg.add(_square(point, 60, 60, inside), name=f"Taman kota {kel['nama_kel'].iat[row]}",
                    category="tanah", agency="DPKPPR", value_per_unit=2_000_000)
        else:
            reg.add(_square(point, 30, 20, inside), name=f"Pembangunan pasar {kel['nama_kel'].iat[row]}",
                    category="konstruksi", agency="DSDABMBK", value_per_unit=3_500_000, year=LAST_YEAR)
    return reg.frame()


def _line_in(kel_geom, rng: np.random.Generator, length_m: float):
    """A straight run of about `length_m` through a random point of the kelurahan, cut to it."""
    minx, miny, maxx, maxy = kel_geom.bounds
    for _ in range(100):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(kel_geom, x, y):
            break
    centre = to_utm(Point(x, y))
    angle = float(rng.uniform(0, np.pi))
    dx, dy = np.cos(angle) * length_m / 2, np.sin(angle) * length_m / 2
    line = to_wgs(LineString([(centre.x - dx, centre.y - dy), (centre.x + dx, centre.y + dy)]))
    cut = shapely.intersection(line, kel_geom)
    parts = [g for g in getattr(cut, "geoms", [cut]) if isinstance(g, LineString) and not g.is_empty]
    return MultiLineString(parts) if parts else None


LINE_KINDS = [  # (category, agency, name, length m, rupiah per metre)
    ("jalan", "DSDABMBK", "Jalan lingkungan", 600, 2_000_000),
    ("drainase", "DSDABMBK", "Saluran drainase", 400, 1_200_000),
    ("jaringan_komunikasi", "DISKOMINFO", "Jaringan serat optik", 900, 250_000),
]


def generate_assets_lines(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                          **context: object) -> gpd.GeoDataFrame:
    """A city road and a drain in every kelurahan, and fibre runs of the WAN in every other one."""
    kel = prepare_kelurahan(kelurahan)
    reg = _Register(kel, layer_rng(seed, "assets_lines"))
    for row in range(len(kel)):
        for k, (category, agency, label, length, price) in enumerate(LINE_KINDS):
            if k == 2 and row % 2:
                continue
            line = _line_in(kel.geometry.iat[row], reg.rng, length)
            if line is not None:
                reg.add(line, name=f"{label} {kel['nama_kel'].iat[row]}", category=category, agency=agency,
                        value_per_unit=price)
    return reg.frame()


def generate_assets_points(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                           **context: object) -> gpd.GeoDataFrame:
    """Vehicles of the kelurahan offices (held by a named official: private), puskesmas equipment, art."""
    kel = prepare_kelurahan(kelurahan)
    reg = _Register(kel, layer_rng(seed, "assets_points"))
    for row in range(0, len(kel), 3):
        holder = made_up_name(reg.rng)
        nip = "".join(str(d) for d in reg.rng.integers(0, 10, 18))
        reg.add(kel["rep"].iat[row], name=f"Sepeda motor dinas Kelurahan {kel['nama_kel'].iat[row]}",
                category="kendaraan", agency="KELURAHAN", value_per_unit=25_000_000, pemegang=holder,
                nip_pemegang=nip)
    faskes = seed_input("health_facilities", kelurahan).sort_values("kode_faskes")
    puskesmas = faskes[faskes["jenis"] == "Puskesmas"]
    for facility, row in zip(puskesmas.itertuples(), locate(list(puskesmas.geometry), kel), strict=True):
        if not kel.geometry.iat[row].contains(facility.geometry):
            continue  # a facility whose recorded point lies outside Medan: its equipment is not placed there
        reg.add(facility.geometry, name=f"Alat kesehatan {facility.nama}", category="alat_kedokteran",
                agency="DINKES", value_per_unit=350_000_000)
    for n, point in enumerate(sample_in_kelurahan(kel, reg.rng, 8, central_weight=4.0), start=1):
        reg.add(point, name=f"Tugu dan karya seni kota {n}", category="barang_seni", agency="DISBUDPAR",
                value_per_unit=150_000_000)
    return reg.frame()
