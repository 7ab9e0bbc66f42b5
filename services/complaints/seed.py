"""Seed of the complaints layers: past citizen reports, synthetic and free of personal data.

The layer declarations of `complaints` and `complaints_public` both name
`services.complaints.seed:generate_complaints`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geodata.synthetic.common import (
    DEFAULT_SEED,
    city_union,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
)
from services.complaints.categories import load_categories
from services.complaints.records import rounded

HANDLED = ("open", "acknowledged", "in_progress")  # the declared states with a due time


def generate_complaints(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, n: int = 40,
                        **context) -> gpd.GeoDataFrame:
    """~40 past citizen reports (Open311) for both complaints layers, without any personal data.

    Points lie on the public ~50 m grid (services/complaints/records.py), so the
    same frame seeds the staff layer and its public companion (which keeps only
    its own columns) without revealing more than the public layer may.
    """
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "complaints")
    # Rounding to the public grid can push a point near the boundary out of the
    # city, so sample spares and keep the first n that stay inside.
    city = city_union(kel)
    candidates = [Point(*rounded(p.x, p.y)) for p in sample_in_kelurahan(kel, rng, n + 20, central_weight=2.0)]
    points = [p for p in candidates if city.contains(p)][:n]
    where = locate(points, kel)
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
        updated = at + pd.Timedelta(days=min(age, int(rng.integers(0, 15))))
        # Due by the category's target from filing while it is being handled (declaration.yaml's due rule).
        due = at + pd.Timedelta(days=category.sla_days) if status in HANDLED else pd.NaT
        records.append({
            "service_request_id": f"MDN-SEED{i + 1:04d}", "service_code": category.service_code,
            "status": status, "requested_datetime": at, "updated_datetime": updated,
            "state_since": updated, "due_at": due,
            "description": f"Contoh laporan sintetis: {category.name.id.lower()}.",
            "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row], "nama_kec": nama_kec,
            "agency": category.agency_for(nama_kec), "supporters": int(rng.poisson(1.5)),
            "status_notes": None if status == "open" else "Contoh catatan petugas (sintetis).",
        })
    return geoframe(records, points, list(records[0]))
