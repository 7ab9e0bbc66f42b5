"""Seeds of the layers PPDB owns: school_zones (the zones of the seed schools) and a few synthetic,
clearly made-up registrations (ppdb_registrations), so the layer's drift and privacy tests have rows."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd

from geodata.seed import seed_input
from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
)
from services.ppdb.zones import city_outline, compute_zones


def generate_school_zones(kelurahan: gpd.GeoDataFrame, **context: object) -> gpd.GeoDataFrame:
    """The zones of the schools the seed loads, clipped to the city (services.ppdb.zones)."""
    return compute_zones(seed_input("schools", kelurahan), city_outline(kelurahan))


# Registrations waiting for the document check, or closed without a round (no seat, no quota counted).
SEED_STATES = ("submitted", "submitted", "verified", "rejected", "withdrawn")


def generate_ppdb_registrations(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED,
                                **context: object) -> gpd.GeoDataFrame:
    """Five made-up registrations (no real child or parent) at homes inside the kelurahan."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "ppdb_registrations")
    points = sample_in_kelurahan(kel, rng, len(SEED_STATES), central_weight=2.0)
    where = locate(points, kel)
    start = pd.Timestamp("2026-06-02T08:00:00+07:00")
    records = []
    for i, (status, row) in enumerate(zip(SEED_STATES, where, strict=True)):
        submitted = start + pd.Timedelta(hours=int(i * 5))
        records.append({
            "case_ref": f"PPDB-SEED{i + 1:04d}", "service": "ppdb", "status": status, "agency": "DISDIK",
            "submitted_at": submitted, "state_since": submitted + pd.Timedelta(days=1 if status != "submitted" else 0),
            "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
            "nama_kec": kel["nama_kec"].iat[row], "jenjang": "SMP",
            "public_note": "Contoh pendaftaran sintetis.",
            "nama_anak": f"Anak Contoh {i + 1:02d} (sintetis)", "nik_anak": f"00000000000001{i + 1:02d}",
            "tanggal_lahir": date(2013, i + 1, 10 + i), "nama_pemohon": f"Orang Tua Contoh {i + 1:02d} (sintetis)",
            "telp_pemohon": f"0800-0001-{i + 1:04d}", "email_pemohon": f"ortu{i + 1:02d}@contoh.invalid",
            "address": f"Alamat contoh {i + 1:02d} (sintetis)",
            "internal_notes": f"Catatan internal PPDB contoh {i + 1:02d} (sintetis)",
        })
    return geoframe(records, list(points), list(records[0]))
