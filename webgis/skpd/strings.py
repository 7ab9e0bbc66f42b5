"""The agency pages' own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "skpd_title": {"id": "Perangkat daerah (SKPD) Kota Medan", "en": "City agencies (SKPD) of Medan"},
    "skpd_intro": {"id": "Tugas, layanan, kantor dan kinerja penanganan setiap perangkat daerah Pemerintah Kota Medan.",
                   "en": "The tasks, services, offices and case-handling performance of each agency of the Medan "
                         "city government."},
    "agency": {"id": "SKPD", "en": "Agency"},
    "offices": {"id": "Kantor", "en": "Offices"},
    "services": {"id": "Layanan", "en": "Services"},
    "tasks": {"id": "Tugas pokok", "en": "Main tasks"},
    "runs": {"id": "Layanan yang dijalankan", "en": "Services it runs"},
    "runs_none": {"id": "Belum ada layanan daring yang dijalankan SKPD ini.",
                  "en": "This agency runs no online service yet."},
    "kind_layanan": {"id": "permohonan", "en": "application"},
    "kind_pengaduan": {"id": "pengaduan", "en": "complaint"},
    "only_in": {"id": "hanya di", "en": "only in"},
    "contact": {"id": "Kontak kantor", "en": "Office contact"},
    "address": {"id": "Alamat", "en": "Address"},
    "phone": {"id": "Telepon", "en": "Phone"},
    "email": {"id": "Email", "en": "E-mail"},
    "contact_synthetic": {"id": "Telepon dan email masih contoh (sintetis) sampai kontak resmi SKPD dimasukkan.",
                          "en": "Phone and e-mail are placeholders (synthetic) until the agency's published "
                                "contact is entered."},
    "office_map": {"id": "Peta kantor", "en": "Map of its offices"},
    "office_list": {"id": "Daftar kantor", "en": "List of offices"},
    "synthetic_location": {"id": "lokasi sintetis", "en": "synthetic location"},
    "location_alamat_publik": {"id": "alamat publik", "en": "public address"},
    "location_registri_kemenkes_2019": {"id": "registri Kemenkes 2019", "en": "Kemenkes registry 2019"},
    "location_sintetis": {"id": "lokasi sintetis", "en": "synthetic location"},
    "performance": {"id": "Kinerja penanganan", "en": "Case handling"},
    "open_cases": {"id": "Kasus terbuka", "en": "Open cases"},
    "overdue": {"id": "Lewat batas waktu", "en": "Overdue"},
    "on_time_share": {"id": "Selesai tepat waktu (90 hari terakhir)", "en": "Closed on time (last 90 days)"},
    "closed_90": {"id": "selesai", "en": "closed"},
    "no_closed": {"id": "belum ada yang selesai", "en": "none closed yet"},
    "per_service": {"id": "Per layanan", "en": "Per service"},
    "state": {"id": "Status", "en": "State"},
    "count": {"id": "Jumlah", "en": "Count"},
    "no_cases": {"id": "Tidak ada kasus terbuka atau selesai dalam 90 hari terakhir.",
                 "en": "No open cases and none closed in the last 90 days."},
    "perf_note": {"id": "Dihitung dari lapisan kasus dan riwayat langkah layanan; hanya jumlah, tanpa data pribadi. "
                        "Tepat waktu: setiap tahap diselesaikan sebelum batas waktunya.",
                  "en": "Computed from the case layers and the services' step history; counts only, no personal "
                        "data. On time: every stage finished before its due time."},
    "back": {"id": "Semua SKPD", "en": "All agencies"},
}
