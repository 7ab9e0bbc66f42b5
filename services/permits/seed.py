"""Seed of the permits layers: land-use zones and past applications, synthetic and deterministic.

`zoning` is NOT Medan's detailed spatial plan (RDTR): each kelurahan is cut in two at
its centroid and each half gets a zone type drawn with fixed weights, so the permits
service has zones to check a plot against. `permit_cases` gets a few applications in
every state (made-up applicants, no real person); the database derives `permits_public` from the issued ones.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Polygon, box
from shapely.geometry.polygon import orient

from geodata.synthetic.common import (
    DEFAULT_SEED,
    as_multipolygon,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
    to_utm,
    to_wgs,
)

AGENCY = "DPMPTSP"
# zone code -> (name, uses allowed, maximum floors, weight of the draw)
ZONES = {
    "R": ("Perumahan", "hunian,sosial", 4, 0.50),
    "K": ("Perdagangan dan jasa", "usaha,hunian,sosial", 8, 0.22),
    "I": ("Industri", "industri,usaha", 3, 0.08),
    "RTH": ("Ruang terbuka hijau", "ruang_terbuka", 0, 0.10),  # no building at all
    "SPU": ("Sarana pelayanan umum", "sosial", 4, 0.10),
}


def generate_zoning(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """Two land-use zones per kelurahan (its west and east halves), types drawn with fixed weights."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "zoning")
    codes = list(ZONES)
    weights = [ZONES[c][3] for c in codes]
    records, geometries = [], []
    for row in kel.itertuples():
        minx, miny, maxx, maxy = row.geometry.bounds
        cx = row.geometry.centroid.x
        for half, cut in (("A", box(minx - 1, miny - 1, cx, maxy + 1)), ("B", box(cx, miny - 1, maxx + 1, maxy + 1))):
            part = shapely.make_valid(row.geometry.intersection(cut))
            polygons = [g for g in getattr(part, "geoms", [part]) if g.geom_type == "Polygon" and g.area > 0]
            if not polygons:
                continue
            code = codes[int(rng.choice(len(codes), p=weights))]
            name, uses, floors, _ = ZONES[code]
            records.append({"zone_id": f"Z-{row.kode_kel}-{half}", "zone_code": code,
                            "zone_name": f"{name} (sintetis)", "allowed_uses": uses, "max_floors": floors,
                            "kode_kel": row.kode_kel, "nama_kel": row.nama_kel, "nama_kec": row.nama_kec})
            geometries.append(as_multipolygon(shapely.MultiPolygon(polygons)))
    return geoframe(records, geometries, list(records[0]))


def plot_around(point: shapely.Point, width_m: float, depth_m: float) -> Polygon:
    """A rectangular plot of width x depth metres centred on a WGS 84 point."""
    x, y = to_utm(point).coords[0]
    # Clockwise, as the rest of the seed (from Shapefiles) is: a Shapefile round trip keeps it as it is.
    return orient(to_wgs(box(x - width_m / 2, y - depth_m / 2, x + width_m / 2, y + depth_m / 2)), sign=-1.0)


# Issued first: the public register's rows then follow the first rows of the cases in order.
FINAL = ("issued", "rejected")
STATES = ["issued", "issued", "issued", "submitted", "verified", "field_check", "approved", "rejected"]


def generate_permit_cases(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """Eight past applications, one or more in each state, on plots inside the kelurahan; made-up applicants."""
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "permit_cases")
    points = sample_in_kelurahan(kel, rng, len(STATES), central_weight=2.0)
    where = locate(points, kel)
    start = pd.Timestamp("2026-10-01T09:00:00+07:00")
    records, plots = [], []
    for i, (status, point, row) in enumerate(zip(STATES, points, where, strict=True)):
        service = "pbg" if i % 2 == 0 else "izin_lokasi_usaha"
        width, depth = float(rng.integers(8, 20)), float(rng.integers(12, 30))
        plot = plot_around(point, width, depth)
        submitted = start + pd.Timedelta(days=int(i * 6))
        records.append({
            "case_ref": f"{'PBG' if service == 'pbg' else 'ILU'}-SEED{i + 1:04d}", "service": service,
            "status": status, "agency": AGENCY, "submitted_at": submitted,
            "state_since": submitted + pd.Timedelta(days=2 * STATES.index(status)),
            # Past due (the seed is from October): the desk has overdue cases to ring.
            "due_at": None if status in FINAL else submitted + pd.Timedelta(days=2 * STATES.index(status) + 3),
            "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
            "nama_kec": kel["nama_kec"].iat[row], "plot_area_m2": round(width * depth, 1),
            "building_use": "hunian" if service == "pbg" else None,
            "floors": int(rng.integers(1, 3)) if service == "pbg" else None,
            "floor_area_m2": round(width * depth * 0.8, 1) if service == "pbg" else None,
            "business_kind": None if service == "pbg" else "perdagangan",
            "business_name": None if service == "pbg" else f"Usaha contoh {i + 1} (sintetis)",
            "public_note": "Contoh permohonan sintetis.",
            # Made-up applicant data (no real person), so the privacy tests have values to look for.
            "nama_pemohon": f"Pemohon Contoh {i + 1:02d} (sintetis)", "telp_pemohon": f"0800-0000-{i + 1:04d}",
            "email_pemohon": f"pemohon{i + 1:02d}@contoh.invalid", "nik_pemohon": f"00000000000000{i + 1:02d}",
            "internal_notes": f"Catatan internal contoh {i + 1:02d} (sintetis)",
        })
        plots.append(plot)
    frame = geoframe(records, plots, list(records[0]))
    frame["floors"] = frame["floors"].astype("Int64")  # a business location has no floors: a nullable integer
    return frame

