"""The tourism layers' seed: the real sites of catalogue.yaml (each row labelled with the kind of
source its location comes from) and the walks between them, with distance and walking time
measured in UTM zone 47N (metres). Deterministic: the catalogue is fixed data."""

from __future__ import annotations

import math

import geopandas as gpd
from shapely.geometry import LineString, Point

from geodata.synthetic.common import geoframe, locate, prepare_kelurahan, to_utm
from services.tourism.catalogue import catalogue

WALKING_M_PER_MIN = 75  # 4.5 km/h, an unhurried adult pace on Medan's pavements
SITE_COLUMNS = ["kode_wisata", "nama", "jenis", "uraian_id", "uraian_en", "alamat", "jam_buka", "kursi_roda",
                "toilet", "parkir", "foto", "sumber_lokasi", "ketelitian_m", "kode_kel", "nama_kel", "nama_kec",
                "source"]


def _row_source(cited: str) -> str:
    """The seed's `source` column: which public dataset the row's location was taken from."""
    return "wikipedia" if cited.startswith("Wikipedia") else "openstreetmap"


def generate_tourism_sites(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """One point per catalogued site, with the kelurahan it stands in."""
    kel = prepare_kelurahan(kelurahan)
    sites = catalogue()["sites"]
    points = [Point(*site["lokasi"]) for site in sites]
    rows = locate(points, kel)
    records = [{"kode_wisata": s["kode"], **{k: s.get(k) for k in SITE_COLUMNS[1:12]},
                "ketelitian_m": s.get("ketelitian_m"), "kode_kel": kel["kode_kel"].iat[r],
                "nama_kel": kel["nama_kel"].iat[r], "nama_kec": kel["nama_kec"].iat[r],
                "source": _row_source(s["sumber_lokasi"])} for s, r in zip(sites, rows, strict=True)]
    return geoframe(records, points, SITE_COLUMNS)


def walking_minutes(metres: float) -> int:
    return math.ceil(metres / WALKING_M_PER_MIN)


def generate_tourism_walks(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """Each walk as a line through its stops in order, its length (to 10 m) and walking time."""
    located = {s["kode"]: tuple(s["lokasi"]) for s in catalogue()["sites"]}
    records, lines = [], []
    for walk in catalogue()["walks"]:
        line = LineString([located[code] for code in walk["halte"]])
        metres = round(to_utm(line).length, -1)
        records.append({"kode_rute": walk["kode"], "nama_id": walk["nama_id"], "nama_en": walk["nama_en"],
                        "uraian_id": walk["uraian_id"], "uraian_en": walk["uraian_en"],
                        "halte": ",".join(walk["halte"]), "jarak_m": int(metres),
                        "waktu_menit": walking_minutes(metres), "source": "wisata-kurasi"})
        lines.append(line)
    return geoframe(records, lines, list(records[0]))
