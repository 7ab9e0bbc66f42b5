"""The agenda page's words, Bahasa Indonesia first."""

UI: dict[str, dict[str, str]] = {
    "agenda_title": {"id": "Agenda Pemerintah Kota Medan", "en": "City of Medan agenda"},
    "agenda_intro": {"id": "Acara Wali Kota, Wakil Wali Kota dan SKPD beserta tempatnya.",
                     "en": "Events of the mayor, the vice mayor and the agencies, with their venues."},
    "day": {"id": "Hari", "en": "Day"},
    "week": {"id": "Minggu", "en": "Week"},
    "before": {"id": "Sebelumnya", "en": "Earlier"},
    "after": {"id": "Berikutnya", "en": "Later"},
    "no_events": {"id": "Tidak ada acara.", "en": "No events."},
    "internal": {"id": "Internal", "en": "Internal"},
    "attended_by": {"id": "Dihadiri", "en": "Attended by"},
    "organiser": {"id": "Penyelenggara", "en": "Organiser"},
    "feed": {"id": "Langganan kalender (iCalendar)", "en": "Subscribe (iCalendar)"},
    "show_on_map": {"id": "Lihat di peta", "en": "Show on map"},
}
