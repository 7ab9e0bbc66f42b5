"""The SIMBADA pages' own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "aset_title": {"id": "Aset daerah Kota Medan (SIMBADA)", "en": "Kota Medan's assets (SIMBADA)"},
    "aset_intro": {"id": "Barang milik daerah adalah uang publik: setiap tanah, gedung, jalan dan peralatan kota "
                         "dengan OPD penggunanya, nilai perolehan, nilai buku setelah penyusutan dan kondisinya.",
                   "en": "The city's assets are public money: every plot, building, road and piece of equipment "
                         "with the agency using it, its acquisition value, book value after depreciation and its "
                         "condition."},
    "kib": {"id": "Golongan (KIB)", "en": "Class (KIB)"},
    "all": {"id": "Semua", "en": "All"},
    "agency": {"id": "OPD", "en": "Agency"},
    "condition": {"id": "Kondisi", "en": "Condition"},
    "filter": {"id": "Tampilkan", "en": "Show"},
    "name": {"id": "Nama barang", "en": "Name"},
    "code": {"id": "Kode", "en": "Code"},
    "year": {"id": "Tahun", "en": "Year"},
    "value": {"id": "Nilai perolehan", "en": "Acquisition value"},
    "book_value": {"id": "Nilai buku", "en": "Book value"},
    "accumulated": {"id": "Akumulasi penyusutan", "en": "Accumulated depreciation"},
    "life": {"id": "Masa manfaat", "en": "Useful life"},
    "years": {"id": "tahun", "en": "years"},
    "not_depreciated": {"id": "tidak disusutkan", "en": "not depreciated"},
    "place": {"id": "Lokasi", "en": "Location"},
    "count": {"id": "Jumlah aset", "en": "Assets"},
    "baik": {"id": "Baik", "en": "Good"},
    "rusak_ringan": {"id": "Rusak ringan", "en": "Slightly damaged"},
    "rusak_berat": {"id": "Rusak berat", "en": "Badly damaged"},
    "schedule": {"id": "Penyusutan per tahun (31 Desember)", "en": "Depreciation by year (31 December)"},
    "transfers": {"id": "Riwayat alih status penggunaan", "en": "Transfers between agencies"},
    "no_transfers": {"id": "Belum pernah dialihkan.", "en": "Never transferred."},
    "conditions": {"id": "Riwayat kondisi", "en": "Condition history"},
    "when": {"id": "Tanggal", "en": "Date"},
    "from": {"id": "Dari", "en": "From"},
    "to": {"id": "Ke", "en": "To"},
    "note": {"id": "Keterangan", "en": "Note"},
    "origin": {"id": "Asal usul", "en": "Origin"},
    "last_inventory": {"id": "Inventarisasi terakhir", "en": "Last inventory"},
    "bad_filter": {"id": "Saringan tidak dikenal.", "en": "Unknown filter."},
    "synthetic_note": {"id": "Aset contoh ini SINTETIS.", "en": "The assets shown are SYNTHETIC examples."},
    "back": {"id": "← Daftar aset", "en": "← Asset register"},
    "transfer": {"id": "Alihkan ke OPD lain", "en": "Transfer to another agency"},
    "to_agency": {"id": "OPD tujuan", "en": "To agency"},
    "decree": {"id": "Nomor SK/BAST alih status penggunaan", "en": "Decree or handover record number"},
    "transfer_button": {"id": "Alihkan", "en": "Transfer"},
}
