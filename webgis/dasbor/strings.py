"""The dashboard's words, Bahasa Indonesia first."""

UI: dict[str, dict[str, str]] = {
    "dasbor_title": {"id": "Dasbor kinerja daerah", "en": "Regional performance dashboard"},
    "dasbor_intro": {"id": "Indikator dihitung dari lapisan peta, per kecamatan dan per bulan. Tekan angka mana pun "
                             "untuk melihat cara menghitungnya.",
                     "en": "Indicators computed from the map layers, per kecamatan and month. Press any figure to "
                           "see how it was computed."},
    "latest": {"id": "Bulan terakhir", "en": "Latest month"},
    "previous": {"id": "bulan sebelumnya", "en": "month before"},
    "how": {"id": "Cara menghitung", "en": "How it is computed"},
    "trend": {"id": "Tren bulanan", "en": "Monthly trend"},
    "map": {"id": "Peta per kecamatan", "en": "Map by kecamatan"},
    "city": {"id": "Kota Medan", "en": "City of Medan"},
    "month": {"id": "Bulan", "en": "Month"},
    "records": {"id": "jumlah data", "en": "records"},
    "agencies": {"id": "Per SKPD", "en": "By agency"},
    "computed_at": {"id": "Dihitung pada", "en": "Computed at"},
    "period": {"id": "Periode", "en": "Period"},
    "function": {"id": "Fungsi", "en": "Function"},
    "query": {"id": "Kueri SQL", "en": "SQL query"},
    "source_layers": {"id": "Lapisan sumber", "en": "Source layers"},
    "close": {"id": "Tutup", "en": "Close"},
    "better_higher": {"id": "makin tinggi makin baik", "en": "higher is better"},
    "better_lower": {"id": "makin rendah makin baik", "en": "lower is better"},
    "no_figures": {"id": "Belum ada angka: jalankan `python -m services indicators refresh`.",
                   "en": "No figures yet: run `python -m services indicators refresh`."},
    "value": {"id": "Nilai", "en": "Value"},
    "all_city": {"id": "seluruh kota", "en": "whole city"},
}
