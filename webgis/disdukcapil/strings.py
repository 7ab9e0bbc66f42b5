"""The Disdukcapil statistics page's own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "civil_title": {"id": "Statistik pencatatan sipil per kelurahan", "en": "Civil registration figures per kelurahan"},
    "civil_intro": {"id": "Jumlah akta kelahiran, akta kematian, surat pindah dan kedatangan yang terbit, menurut "
                           "bulan peristiwa dan kelurahan. Jumlah 1 sampai 4 ditampilkan sebagai \u201c< 5\u201d agar "
                           "tidak ada orang yang dapat dikenali; total kota disembunyikan bila dapat dipakai untuk "
                           "menghitung angka yang disamarkan.",
                    "en": "Birth and death certificates, moving-out and moving-in certificates issued, by month of "
                          "the event and kelurahan. Counts of 1 to 4 are shown as \u201c< 5\u201d so that nobody can be "
                          "recognised; the city total is withheld when it could be used to work out a hidden count."},
    "kind": {"id": "Jenis", "en": "Kind"},
    "month": {"id": "Bulan", "en": "Month"},
    "show": {"id": "Tampilkan", "en": "Show"},
    "kelurahan": {"id": "Kelurahan", "en": "Kelurahan"},
    "kecamatan": {"id": "Kecamatan", "en": "District"},
    "count": {"id": "Jumlah", "en": "Count"},
    "city_total": {"id": "Total Kota Medan", "en": "Kota Medan total"},
    "withheld": {"id": "disembunyikan (melindungi angka < 5)", "en": "withheld (protects counts under 5)"},
    "suppressed_class": {"id": "< 5 (disamarkan)", "en": "< 5 (suppressed)"},
    "no_records": {"id": "Belum ada data yang terbit.", "en": "Nothing issued yet."},
    "kind_akta_kelahiran": {"id": "Akta kelahiran", "en": "Birth certificates"},
    "kind_akta_kematian": {"id": "Akta kematian", "en": "Death certificates"},
    "kind_pindah_keluar": {"id": "Pindah keluar", "en": "Moving out"},
    "kind_kedatangan": {"id": "Kedatangan", "en": "Moving in"},
    "synthetic_civil": {"id": "Data contoh bersifat SINTETIS (bukan data penduduk sebenarnya).",
                        "en": "The example data are SYNTHETIC (not real residents)."},
}
