"""The pages' own words, in Bahasa Indonesia and English.

Layer names, property labels and legend classes come from the declarations;
this table holds only the interface's words. The server renders the chosen
language into the page and sends the table to the map script, so the switch
needs no reload.
"""

from __future__ import annotations

from flask import Request

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANG_COOKIE = "lang"

UI: dict[str, dict[str, str]] = {
    "site_title": {"id": "Peta Kota Medan", "en": "Medan City Map"},
    "skip_to_map": {"id": "Langsung ke peta", "en": "Skip to the map"},
    "search_label": {"id": "Cari tempat", "en": "Search places"},
    "search_placeholder": {"id": "Cari kelurahan, sekolah, halte…", "en": "Search kelurahan, schools, stops…"},
    "search_button": {"id": "Cari", "en": "Search"},
    "search_empty": {"id": "Ketik nama tempat yang ingin dicari.", "en": "Type the name of a place to search for."},
    "search_too_long": {"id": "Teks pencarian terlalu panjang (maks. 100 karakter).",
                        "en": "The search text is too long (100 characters at most)."},
    "search_none": {"id": "Tidak ada tempat yang cocok dengan", "en": "No place matches"},
    "search_failed": {"id": "Pencarian gagal, coba lagi.", "en": "The search failed; please try again."},
    "search_results": {"id": "Hasil pencarian", "en": "Search results"},
    "locate": {"id": "Di mana saya?", "en": "Where am I?"},
    "locate_outside": {"id": "Lokasi Anda di luar Kota Medan.", "en": "You are outside Medan."},
    "locate_failed": {"id": "Lokasi Anda tidak dapat ditentukan.", "en": "Your location could not be found."},
    "layers": {"id": "Lapisan peta", "en": "Map layers"},
    "layers_button": {"id": "Lapisan", "en": "Layers"},
    "close": {"id": "Tutup", "en": "Close"},
    "zoom_in_to_see": {"id": "Perbesar peta untuk melihat", "en": "Zoom in to see"},
    "legend": {"id": "Legenda", "en": "Legend"},
    "background": {"id": "Latar peta", "en": "Map background"},
    "doubtful_location": {"id": "Lokasi diragukan: titik ini di luar batas Kota Medan atau koordinatnya keliru.",
                          "en": "Doubtful location: this point lies outside Medan or its coordinates are wrong."},
    "credits": {"id": "Sumber data peta (ketuk untuk membuka)", "en": "Map data sources (tap to open)"},
    "here_title": {"id": "Apa di sini?", "en": "What is here?"},
    "here_hint": {"id": "Klik peta untuk melihat apa yang ada di titik itu.",
                  "en": "Click the map to see what is at that point."},
    "here_loading": {"id": "Mencari…", "en": "Looking…"},
    "here_outside": {"id": "Titik ini di luar Kota Medan.", "en": "This point is outside Medan."},
    "here_failed": {"id": "Informasi lokasi gagal dimuat.", "en": "Could not load what is here."},
    "here_nearest": {"id": "terdekat", "en": "nearest"},
    "here_none": {"id": "Tidak ada data di titik ini.", "en": "No data at this point."},
    "feature_page": {"id": "Buka halaman data", "en": "Open the feature page"},
    "feature_missing": {"id": "Data yang ditautkan tidak ditemukan.", "en": "The linked feature was not found."},
    "permalink_fixed": {"id": "Sebagian tautan tidak valid; peta bawaan ditampilkan.",
                        "en": "Part of the link was not valid; showing the default map."},
    "load_failed": {"id": "Lapisan gagal dimuat:", "en": "Could not load layer:"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "language": {"id": "Bahasa", "en": "Language"},
    "catalogue": {"id": "Katalog data", "en": "Data catalogue"},
    "report_problem": {"id": "Lapor masalah", "en": "Report a problem"},
    "school_zoning": {"id": "PPDB: sekolah dari rumah", "en": "School admission: schools from home"},
    "map": {"id": "Peta", "en": "Map"},
    "catalogue_intro": {
        "id": "Semua lapisan data publik Kota Medan: unduh datanya atau pakai langsung di QGIS "
              "(OGC API – Features dan vector tiles).",
        "en": "Every public data layer of Medan: download it or use it directly in QGIS "
              "(OGC API – Features and vector tiles)."},
    "features": {"id": "Jumlah fitur", "en": "Features"},
    "updated": {"id": "Pembaruan terakhir", "en": "Last update"},
    "extent": {"id": "Cakupan (bujur/lintang)", "en": "Extent (lon/lat)"},
    "source": {"id": "Sumber", "en": "Source"},
    "licence": {"id": "Lisensi", "en": "Licence"},
    "downloads": {"id": "Unduh", "en": "Download"},
    "for_qgis": {"id": "Untuk QGIS", "en": "For QGIS"},
    "qgis_oapif": {"id": "OGC API – Features (Layer → Tambah WFS/OAPIF)",
                   "en": "OGC API – Features (Layer → Add WFS/OAPIF)"},
    "qgis_tiles": {"id": "Vector tiles (XYZ, MVT)", "en": "Vector tiles (XYZ, MVT)"},
    "qgis_items": {"id": "GeoJSON", "en": "GeoJSON"},
    "geometry": {"id": "Geometri", "en": "Geometry"},
    "theme": {"id": "Tema", "en": "Theme"},
    "none": {"id": "—", "en": "—"},
}


def language_of(request: Request) -> str:
    """?lang= wins (links can carry it), then the cookie the page's switch sets."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def ui_strings(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in UI.items()}
