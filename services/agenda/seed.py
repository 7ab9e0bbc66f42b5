"""Synthetic agenda: three weeks of the mayor's and agencies' events around 7 December 2026, at
city landmarks and at kecamatan offices inside the real kelurahan; deterministic, labelled synthetic
by the seed. A fixed window (not "around today") keeps the seed the same whatever day it runs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import shapely
from shapely.geometry import Point

from geodata.synthetic.common import DEFAULT_SEED, geoframe, layer_rng, locate, prepare_kelurahan

WIB = ZoneInfo("Asia/Jakarta")
FIRST_DAY = date(2026, 11, 30)
DAYS = 21
# Landmarks of Medan (approximate points, OpenStreetMap): the venues of the city's own events.
LANDMARKS = [("Balai Kota Medan", 98.6784, 3.5909), ("Lapangan Merdeka", 98.6776, 3.5905),
             ("Istana Maimun", 98.6837, 3.5753), ("Masjid Raya Al-Mashun", 98.6873, 3.5750),
             ("Stadion Teladan", 98.6923, 3.5630), ("Taman Sri Deli", 98.6857, 3.5745)]
EVENTS = [  # title, who attends, agency, visibility
    ("Rapat koordinasi penanganan banjir", "wali_kota", "BPBD", "internal"),
    ("Peresmian taman kota", "wali_kota", "DPKPPR", "publik"),
    ("Musrenbang kecamatan", "wakil_wali_kota", "BAPPEDA", "publik"),
    ("Rapat evaluasi realisasi APBD", "sekda", "SETDA", "internal"),
    ("Upacara hari jadi", "wali_kota", "SETDA", "publik"),
    ("Sosialisasi PPDB", "kepala_skpd", "DISDIK", "publik"),
    ("Rapat teknis perizinan", "kepala_skpd", "DPMPTSP", "internal"),
    ("Gotong royong kebersihan", "camat", "DLH", "publik"),
    ("Pelayanan adminduk keliling", "lurah", "DISDUKCAPIL", "publik"),
    ("Rapat staf Bappeda", "kepala_skpd", "BAPPEDA", "internal"),
]


def generate_agenda(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context: object) -> gpd.GeoDataFrame:
    """Three events a day: one at a landmark, two at a kecamatan's office (a point of one of its kelurahan)."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "agenda")
    records, points = [], []
    for day in range(DAYS):
        when = FIRST_DAY + timedelta(days=day)
        for slot, hour in enumerate((8, 10, 14)):
            title, who, agency, visibility = EVENTS[int(rng.integers(len(EVENTS)))]
            if slot == 0:
                venue, lon, lat = LANDMARKS[int(rng.integers(len(LANDMARKS)))]
                point = Point(lon, lat)
            else:
                row = int(rng.integers(len(kel)))
                point = shapely.point_on_surface(kel.geometry.iat[row])
                venue = f"Kantor Camat {kel['nama_kec'].iat[row]}"
            start = datetime.combine(when, time(hour, int(rng.choice([0, 30]))), tzinfo=WIB)
            records.append({"kode_acara": f"AG-{when:%Y%m%d}-{slot + 1}", "judul": f"{title} ({venue})",
                            "uraian": "Contoh acara sintetis.", "mulai": start,
                            "selesai": start + timedelta(hours=int(rng.integers(1, 3))), "tempat": venue,
                            "pejabat": who, "agency": agency, "sifat": visibility})
            points.append(point)
    rows = locate(points, kel)
    for record, row in zip(records, rows, strict=True):
        record.update(kode_kel=kel["kode_kel"].iat[row], nama_kel=kel["nama_kel"].iat[row],
                      nama_kec=kel["nama_kec"].iat[row])
    return geoframe(records, points, list(records[0]))
