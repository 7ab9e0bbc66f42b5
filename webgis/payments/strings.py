"""The payer's pages' own words (bill page, sandbox pay page), Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "bill_title": {"id": "Tagihan", "en": "Bill"},
    "bill_number": {"id": "Nomor tagihan", "en": "Bill number"},
    "description": {"id": "Uraian", "en": "Description"},
    "amount": {"id": "Jumlah", "en": "Amount"},
    "service": {"id": "Layanan", "en": "Service"},
    "status": {"id": "Status", "en": "Status"},
    "expires": {"id": "Bayar sebelum", "en": "Pay before"},
    "paid_at": {"id": "Dibayar pada", "en": "Paid on"},
    "status_open": {"id": "Belum dibayar", "en": "Not paid yet"},
    "status_paid": {"id": "Lunas", "en": "Paid"},
    "status_paid_late": {"id": "Lunas (dibayar setelah jatuh tempo)", "en": "Paid (after the due time)"},
    "status_expired": {"id": "Kedaluwarsa: tagihan tidak dapat dibayar lagi", "en": "Expired: the bill can no longer be paid"},
    "status_cancelled": {"id": "Dibatalkan", "en": "Cancelled"},
    "how_to_pay": {"id": "Cara membayar", "en": "How to pay"},
    "va_label": {"id": "Nomor Virtual Account", "en": "Virtual account number"},
    "va_hint": {"id": "Transfer tepat sejumlah tagihan ke nomor Virtual Account ini dari ATM, m-banking atau "
                      "internet banking bank mana pun.",
                "en": "Transfer exactly the amount of the bill to this virtual account number from any bank's ATM, "
                      "mobile or internet banking."},
    "qris_label": {"id": "Atau pindai QRIS", "en": "Or scan the QRIS code"},
    "qris_alt": {"id": "Kode QRIS tagihan ini", "en": "The QRIS code of this bill"},
    "qris_hint": {"id": "Pindai dengan aplikasi pembayaran apa pun yang mendukung QRIS.",
                  "en": "Scan it with any payment app that supports QRIS."},
    "refresh_hint": {"id": "Halaman ini diperbarui sendiri setelah pembayaran diterima.",
                     "en": "This page updates itself once the payment is received."},
    "sandbox_link": {"id": "Bayar di gateway sandbox (uji coba, tanpa uang sungguhan)",
                     "en": "Pay in the sandbox gateway (a test, no real money)"},
    "receipt": {"id": "Tanda bukti pembayaran", "en": "Payment receipt"},
    "receipt_verify": {"id": "Periksa keaslian tanda bukti", "en": "Check the receipt is genuine"},
    "receipt_pdf": {"id": "Unduh PDF tanda bukti", "en": "Download the receipt (PDF)"},
    "paid_note": {"id": "Terima kasih, pembayaran Anda sudah diterima.", "en": "Thank you, your payment was received."},
    "no_bill": {"id": "Tidak ada tagihan dengan nomor ini. Periksa kembali nomornya.",
                "en": "There is no bill with this number. Check the number again."},
    "sandbox_title": {"id": "Gateway sandbox: bayar Virtual Account / QRIS",
                      "en": "Sandbox gateway: pay a virtual account / QRIS"},
    "sandbox_intro": {"id": "Halaman uji coba yang meniru bank atau aplikasi pembayaran: tidak ada uang sungguhan "
                            "yang berpindah. Setelah dibayar, gateway mengirim pemberitahuan bertanda tangan ke platform.",
                      "en": "A test page that plays the bank or payment app: no real money moves. Once paid, the "
                            "gateway sends a signed notification to the platform."},
    "sandbox_reference": {"id": "Nomor Virtual Account atau nomor tagihan", "en": "Virtual account or bill number"},
    "sandbox_find": {"id": "Cari", "en": "Find"},
    "sandbox_channel": {"id": "Bayar dengan", "en": "Pay with"},
    "channel_bank_transfer": {"id": "Transfer ke Virtual Account", "en": "Transfer to the virtual account"},
    "channel_qris": {"id": "QRIS", "en": "QRIS"},
    "sandbox_pay": {"id": "Bayar sekarang", "en": "Pay now"},
    "sandbox_unknown": {"id": "Sandbox tidak mengenal nomor ini.", "en": "The sandbox knows no such number."},
    "sandbox_already_paid": {"id": "Virtual Account ini sudah dibayar.", "en": "This virtual account is already paid."},
    "sandbox_closed": {"id": "Virtual Account ini sudah ditutup karena tagihannya dibatalkan.",
                       "en": "This virtual account is closed: its bill was cancelled."},
    "sandbox_expired": {"id": "Virtual Account ini sudah kedaluwarsa; pembayaran tidak diterima.",
                        "en": "This virtual account has expired; the payment was not taken."},
    "sandbox_channel_refused": {"id": "Pilih Virtual Account atau QRIS.", "en": "Choose the virtual account or QRIS."},
    "back_to_bill": {"id": "Kembali ke tagihan", "en": "Back to the bill"},
}


def ui_strings(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in UI.items()}
