"""The park Wi-Fi page's own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "wifi_title": {"id": "Wi-Fi gratis di taman kota", "en": "Free Wi-Fi in city parks"},
    "wifi_intro": {"id": "Wi-Fi gratis menyala setiap hari pukul {hours} WIB di taman-taman kota Medan berikut. "
                          "Keadaan \u201csekarang\u201d adalah laporan terakhir titik akses di taman itu.",
                   "en": "Free Wi-Fi is on every day from {hours} WIB (Western Indonesian Time) in these Medan "
                         "city parks. \u201cNow\u201d is what the park's access points last reported."},
    "park": {"id": "Taman", "en": "Park"},
    "hours": {"id": "Jam Wi-Fi", "en": "Wi-Fi hours"},
    "now": {"id": "Sekarang", "en": "Now"},
    "where": {"id": "Lokasi", "en": "Where"},
    "state_menyala": {"id": "Wi-Fi menyala sekarang", "en": "Wi-Fi on now"},
    "state_mati": {"id": "Wi-Fi mati (di luar jam)", "en": "Wi-Fi off (outside its hours)"},
    "state_gangguan": {"id": "Wi-Fi sedang gangguan", "en": "Wi-Fi out of order"},
    "state_tidak_diketahui": {"id": "Keadaan belum diketahui", "en": "State not known yet"},
    "synthetic_park": {"id": "taman sintetis", "en": "synthetic park"},
    "approximate": {"id": "letak perkiraan", "en": "approximate position"},
    "json_link": {"id": "Data JSON", "en": "JSON data"},
}
