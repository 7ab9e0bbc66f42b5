"""The words of the service pages, in Bahasa Indonesia and English (the citizen pages' switch picks one)."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "services": {"id": "Layanan online", "en": "Online services"},
    "services_intro": {"id": "Ajukan permohonan dari ponsel dan ikuti prosesnya sampai selesai.",
                       "en": "Apply from your phone and follow your application to the end."},
    "apply": {"id": "Ajukan permohonan", "en": "Apply"},
    "login_first": {"id": "Masuk (login) dulu untuk mengajukan permohonan dan melihat statusnya.",
                    "en": "Log in to apply and to follow your applications."},
    "login": {"id": "Masuk", "en": "Log in"},
    "my_cases": {"id": "Permohonan saya", "en": "My applications"},
    "no_cases": {"id": "Belum ada permohonan.", "en": "No applications yet."},
    "plot": {"id": "Lokasi", "en": "Location"},
    "plot_help": {"id": "Ketuk sudut-sudut bidang tanah di peta (sedikitnya 3), lalu periksa hasilnya di bawah peta.",
                  "en": "Tap the plot's corners on the map (at least 3), then read the findings below the map."},
    "parcel_help": {"id": "Atau ketuk salah satu bidang PBB Anda (cokelat) untuk memakai batasnya.",
                    "en": "Or tap one of your tax parcels (brown) to use its boundary."},
    "parcel_picked": {"id": "Bidang PBB dipilih", "en": "Tax parcel picked"},
    "clear_plot": {"id": "Hapus gambar", "en": "Clear the drawing"},
    "undo_corner": {"id": "Batalkan titik terakhir", "en": "Undo the last corner"},
    "findings": {"id": "Hasil pemeriksaan lokasi", "en": "Site check findings"},
    "findings_wait": {"id": "Gambar bidang tanah untuk melihat hasil pemeriksaan.",
                      "en": "Draw the plot to see the site check."},
    "attachments": {"id": "Lampiran", "en": "Attachments"},
    "submit": {"id": "Kirim permohonan", "en": "Send the application"},
    "problems": {"id": "Permohonan belum dapat diterima:", "en": "The application cannot be accepted yet:"},
    "choose": {"id": "— pilih —", "en": "— choose —"},
    "received": {"id": "Permohonan diterima.", "en": "Application received."},
    "number": {"id": "Nomor permohonan", "en": "Application number"},
    "status": {"id": "Status", "en": "Status"},
    "due": {"id": "Target selesai tahap ini", "en": "This step due by"},
    "overdue": {"id": "lewat tenggat", "en": "overdue"},
    "fee": {"id": "Retribusi", "en": "Fee"},
    "history": {"id": "Riwayat", "en": "History"},
    "note": {"id": "Catatan petugas", "en": "Note from staff"},
    "where": {"id": "Lokasi", "en": "Location"},
    "documents": {"id": "Dokumen", "en": "Documents"},
    "bills": {"id": "Tagihan", "en": "Bills"},
    "actions": {"id": "Tindakan", "en": "Actions"},
    "event_submitted": {"id": "Permohonan diajukan", "en": "Application submitted"},
    "event_transition": {"id": "Status berubah", "en": "Status changed"},
    "event_comment": {"id": "Catatan", "en": "Note"},
    "event_visit": {"id": "Peninjauan lapangan", "en": "Field visit"},
    "event_assign": {"id": "Petugas ditetapkan", "en": "Assigned"},
    "by_applicant": {"id": "pemohon", "en": "applicant"},
    "by_staff": {"id": "petugas", "en": "staff"},
    "register_map": {"id": "Peta izin yang terbit", "en": "Map of issued permits"},
}


def ui(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in UI.items()}
