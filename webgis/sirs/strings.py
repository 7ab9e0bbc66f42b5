"""The bed finder's own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "beds_title": {"id": "Cari tempat tidur kosong di rumah sakit", "en": "Find a free hospital bed"},
    "beds_intro": {"id": "Ketersediaan tempat tidur yang dilaporkan rumah sakit di Kota Medan. Ketuk peta atau "
                          "pakai lokasi Anda untuk mengurutkan dari yang terdekat. Dalam keadaan gawat darurat "
                          "hubungi 119 atau langsung ke IGD terdekat.",
                   "en": "Bed availability as reported by the hospitals of Medan. Tap the map or use your "
                         "location to list the nearest first. In an emergency call 119 or go straight to the "
                         "nearest emergency department."},
    "bed_class": {"id": "Kelas tempat tidur", "en": "Bed class"},
    "all_classes": {"id": "Semua kelas rawat inap", "en": "All inpatient classes"},
    "use_location": {"id": "Pakai lokasi saya", "en": "Use my location"},
    "tap_map": {"id": "atau ketuk peta di tempat Anda berada", "en": "or tap the map where you are"},
    "free": {"id": "kosong", "en": "free"},
    "of": {"id": "dari", "en": "of"},
    "km": {"id": "km", "en": "km"},
    "stale": {"id": "Laporan lama", "en": "Old report"},
    "stale_note": {"id": "Rumah sakit yang tidak melapor lebih dari {h} jam diberi tanda \u201cLaporan lama\u201d: "
                          "angkanya mungkin sudah berubah, telepon dulu.",
                   "en": "Hospitals that have not reported for more than {h} hours are marked \u201cOld report\u201d: "
                         "their figures may have changed, call first."},
    "never_reported": {"id": "belum pernah melapor", "en": "never reported"},
    "last_report": {"id": "Laporan terakhir", "en": "Last report"},
    "history": {"id": "Riwayat tempat tidur kosong (7 hari)", "en": "Free beds over time (7 days)"},
    "capacity": {"id": "Kapasitas", "en": "Capacity"},
    "available": {"id": "Kosong", "en": "Free"},
    "report_beds": {"id": "Laporkan tempat tidur", "en": "Report beds"},
    "report_title": {"id": "Laporan tempat tidur", "en": "Bed report"},
    "report_intro": {"id": "Isi kapasitas dan jumlah yang kosong saat ini untuk setiap kelas yang ada di rumah "
                            "sakit ini. Kelas yang dikosongkan tidak ikut dilaporkan.",
                     "en": "Fill in the capacity and the number free now for each class this hospital has. "
                           "Classes left empty are not reported."},
    "save": {"id": "Simpan laporan", "en": "Save report"},
    "saved": {"id": "Laporan tersimpan.", "en": "Report saved."},
    "refused": {"id": "Laporan ditolak, tidak ada yang disimpan:", "en": "Report refused, nothing was saved:"},
    "not_yours": {"id": "Anda tidak melapor untuk rumah sakit ini.", "en": "You do not report for this hospital."},
    "no_hospital": {"id": "Rumah sakit tidak ditemukan.", "en": "Hospital not found."},
    "open_page": {"id": "Rincian dan riwayat", "en": "Details and history"},
    "synthetic_beds": {"id": "Rumah sakit: data Kemenkes 2019. Jumlah tempat tidur contoh bersifat SINTETIS "
                              "(bukan laporan sebenarnya) sampai rumah sakit melapor sendiri.",
                       "en": "Hospitals: Kemenkes 2019 data. The example bed figures are SYNTHETIC (not real "
                             "reports) until a hospital reports itself."},
    "synthetic_tag": {"id": "sintetis", "en": "synthetic"},
    "loading": {"id": "Memuat\u2026", "en": "Loading\u2026"},
    "none_free": {"id": "Tidak ada tempat tidur kosong kelas ini yang dilaporkan.",
                  "en": "No free bed of this class is reported."},
}
