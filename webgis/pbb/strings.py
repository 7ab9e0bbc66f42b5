"""The PBB pages' own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "pbb_title": {"id": "Cek dan bayar PBB", "en": "Check and pay the land and building tax (PBB)"},
    "pbb_intro": {"id": "Masukkan Nomor Objek Pajak (NOP) dari SPPT Anda untuk melihat tagihan, tunggakan dan "
                         "membayarnya.",
                  "en": "Enter the tax object number (NOP) on your SPPT to see your bills and arrears and pay them."},
    "nop": {"id": "NOP (18 angka)", "en": "NOP (18 digits)"},
    "look_up": {"id": "Cek tagihan", "en": "Check bills"},
    "my_parcels": {"id": "Bidang tanah saya", "en": "My parcels"},
    "no_sppt": {"id": "Tidak ada SPPT untuk NOP ini. Periksa kembali nomornya.",
                "en": "There is no SPPT for this NOP. Check the number again."},
    "bad_nop": {"id": "NOP terdiri dari 18 angka, misalnya 12.71.010.001.001-0001.0.",
                "en": "A NOP has 18 digits, for example 12.71.010.001.001-0001.0."},
    "taxpayer": {"id": "Wajib pajak", "en": "Taxpayer"},
    "year": {"id": "Tahun", "en": "Year"},
    "assessed": {"id": "PBB terutang", "en": "Tax assessed"},
    "due_date": {"id": "Jatuh tempo", "en": "Due date"},
    "interest": {"id": "Bunga keterlambatan", "en": "Late interest"},
    "to_pay": {"id": "Harus dibayar hari ini", "en": "To pay today"},
    "status": {"id": "Status", "en": "Status"},
    "paid": {"id": "Lunas", "en": "Paid"},
    "unpaid": {"id": "Belum dibayar", "en": "Not paid"},
    "arrears": {"id": "Tunggakan", "en": "In arrears"},
    "pay": {"id": "Bayar", "en": "Pay"},
    "sppt_check": {"id": "Periksa SPPT", "en": "Verify the SPPT"},
    "receipt": {"id": "Tanda bukti", "en": "Receipt"},
    "already_paid": {"id": "SPPT ini sudah lunas.", "en": "This SPPT is already paid."},
    "realisasi_title": {"id": "Realisasi PBB per kelurahan", "en": "PBB collection per kelurahan"},
    "realisasi_intro": {"id": "Persentase pokok PBB-P2 yang sudah dibayar dari yang ditetapkan, per kelurahan. "
                               "Pajak adalah uang publik: angka ini terbuka.",
                        "en": "The share of the assessed land and building tax already paid, per kelurahan. "
                              "Tax is public money: these figures are open."},
    "city_rate": {"id": "Kota Medan", "en": "City of Medan"},
    "kelurahan": {"id": "Kelurahan", "en": "Kelurahan"},
    "sppt_count": {"id": "SPPT", "en": "Bills"},
    "paid_count": {"id": "Lunas", "en": "Paid"},
    "rate": {"id": "Realisasi", "en": "Collected"},
    "no_data": {"id": "Belum ada SPPT untuk tahun ini.", "en": "No bills were issued for this year yet."},
    "synthetic_note": {"id": "Objek pajak dan ZNT contoh ini SINTETIS.",
                       "en": "The parcels and land value zones here are SYNTHETIC examples."},
}
