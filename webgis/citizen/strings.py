"""The citizen pages' own words, Bahasa Indonesia first, then English.

Same approach as webgis/pages/strings.py (and the same `?lang=` / cookie
choice through its `language_of`): category names and attribute labels come
from services/complaints/categories.yaml, status labels from here.
"""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "site_title": {"id": "Layanan Warga Kota Medan", "en": "Medan Citizen Services"},
    "report_title": {"id": "Lapor masalah di kota", "en": "Report a problem in the city"},
    "report_intro": {"id": "Pilih lokasi di peta, pilih kategori, lalu jelaskan masalahnya. Anda akan mendapat "
                           "nomor laporan untuk memantau penanganannya.",
                     "en": "Pick the place on the map, choose a category and describe the problem. You get a "
                           "tracking number to follow how it is handled."},
    "place": {"id": "Lokasi", "en": "Place"},
    "place_hint": {"id": "Klik peta di titik masalah, atau gunakan lokasi Anda.",
                   "en": "Click the map where the problem is, or use your location."},
    "use_location": {"id": "Gunakan lokasi saya", "en": "Use my location"},
    "place_search": {"id": "Cari alamat atau tempat", "en": "Find an address or place"},
    "place_search_button": {"id": "Cari", "en": "Search"},
    "place_search_hint": {"id": "Misalnya \"Jl. Gatot Subroto\", \"Masjid Raya\" atau \"Kel. Petisah Tengah\".",
                          "en": "For example \"Jl. Gatot Subroto\", \"Masjid Raya\" or \"Kel. Petisah Tengah\"."},
    "place_search_none": {"id": "Tidak ada jalan atau tempat dengan nama itu.", "en": "No street or place of that name."},
    "place_search_short": {"id": "Ketik paling sedikit 2 huruf.", "en": "Type at least 2 characters."},
    "place_search_picked": {"id": "Lokasi dipilih:", "en": "Location picked:"},
    "locate_failed": {"id": "Lokasi Anda tidak dapat ditentukan.", "en": "Your location could not be found."},
    "lat": {"id": "Lintang", "en": "Latitude"},
    "long": {"id": "Bujur", "en": "Longitude"},
    "category": {"id": "Kategori", "en": "Category"},
    "choose": {"id": "— pilih —", "en": "— choose —"},
    "description": {"id": "Uraian", "en": "Description"},
    "description_hint": {"id": "Paling banyak 4000 karakter.", "en": "At most 4000 characters."},
    "photo": {"id": "Foto (JPEG, PNG atau WebP, maks. 5 MB)", "en": "Photo (JPEG, PNG or WebP, 5 MB at most)"},
    "photo_hint": {"id": "Foto ditampilkan di halaman laporan untuk umum, diperkecil dan tanpa data lokasi (GPS) "
                         "kamera. Hindari memotret wajah orang atau pelat nomor kendaraan.",
                   "en": "The photo is shown on the report's public page, made smaller and without the camera's "
                         "location (GPS) data. Avoid people's faces and number plates."},
    "photo_alt": {"id": "Foto yang dikirim bersama laporan", "en": "The photo sent with the report"},
    "photo_caption": {"id": "Foto dari pelapor (diperkecil, tanpa data lokasi kamera).",
                      "en": "The reporter's photo (made smaller, without the camera's location data)."},
    "contact": {"id": "Kontak (tidak wajib, hanya untuk petugas)", "en": "Contact (optional, staff only)"},
    "first_name": {"id": "Nama depan", "en": "First name"},
    "last_name": {"id": "Nama belakang", "en": "Last name"},
    "email": {"id": "E-mail", "en": "E-mail"},
    "phone": {"id": "Telepon", "en": "Phone"},
    "submit": {"id": "Kirim laporan", "en": "Send the report"},
    "required": {"id": "wajib", "en": "required"},
    "error_title": {"id": "Laporan belum terkirim", "en": "The report was not sent"},
    "nothing_stored": {"id": "Tidak ada yang disimpan. Perbaiki isian berikut lalu kirim lagi.",
                       "en": "Nothing was stored. Correct the following and send it again."},
    "duplicates_title": {"id": "Laporan serupa di dekat sini", "en": "Similar reports nearby"},
    "duplicates_intro": {"id": "Mungkin masalah yang sama sudah dilaporkan. Anda dapat mendukung laporan itu "
                               "daripada membuat laporan baru.",
                         "en": "The same problem may already be reported. You can support that report "
                               "instead of filing a new one."},
    "support": {"id": "Dukung laporan ini", "en": "Support this report"},
    "supported": {"id": "Terima kasih, dukungan Anda tercatat.", "en": "Thank you, your support was recorded."},
    "supporters": {"id": "Dukungan warga", "en": "Supporters"},
    "metres_away": {"id": "m dari titik Anda", "en": "m from your point"},
    "tracking_title": {"id": "Status laporan", "en": "Report status"},
    "tracking_number": {"id": "Nomor laporan", "en": "Tracking number"},
    "received": {"id": "Laporan Anda diterima. Simpan nomor laporan ini untuk memantau penanganannya.",
                 "en": "Your report was received. Keep this tracking number to follow it."},
    "status": {"id": "Status", "en": "Status"},
    "agency": {"id": "Ditangani oleh", "en": "Handled by"},
    "area": {"id": "Wilayah", "en": "Area"},
    "requested": {"id": "Dilaporkan", "en": "Reported"},
    "expected": {"id": "Target selesai", "en": "Expected by"},
    "history": {"id": "Riwayat", "en": "History"},
    "by": {"id": "oleh", "en": "by"},
    "note": {"id": "Catatan petugas", "en": "Staff note"},
    "track_another": {"id": "Lacak laporan lain", "en": "Track another report"},
    "track": {"id": "Lacak", "en": "Track"},
    "new_report": {"id": "Buat laporan baru", "en": "File a new report"},
    "map_title": {"id": "Peta pengaduan per kelurahan", "en": "Complaints per kelurahan"},
    "map_intro": {"id": "Jumlah laporan warga per kelurahan (warna) dan sebaran laporan (peta panas). "
                        "Lokasi dibulatkan ke ~50 m.",
                  "en": "Citizens' reports per kelurahan (colour) and where they cluster (heat map). "
                        "Locations are rounded to ~50 m."},
    "choropleth": {"id": "Jumlah per kelurahan", "en": "Count per kelurahan"},
    "heatmap": {"id": "Peta panas", "en": "Heat map"},
    # The map's kelurahan as a table: the keyboard's and screen reader's way to what the colours say.
    "map_table": {"id": "Kelurahan dengan laporan (klik nama untuk melihatnya di peta)",
                  "en": "Kelurahan with reports (choose a name to see it on the map)"},
    "map_kelurahan": {"id": "Kelurahan", "en": "Kelurahan"},
    "map_kecamatan": {"id": "Kecamatan", "en": "District"},
    "map_count": {"id": "Jumlah laporan", "en": "Reports"},
    "reports": {"id": "laporan", "en": "reports"},
    "all_categories": {"id": "Semua kategori", "en": "All categories"},
    "days": {"id": "Periode", "en": "Period"},
    "all_time": {"id": "Semua waktu", "en": "All time"},
    "last_30": {"id": "30 hari terakhir", "en": "Last 30 days"},
    "last_90": {"id": "90 hari terakhir", "en": "Last 90 days"},
    "load_failed": {"id": "Data gagal dimuat.", "en": "Could not load the data."},
    "ppdb_title": {"id": "PPDB zonasi: sekolah mana yang bisa dituju dari rumah?",
                   "en": "PPDB zoning: which schools can my child apply to from home?"},
    "ppdb_intro": {"id": "Klik lokasi rumah di peta (atau gunakan lokasi Anda) dan pilih jenjang. Daftar "
                         "menunjukkan sekolah negeri terdekat dan apakah rumah berada di zonanya.",
                   "en": "Click your home on the map (or use your location) and choose the level. The list "
                         "shows the nearest public schools and whether the home is inside their zone."},
    "level": {"id": "Jenjang", "en": "Level"},
    "school": {"id": "Sekolah", "en": "School"},
    "distance": {"id": "Jarak", "en": "Distance"},
    "in_zone": {"id": "Dalam zona", "en": "In zone"},
    "out_zone": {"id": "Di luar zona", "en": "Outside the zone"},
    "seats": {"id": "Kuota zonasi", "en": "Zoning seats"},
    "ppdb_note": {"id": "Jarak garis lurus. Radius zona adalah asumsi perencanaan, bukan keputusan Dinas "
                        "Pendidikan.",
                  "en": "Straight-line distance. Zone radii are planning assumptions, not the education "
                        "office's decree."},
    "ppdb_pick": {"id": "Klik peta untuk memilih lokasi rumah.", "en": "Click the map to pick the home."},
    "show": {"id": "Tampilkan", "en": "Show"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "language": {"id": "Bahasa", "en": "Language"},
    "nav_report": {"id": "Lapor", "en": "Report"},
    "nav_map": {"id": "Peta pengaduan", "en": "Complaints map"},
    "nav_ppdb": {"id": "PPDB zonasi", "en": "School zoning"},
    "nav_home": {"id": "Peta kota", "en": "City map"},
    "nav_services": {"id": "Layanan online", "en": "Online services"},
    "taxes_title": {"id": "Pajak dan retribusi", "en": "Taxes and fees"},
    "pbb_link": {"id": "Cek dan bayar PBB (pajak bumi dan bangunan)", "en": "Check and pay the land and building tax (PBB)"},
    "pbb_collection_link": {"id": "Realisasi PBB per kelurahan", "en": "PBB collection per kelurahan"},
    "waste_link": {"id": "Retribusi sampah", "en": "Waste collection fee"},
}

STATUS: dict[str, dict[str, str]] = {
    "open": {"id": "Baru diterima", "en": "Received"},
    "acknowledged": {"id": "Diterima petugas", "en": "Acknowledged"},
    "in_progress": {"id": "Sedang dikerjakan", "en": "In progress"},
    "resolved": {"id": "Selesai ditangani", "en": "Resolved"},
    "rejected": {"id": "Ditolak", "en": "Rejected"},
    "closed": {"id": "Ditutup", "en": "Closed"},
}

ACTORS: dict[str, dict[str, str]] = {
    "warga": {"id": "warga", "en": "citizen"},
    "petugas": {"id": "petugas", "en": "staff"},
    "sistem": {"id": "sistem", "en": "system"},
}


def ui_strings(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in UI.items()}


def status_label(status: str, lang: str) -> str:
    return STATUS.get(status, {}).get(lang, status)


def actor_label(actor: str, lang: str) -> str:
    return ACTORS.get(actor, {}).get(lang, actor)
