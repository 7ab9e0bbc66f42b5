"""The SIMPEG pages' own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "simpeg_public_title": {"id": "Kehadiran pegawai per instansi", "en": "Staff attendance per agency"},
    "simpeg_public_intro": {
        "id": "Kehadiran pegawai setiap hari kerja menurut instansi, dari mesin absensi kantor. Hanya angka instansi "
              "yang terbuka untuk umum; instansi dengan kurang dari 10 pegawai disembunyikan agar tidak ada orang "
              "yang dapat dikenali. Data pegawai bersifat sintetis.",
        "en": "Staff attendance on each working day per agency, from the offices' attendance machines. Only agency "
              "figures are public; agencies with fewer than 10 staff are withheld so that nobody can be recognised. "
              "The staff data is synthetic."},
    "simpeg_person_title": {"id": "Kehadiran dan kinerja pegawai", "en": "Staff attendance and performance"},
    "simpeg_agency_title": {"id": "Kehadiran pegawai instansi", "en": "Agency staff attendance"},
    "month": {"id": "Bulan", "en": "Month"},
    "day": {"id": "Tanggal", "en": "Date"},
    "show": {"id": "Tampilkan", "en": "Show"},
    "agency": {"id": "Instansi", "en": "Agency"},
    "office": {"id": "Kantor", "en": "Office"},
    "position": {"id": "Jabatan", "en": "Position"},
    "name": {"id": "Nama", "en": "Name"},
    "staff": {"id": "Pegawai", "en": "Staff"},
    "present": {"id": "Hadir", "en": "Present"},
    "late": {"id": "Terlambat", "en": "Late"},
    "absent": {"id": "Tidak hadir", "en": "Absent"},
    "leave": {"id": "Cuti/izin", "en": "On leave"},
    "rate": {"id": "Tingkat kehadiran", "en": "Attendance rate"},
    "note": {"id": "Catatan", "en": "Note"},
    "in": {"id": "Masuk", "en": "In"},
    "out": {"id": "Pulang", "en": "Out"},
    "status": {"id": "Status", "en": "Status"},
    "late_min": {"id": "Menit terlambat", "en": "Minutes late"},
    "withheld": {"id": "disembunyikan (kelompok kecil)", "en": "withheld (small group)"},
    "no_rows": {"id": "Belum ada data untuk periode ini.", "en": "No figures for this period yet."},
    "working_days": {"id": "Hari kerja", "en": "Working days"},
    "on_time": {"id": "Tepat waktu (dari hari hadir)", "en": "On time (of days present)"},
    "cases_title": {"id": "Layanan yang ditangani", "en": "Cases handled"},
    "steps": {"id": "Langkah berkas", "en": "Case steps"},
    "steps_on_time": {"id": "Selesai dalam batas waktu", "en": "Within the due time"},
    "median_hours": {"id": "Median lama (jam)", "en": "Median time (hours)"},
    "status_hadir": {"id": "Hadir", "en": "Present"},
    "status_terlambat": {"id": "Terlambat", "en": "Late"},
    "status_tidak_hadir": {"id": "Tidak hadir", "en": "Absent"},
    "status_cuti": {"id": "Cuti", "en": "Leave"},
    "status_sakit": {"id": "Sakit", "en": "Sick"},
    "status_dinas_luar": {"id": "Dinas luar", "en": "Official travel"},
    "status_belum": {"id": "Belum absen", "en": "Not yet"},
    "private_note": {"id": "Halaman ini hanya untuk pegawai yang bersangkutan, kepala instansinya dan admin.",
                     "en": "Only the staff member, the head of their agency and admins see this page."},
    "head_note": {"id": "Halaman kepala instansi: angka per pegawai hanya untuk kepala instansi dan admin.",
                  "en": "The head of agency's page: figures per person are for the head and admins only."},
}
