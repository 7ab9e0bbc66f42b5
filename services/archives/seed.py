"""Synthetic records: letters, decrees, permits and reports of several agencies from 2010 to 2026,
at points inside the real kelurahan, under every classification and retention class (some past
their retention, so the disposal list has work); deterministic, labelled synthetic by the seed."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd

from geodata.synthetic.common import (
    DEFAULT_SEED,
    geoframe,
    layer_rng,
    locate,
    prepare_kelurahan,
    sample_in_kelurahan,
)

COUNT = 120
SUBJECTS = [  # kind, subject, retention class, agency
    ("surat", "Undangan rapat koordinasi drainase", "UND", "DSDABMBK"),
    ("keputusan", "Keputusan Wali Kota tentang penetapan lokasi pasar", "KEP", "SETDA"),
    ("izin", "Persetujuan bangunan gedung rumah tinggal", "IZN", "DPMPTSP"),
    ("laporan", "Laporan penanganan pengaduan jalan rusak", "LAP", "DSDABMBK"),
    ("perjanjian", "Kontrak pekerjaan normalisasi parit", "KTR", "DSDABMBK"),
    ("surat", "Surat tanggapan pengaduan warga tentang sampah", "ADU", "DLH"),
    ("laporan", "Laporan pertanggungjawaban keuangan kegiatan", "KEU", "BPKAD"),
    ("keputusan", "Keputusan Kepala Dinas tentang zonasi PPDB", "KEP", "DISDIK"),
]
CLASSIFICATIONS = ["publik", "internal", "rahasia"]


def generate_arsip(kelurahan: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED, **context: object) -> gpd.GeoDataFrame:
    kel = prepare_kelurahan(kelurahan)
    rng = layer_rng(seed, "arsip")
    points = sample_in_kelurahan(kel, rng, COUNT, central_weight=1.5)
    rows = locate(points, kel)
    records = []
    for n, row in enumerate(rows, start=1):
        kind, subject, retention, agency = SUBJECTS[int(rng.integers(len(SUBJECTS)))]
        dated = date(2010, 1, 1) + timedelta(days=int(rng.integers(0, 6150)))
        place = kel["nama_kel"].iat[row]
        records.append({"kode_arsip": f"ARS-{n:06d}", "nomor_naskah": f"{100 + n}/{n:04d}/{agency}/{dated.year}",
                        "judul": f"{subject} di Kelurahan {place}", "jenis": kind, "tanggal": dated,
                        "ringkasan": f"{subject}. Lokasi: Kelurahan {place}, Kecamatan {kel['nama_kec'].iat[row]}. "
                                     "Contoh naskah sintetis.",
                        "agency": agency, "klasifikasi": CLASSIFICATIONS[int(rng.integers(3))],
                        "kelas_retensi": retention, "status_arsip": "aktif",
                        "kode_kel": kel["kode_kel"].iat[row], "nama_kel": place, "nama_kec": kel["nama_kec"].iat[row]})
    return geoframe(records, points, list(records[0]))
