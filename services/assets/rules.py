"""SIMBADA's own rules: the KIB classes and their categories, where each kind of asset is drawn,
the checks on a new asset, and depreciation (straight line over the useful life of its category).

Useful lives (masa manfaat, in years) follow the table of the central government's accounting,
KMK 59/KMK.06/2013 (Tabel Masa Manfaat Aset Tetap Pemerintah), which regional governments apply
through Permendagri 1/2019 (Penyusutan Barang Milik Daerah) under PSAP 07 (Aset Tetap) and
Permendagri 108/2016 (the KIB A-F classification). A city's own Perwal may set other lives within
that frame: BPKAD changes `USEFUL_LIFE_YEARS` here, and the register follows. Not depreciated
(PSAP 07; Buletin Teknis SAP 18): land (KIB A), construction in progress (KIB F), and the other
fixed assets that are library collections, works of art, animals and plants (KIB E).

Depreciation is counted in whole years at 31 December, the year of acquisition counting as a full
year (a simplification the city may refine to months), so the book value at the end of the last
year of the useful life is exactly 0 and never negative. Amounts are whole rupiah: the
accumulated depreciation is value x years // life, so rounding never leaves a stray rupiah.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from services.errors import ServiceError
from services.skpd.agencies import get_agencies

KIB_CLASSES: dict[str, tuple[str, str]] = {
    "A": ("Tanah", "Land"),
    "B": ("Peralatan dan mesin", "Equipment and machinery"),
    "C": ("Gedung dan bangunan", "Buildings"),
    "D": ("Jalan, irigasi dan jaringan", "Roads, irrigation and networks"),
    "E": ("Aset tetap lainnya", "Other fixed assets"),
    "F": ("Konstruksi dalam pengerjaan", "Construction in progress"),
}


@dataclass(frozen=True)
class Category:
    kib: str
    life_years: int | None  # None: not depreciated
    title: str


# category -> its KIB class and useful life (KMK 59/KMK.06/2013's groups; see the module's docstring)
CATEGORIES: dict[str, Category] = {
    "tanah": Category("A", None, "Tanah"),
    "kendaraan": Category("B", 7, "Alat angkutan darat bermotor"),
    "alat_berat": Category("B", 10, "Alat besar darat"),
    "alat_kantor": Category("B", 5, "Alat kantor dan rumah tangga"),
    "komputer": Category("B", 4, "Komputer dan peralatan komputer"),
    "alat_kedokteran": Category("B", 5, "Alat kedokteran"),
    "gedung_kantor": Category("C", 50, "Bangunan gedung tempat kerja (permanen)"),
    "gedung_sekolah": Category("C", 50, "Bangunan gedung pendidikan (permanen)"),
    "gedung_kesehatan": Category("C", 50, "Bangunan gedung kesehatan (permanen)"),
    "bangunan_lain": Category("C", 10, "Bangunan semi permanen"),
    "jalan": Category("D", 10, "Jalan"),
    "jembatan": Category("D", 50, "Jembatan"),
    "irigasi": Category("D", 50, "Bangunan air irigasi"),
    "drainase": Category("D", 10, "Bangunan pengaman sungai dan drainase"),
    "jaringan_air": Category("D", 30, "Instalasi dan jaringan air minum"),
    "jaringan_listrik": Category("D", 40, "Jaringan listrik"),
    "jaringan_komunikasi": Category("D", 20, "Jaringan telepon dan komunikasi"),
    "buku_koleksi": Category("E", None, "Buku dan koleksi perpustakaan"),
    "barang_seni": Category("E", None, "Barang bercorak kesenian dan budaya"),
    "konstruksi": Category("F", None, "Konstruksi dalam pengerjaan"),
}

# The category an asset gets when its registrar names none (a project's handover names only the class).
DEFAULT_CATEGORY = {"A": "tanah", "B": "alat_kantor", "C": "gedung_kantor", "D": "jalan",
                    "E": "barang_seni", "F": "konstruksi"}

CONDITIONS = ("baik", "rusak_ringan", "rusak_berat")
ORIGINS = ("pembelian", "proyek", "hibah", "lainnya")

# The city's agencies (SKPD): the one vocabulary of issue 19, services/skpd/agencies.yaml.
AGENCIES = frozenset(get_agencies().codes)
OWNER_AGENCY = "BPKAD"  # keeps SIMBADA, the city's register of assets

# Each geometry kind has its own declared layer (a layer holds one geometry type), sharing one
# vocabulary; which kinds each class may be drawn as.
LAYER_BY_KIND = {"area": "assets_areas", "line": "assets_lines", "point": "assets_points"}
ASSET_LAYERS = tuple(LAYER_BY_KIND.values())
KINDS_BY_KIB = {"A": ("area",), "B": ("point",), "C": ("area", "point"), "D": ("line", "area"),
                "E": ("point", "area"), "F": ("area", "line", "point")}
_KIND_OF_GEOMETRY = {"Polygon": "area", "MultiPolygon": "area", "LineString": "line",
                     "MultiLineString": "line", "Point": "point"}


class AssetRejected(ServiceError):
    """An asset the register refuses; nothing was written."""

    status = 422
    code = "InvalidAsset"


def geometry_kind(geometry: BaseGeometry) -> str:
    kind = _KIND_OF_GEOMETRY.get(geometry.geom_type)
    if kind is None:
        raise AssetRejected(f"geometri {geometry.geom_type} tidak dapat dipakai; gunakan titik, garis atau poligon")
    return kind


def layer_for(kib: str, geometry: BaseGeometry) -> str:
    """The declared layer an asset of class `kib` drawn as `geometry` lives in."""
    kind = geometry_kind(geometry)
    if kind not in KINDS_BY_KIB.get(kib, ()):
        allowed = ", ".join(KINDS_BY_KIB.get(kib, ()))
        raise AssetRejected(f"aset KIB {kib} digambar sebagai {allowed}, bukan {kind}")
    return LAYER_BY_KIND[kind]


@dataclass(frozen=True)
class NewAsset:
    kib: str
    category: str
    name: str
    agency: str
    acquired_year: int
    acquisition_value: int
    condition: str
    origin: str
    origin_ref: str | None


def check_new_asset(asset: NewAsset, *, this_year: int) -> list[str]:
    """Every problem with a new asset, in Bahasa Indonesia (empty: it may be registered)."""
    problems = []
    if asset.kib not in KIB_CLASSES:
        problems.append(f"golongan KIB {asset.kib!r} tidak dikenal; pilih A, B, C, D, E atau F")
    category = CATEGORIES.get(asset.category)
    if category is None:
        problems.append(f"jenis barang {asset.category!r} tidak dikenal")
    elif asset.kib in KIB_CLASSES and category.kib != asset.kib:
        problems.append(f"jenis barang {asset.category} termasuk KIB {category.kib}, bukan KIB {asset.kib}")
    if not asset.name.strip():
        problems.append("nama barang wajib diisi")
    if asset.agency not in AGENCIES:
        problems.append(f"OPD {asset.agency!r} tidak dikenal")
    if isinstance(asset.acquired_year, bool) or not isinstance(asset.acquired_year, int) \
            or not 1900 <= asset.acquired_year <= this_year:
        problems.append(f"tahun perolehan {asset.acquired_year!r} harus tahun antara 1900 dan {this_year}")
    value = asset.acquisition_value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(f"nilai perolehan {value!r} harus bilangan bulat rupiah, tidak negatif")
    if asset.condition not in CONDITIONS:
        problems.append(f"kondisi {asset.condition!r} harus salah satu dari {', '.join(CONDITIONS)}")
    if asset.origin not in ORIGINS:
        problems.append(f"asal usul {asset.origin!r} harus salah satu dari {', '.join(ORIGINS)}")
    if asset.origin == "proyek" and not asset.origin_ref:
        problems.append("aset dari proyek harus menyebut rujukan proyeknya")
    return problems


@dataclass(frozen=True)
class Depreciation:
    life_years: int | None
    annual: int        # the yearly charge, whole rupiah (the last year takes the remainder)
    accumulated: int   # up to 31 December of the year asked
    book_value: int


def depreciation(category: str, value: int, acquired_year: int, as_of_year: int) -> Depreciation:
    """Straight-line depreciation of one asset at 31 December of `as_of_year`."""
    life = CATEGORIES[category].life_years
    value = int(value)
    if life is None:
        return Depreciation(None, 0, 0, value)
    years = max(0, min(life, as_of_year - acquired_year + 1))
    accumulated = value * years // life
    return Depreciation(life, value // life, accumulated, value - accumulated)
