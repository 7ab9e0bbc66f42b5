"""Seed of the UMKM layers: registered small businesses and their products, synthetic and deterministic.

Sixty made-up businesses inside real kelurahan (the central kecamatan weighted, as shops are),
most verified, some awaiting verification or rejected, so the desk, the public register and the
agency's counts have something to show; each verified one sells two or three products of its
category. Owners are made-up people (no real person), their contacts `.invalid`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    made_up_name,
    prepare_kelurahan,
    sample_in_kelurahan,
)

AGENCY = "DINKOPUKM"
COUNT = 60
# category -> (business name stems, products (name, price in rupiah))
CATALOGUE: dict[str, tuple[tuple[str, ...], tuple[tuple[str, int], ...]]] = {
    "kuliner": (("Dapur", "Warung", "Kedai", "Rumah Makan"), (
        ("Bika Ambon", 45000), ("Bolu Meranti Gulung", 70000), ("Lontong Medan", 15000), ("Mie Gomak", 18000),
        ("Kopi Sidikalang Bubuk 250 g", 35000), ("Sambal Andaliman", 30000), ("Teri Medan Kacang", 40000))),
    "fesyen": (("Butik", "Konveksi", "Rumah Ulos"), (
        ("Kain Ulos Ragi Hotang", 350000), ("Kemeja Batik Medan", 175000), ("Songket Melayu Deli", 600000),
        ("Kaos Sablon Medan", 85000))),
    "kerajinan": (("Sanggar", "Galeri", "Kriya"), (
        ("Tas Anyaman Pandan", 120000), ("Miniatur Istana Maimun", 250000), ("Gantungan Kunci Gorga", 15000),
        ("Tikar Pandan", 90000))),
    "pertanian": (("Kebun", "Tani", "Hidroponik"), (
        ("Jeruk Berastagi 1 kg", 25000), ("Selada Hidroponik", 12000), ("Bibit Cabai Rawit", 5000),
        ("Madu Hutan 500 ml", 110000))),
    "jasa": (("Jasa", "Bengkel", "Salon"), (
        ("Servis Sepeda Motor", 60000), ("Jahit Permak Celana", 25000), ("Potong Rambut", 30000),
        ("Cuci Setrika per kg", 8000))),
    "perdagangan": (("Toko", "Grosir", "Kios"), (
        ("Beras Pandan Wangi 5 kg", 78000), ("Minyak Goreng 2 L", 36000), ("Gula Aren 1 kg", 32000),
        ("Pulsa dan Paket Data", 25000))),
}
CATEGORIES = list(CATALOGUE)
BRANDS = ("Berkah", "Maju Jaya", "Sejahtera", "Barokah", "Mandiri", "Sentosa", "Sumber Rezeki")
# Most verified; a few waiting (the desk's queue) and rejected.
STATES = ["verified"] * 46 + ["submitted"] * 10 + ["rejected"] * 4
START = pd.Timestamp("2026-09-01T09:00:00+07:00")


def _businesses(kelurahan: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "umkm_businesses")
    points = sample_in_kelurahan(kel, rng, COUNT, central_weight=2.5, min_gap_m=60)
    where = locate(points, kel)
    order = rng.permutation(len(STATES))
    records = []
    for i, row in enumerate(where):
        status = STATES[int(order[i])]
        category = CATEGORIES[i % len(CATEGORIES)]
        stem = CATALOGUE[category][0][int(rng.integers(len(CATALOGUE[category][0])))]
        owner = made_up_name(rng)
        submitted = START + pd.Timedelta(days=int(i), hours=int(rng.integers(0, 8)))
        since = submitted + pd.Timedelta(days=2) if status != "submitted" else submitted
        records.append({
            "case_ref": f"UMKM-SEED{i + 1:04d}", "status": status, "agency": AGENCY, "submitted_at": submitted,
            "state_since": since, "due_at": submitted + pd.Timedelta(days=5) if status == "submitted" else None,
            "kode_kel": kel["kode_kel"].iat[row], "nama_kel": kel["nama_kel"].iat[row],
            "nama_kec": kel["nama_kec"].iat[row],
            # A shop's name, not its owner's (the owner's name is private): a stem, a wish, the kelurahan.
            "nama_usaha": f"{stem} {BRANDS[i % len(BRANDS)]} {kel['nama_kel'].iat[row].title()}",
            "kategori": category, "uraian": f"Usaha {category} contoh (sintetis) di Kel. {kel['nama_kel'].iat[row].title()}.",
            "address": f"Jl. Contoh No. {i + 1} (sintetis)",
            "nib": f"{9120000000000 + i}" if i % 3 == 0 else None,
            # Every other owner chose to publish a WhatsApp number (a made-up 0800 range: no real line).
            "kontak_publik": f"08000000{i + 1:04d}" if i % 2 == 0 else None,
            "public_note": "Data contoh ditolak (sintetis)." if status == "rejected" else None,
            "nama_pemohon": f"{owner} (sintetis)", "telp_pemohon": f"0800-1111-{i + 1:04d}",
            "email_pemohon": f"umkm{i + 1:02d}@contoh.invalid", "akun_pemohon": None,
            "attachment_files": None, "assigned_to": None,
            "internal_notes": f"Catatan internal UMKM contoh {i + 1:02d} (sintetis)",
        })
    # Verified first: the public register's rows (derived in insertion order) then follow the first rows
    # of the registrations in order, as tests/layers/test_datetimes.py expects of a derived layer.
    verified_first = sorted(range(len(records)), key=lambda n: records[n]["status"] != "verified")
    return geoframe([records[n] for n in verified_first], [points[n] for n in verified_first], list(records[0]))


def generate_umkm_businesses(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """Sixty registrations inside the kelurahan; the database derives umkm_public from the verified ones."""
    return _businesses(kelurahan, seed)


def generate_umkm_products(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context) -> gpd.GeoDataFrame:
    """Two or three products of its category for each verified seeded business, at its location."""
    businesses = _businesses(kelurahan, seed)
    rng = layer_rng(seed, "umkm_products")
    records, points = [], []
    for business in businesses[businesses["status"] == "verified"].itertuples():
        offers = CATALOGUE[business.kategori][1]
        picks = rng.choice(len(offers), size=int(rng.integers(2, 4)), replace=False)
        for n, pick in enumerate(sorted(int(p) for p in picks)):
            name, price = offers[pick]
            records.append({
                "kode_produk": f"{business.case_ref}-P{n + 1}", "case_ref": business.case_ref,
                "nama_usaha": business.nama_usaha, "nama_produk": name,
                "harga": int(np.round(price * rng.uniform(0.9, 1.1), -3)) or price,
                "uraian": f"{name} dari {business.nama_usaha} (contoh sintetis).", "foto": None,
                "kode_kel": business.kode_kel, "nama_kel": business.nama_kel, "nama_kec": business.nama_kec,
                "dibuat": business.state_since + pd.Timedelta(hours=n + 1), "akun_penjual": None,
            })
            points.append(business.geometry)
    frame = geoframe(records, points, list(records[0]))
    frame["harga"] = frame["harga"].astype("int64")
    return frame
