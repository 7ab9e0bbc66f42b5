"""The verification page's own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "verify_title": {"id": "Verifikasi dokumen", "en": "Document verification"},
    "verify_intro": {"id": "Ketik kode dokumen yang tercetak di bawah kode QR, atau pindai kode QR-nya.",
                     "en": "Type the document code printed under the QR code, or scan the QR code."},
    "code": {"id": "Kode dokumen", "en": "Document code"},
    "check": {"id": "Periksa", "en": "Check"},
    "what": {"id": "Dokumen", "en": "Document"},
    "holder": {"id": "Diterbitkan untuk", "en": "Issued to"},
    "issued": {"id": "Tanggal terbit", "en": "Issued on"},
    "valid_until": {"id": "Berlaku sampai", "en": "Valid until"},
    "no_limit": {"id": "Tidak dibatasi", "en": "No limit"},
    "case": {"id": "Layanan / perkara", "en": "Service / case"},
    "state_valid": {"id": "SAH — dokumen ini diterbitkan oleh Pemerintah Kota Medan dan masih berlaku.",
                    "en": "VALID — this document was issued by the City of Medan and still holds."},
    "state_expired": {"id": "KEDALUWARSA — dokumen ini asli, tetapi masa berlakunya sudah habis.",
                      "en": "EXPIRED — this document is genuine, but it is no longer valid."},
    "state_revoked": {"id": "DICABUT — dokumen ini asli, tetapi sudah dicabut.",
                      "en": "REVOKED — this document is genuine, but it was revoked."},
    "revoked_reason": {"id": "Alasan pencabutan", "en": "Reason"},
    "revoked_at": {"id": "Dicabut pada", "en": "Revoked on"},
    "forged": {"id": "TIDAK SAH — kode ini bukan kode yang diterbitkan Pemerintah Kota Medan. Dokumen dengan kode "
                     "ini palsu atau kodenya diubah (atau salah ketik: periksa kembali).",
               "en": "NOT VALID — this code was not issued by the City of Medan. A document bearing it is forged "
                     "or its code was altered (or mistyped: check it again)."},
    "unknown": {"id": "TIDAK DITEMUKAN — tidak ada dokumen yang diterbitkan dengan kode ini.",
                "en": "NOT FOUND — no document was issued with this code."},
    "malformed": {"id": "Ini bukan kode dokumen: kode terdiri dari 20 huruf dan angka, misalnya "
                        "ABCD-EFGH-JKMN-PQRS-TVWX.",
                  "en": "This is not a document code: a code has 20 letters and digits, e.g. ABCD-EFGH-JKMN-PQRS-TVWX."},
    "masked_note": {"id": "Nama disamarkan untuk melindungi data pribadi.", "en": "The name is masked to protect personal data."},
    "pdf": {"id": "Unduh PDF (pemegang dokumen dan petugas)", "en": "Download the PDF (holder and staff)"},
}

KIND_NAMES = {
    "receipt": {"id": "Tanda bukti pembayaran", "en": "Payment receipt"},
    "permit": {"id": "Izin", "en": "Permit"},
    "sppt": {"id": "SPPT PBB", "en": "Land and building tax bill (SPPT)"},
    "akta_kelahiran": {"id": "Akta kelahiran", "en": "Birth certificate"},
    "akta_kematian": {"id": "Akta kematian", "en": "Death certificate"},
    "skpwni": {"id": "Surat keterangan pindah", "en": "Moving-out certificate"},
    "kedatangan": {"id": "Surat keterangan kedatangan", "en": "Arrival certificate"},
}


def ui_strings(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in UI.items()}
