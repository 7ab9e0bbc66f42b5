"""City parks (taman kota) of Medan: real parks where their place is known, synthetic ones beside them.

Each real park carries its own `source`: where its position comes from, with the licence,
and `ketelitian_m`, how far off the point may be. A park located only by its public
address (street and kelurahan) stands at a point inside that kelurahan and says so; the
synthetic neighbourhood parks are labelled `source = "synthetic"`. Deterministic.
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
)

COLUMNS = ["kode", "nama", "kelurahan", "kecamatan", "wifi", "ketelitian_m", "source"]
OSM = "OpenStreetMap contributors, ODbL 1.0"
BY_ADDRESS = ("position estimated inside the kelurahan of its public address ({address}); "
              "not yet matched to an OpenStreetMap object")

# (code, name, lon, lat, accuracy in metres, source). Lapangan Merdeka's point is the one
# services/pbb/seed.py and services/agenda/seed.py use (OpenStreetMap); the others are placed
# by the addresses the city's tourism pages give, so their accuracy is a kelurahan's size.
REAL_PARKS = [
    ("TAMAN-001", "Lapangan Merdeka", 98.6776, 3.5905, 100, OSM),
    ("TAMAN-002", "Taman Ahmad Yani", None, None, 600,
     BY_ADDRESS.format(address="Jl. Imam Bonjol / Jl. Jend. Sudirman, Kel. Jati, Medan Maimun")),
    ("TAMAN-003", "Taman Sri Deli", 98.6866, 3.5745, 300,
     BY_ADDRESS.format(address="Jl. Sisingamangaraja beside Masjid Raya Al-Mashun, Kel. Mesjid, Medan Kota")),
    ("TAMAN-004", "Taman Cadika Pramuka", 98.6705, 3.5370, 600,
     BY_ADDRESS.format(address="Jl. Karya Wisata, Kel. Pangkalan Mansur, Medan Johor")),
]
# Kelurahan of the parks placed by address alone: their representative point.
ADDRESS_KELURAHAN = {"TAMAN-002": ("Jati", "Medan Maimun")}
SYNTHETIC_PARKS = 6


def generate_parks(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """The real parks above and a few synthetic neighbourhood parks; every one has free Wi-Fi."""
    kel = prepare_kelurahan(kelurahan)
    points, rows = [], []
    for code, name, lon, lat, accuracy, source in REAL_PARKS:
        if lon is None:
            kel_name, kec_name = ADDRESS_KELURAHAN[code]
            match = kel[(kel["nama_kel"] == kel_name) & (kel["nama_kec"] == kec_name)]
            points.append(match["rep"].iat[0])
        else:
            points.append(Point(lon, lat))
        rows.append({"kode": code, "nama": name, "wifi": True, "ketelitian_m": accuracy, "source": source})
    rng = layer_rng(seed, "parks")
    for i, point in enumerate(sample_in_kelurahan(kel, rng, SYNTHETIC_PARKS, central_weight=1.5, min_gap_m=800)):
        points.append(point)
        rows.append({"kode": f"TAMAN-{101 + i:03d}", "nama": None, "wifi": True, "ketelitian_m": 0,
                     "source": "synthetic"})
    where = locate(points, kel)
    for row, i in zip(rows, where, strict=True):
        row["kelurahan"], row["kecamatan"] = kel["nama_kel"].iat[i], kel["nama_kec"].iat[i]
        row["nama"] = row["nama"] or f"Taman Lingkungan {row['kelurahan']}"
    return geoframe(rows, points, COLUMNS)
