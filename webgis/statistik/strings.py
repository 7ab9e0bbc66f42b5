"""The counts page's own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "counts_title": {"id": "Angka kesehatan dan pendidikan per kelurahan", "en": "Health and education counts per kelurahan"},
    "counts_intro": {"id": "Hanya jumlah per kelurahan, tidak pernah per orang atau per titik. Jumlah 1 sampai 9 "
                            "ditampilkan sebagai \u201c<10\u201d; angka yang dapat dipakai untuk menghitung kelompok "
                            "kecil disembunyikan, begitu pula total yang dapat membuka angka tersamar.",
                     "en": "Only counts per kelurahan, never per person or point. Counts of 1 to 9 are shown as "
                           "\u201c<10\u201d; a figure that would give away a small group is hidden, and so is a total "
                           "that could reveal a suppressed count."},
    "indicator": {"id": "Indikator", "en": "Indicator"},
    "year": {"id": "Tahun", "en": "Year"},
    "show": {"id": "Tampilkan", "en": "Show"},
    "kelurahan": {"id": "Kelurahan", "en": "Kelurahan"},
    "kecamatan": {"id": "Kecamatan", "en": "District"},
    "coverage": {"id": "Cakupan (%)", "en": "Coverage (%)"},
    "city": {"id": "Kota Medan", "en": "Kota Medan"},
    "withheld": {"id": "disembunyikan", "en": "withheld"},
    "not_allowed": {"id": "Peran Anda tidak boleh membaca angka ini.", "en": "Your role may not read these counts."},
    "synthetic_counts": {"id": "Angka contoh bersifat SINTETIS (bukan data sebenarnya).",
                         "en": "The example counts are SYNTHETIC (not real data)."},
}
