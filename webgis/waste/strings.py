"""The waste fee pages' own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "waste_title": {"id": "Retribusi sampah", "en": "Waste collection fee"},
    "waste_intro": {"id": "Masukkan nomor pelanggan retribusi sampah (misalnya RS-000123) untuk melihat dan membayar "
                           "tagihan bulanan.",
                    "en": "Enter your waste fee customer number (for example RS-000123) to see and pay the monthly "
                          "fees."},
    "customer_number": {"id": "Nomor pelanggan", "en": "Customer number"},
    "look_up": {"id": "Cek tagihan", "en": "Check fees"},
    "mine": {"id": "Langganan saya", "en": "My accounts"},
    "no_fee": {"id": "Tidak ada tagihan untuk nomor pelanggan ini. Periksa kembali nomornya.",
               "en": "There are no fees for this customer number. Check the number again."},
    "bad_number": {"id": "Nomor pelanggan ditulis RS- diikuti 6 angka, misalnya RS-000123.",
                   "en": "A customer number is RS- and 6 digits, for example RS-000123."},
    "bad_period": {"id": "Bulan ditulis tahun-bulan, misalnya 2026-12.", "en": "A month is year-month, for example 2026-12."},
    "period": {"id": "Bulan", "en": "Month"},
    "class": {"id": "Kelas", "en": "Class"},
    "amount": {"id": "Jumlah", "en": "Amount"},
    "due_date": {"id": "Jatuh tempo", "en": "Due date"},
    "status": {"id": "Status", "en": "Status"},
    "paid": {"id": "Lunas", "en": "Paid"},
    "unpaid": {"id": "Belum dibayar", "en": "Not paid"},
    "overdue": {"id": "Terlambat", "en": "Overdue"},
    "pay": {"id": "Bayar", "en": "Pay"},
    "receipt": {"id": "Tanda bukti", "en": "Receipt"},
    "tps": {"id": "TPS yang melayani", "en": "Collection point"},
    "already_paid": {"id": "Bulan ini sudah lunas.", "en": "This month is already paid."},
    "report_uncollected": {"id": "Sampah tidak diangkut? Laporkan", "en": "Waste not collected? Report it"},
    "synthetic_note": {"id": "Pelanggan dan TPS contoh ini SINTETIS.",
                       "en": "The customers and collection points here are SYNTHETIC examples."},
}
