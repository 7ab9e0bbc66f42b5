"""The archive page's words, Bahasa Indonesia first."""

UI: dict[str, dict[str, str]] = {
    "arsip_title": {"id": "Arsip Pemerintah Kota Medan (SIMAR)", "en": "City of Medan records (SIMAR)"},
    "arsip_intro": {"id": "Cari naskah dinas menurut kata dan tempat. Anda hanya melihat arsip yang boleh Anda lihat.",
                    "en": "Find official records by words and by place. You see only the records you may see."},
    "words": {"id": "Kata kunci", "en": "Words"},
    "kelurahan_code": {"id": "Kode kelurahan", "en": "Kelurahan code"},
    "kind": {"id": "Jenis naskah", "en": "Kind"},
    "any": {"id": "semua", "en": "any"},
    "search": {"id": "Cari", "en": "Search"},
    "search_map": {"id": "Cari di area peta", "en": "Search the map area"},
    "results": {"id": "Hasil", "en": "Results"},
    "none_found": {"id": "Tidak ada arsip yang cocok.", "en": "No matching records."},
    "retained_until": {"id": "Retensi sampai", "en": "Retained until"},
    "file": {"id": "Berkas", "en": "File"},
}
