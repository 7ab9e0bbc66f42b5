"""The /rute-berkendara page's words, Bahasa Indonesia first."""

UI: dict[str, dict[str, str]] = {
    "drive_title": {"id": "Rute berkendara menghindari macet", "en": "Driving routes around congestion"},
    "drive_intro": {"id": "Ketuk peta untuk titik awal, lalu untuk tujuan. Rute yang disarankan menghindari simpang "
                           "yang macet menurut detektor lalu lintas ATCS, dan diperbarui selama halaman ini terbuka.",
                    "en": "Tap the map for your start, then for your destination. The suggested route avoids the "
                          "intersections the ATCS traffic detectors report congested, and is updated while this "
                          "page is open."},
    "from": {"id": "Dari", "en": "From"},
    "to": {"id": "Ke", "en": "To"},
    "tap_map": {"id": "ketuk peta", "en": "tap the map"},
    "avoid": {"id": "Hindari simpang macet", "en": "Avoid congested intersections"},
    "swap": {"id": "Tukar", "en": "Swap"},
    "clear": {"id": "Ulangi", "en": "Start again"},
    "suggested": {"id": "Rute disarankan", "en": "Suggested route"},
    "usual": {"id": "Rute biasa", "en": "Usual route"},
    "minutes": {"id": "menit", "en": "min"},
    "via": {"id": "lewat", "en": "via"},
    "delay": {"id": "termasuk menunggu di simpang padat", "en": "including waiting at busy intersections"},
    "avoided": {"id": "Simpang macet yang dihindari", "en": "Congested intersections avoided"},
    "unavoidable": {"id": "Tidak ada jalan lain: rute melewati simpang macet", "en": "No other way: the route "
                                                                                  "crosses a congested intersection"},
    "same_route": {"id": "Tidak ada simpang macet di rute biasa: rute disarankan sama.",
                   "en": "No congested intersection on the usual route: the suggestion is the same."},
    "updated": {"id": "Data kemacetan", "en": "Congestion data"},
    "unnamed": {"id": "jalan tanpa nama", "en": "unnamed street"},
    "queue": {"id": "antrean", "en": "queue"},
    "no_streets": {"id": "Peta jalan belum dimuat: rute berkendara belum tersedia.",
                   "en": "The street map is not loaded yet: driving routes are not available."},
    "searching": {"id": "Mencari rute…", "en": "Finding a route…"},
    "legend_suggested": {"id": "disarankan", "en": "suggested"},
    "legend_usual": {"id": "biasa", "en": "usual"},
    "legend_avoided": {"id": "simpang macet", "en": "congested intersection"},
}
