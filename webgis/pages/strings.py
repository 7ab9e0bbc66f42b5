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
    "credits_toggle": {"id": "Sumber data", "en": "Data sources"},
    "in_view_button": {"id": "Fitur di layar", "en": "Features in view"},
    "in_view_count": {"id": "{n} fitur di layar.", "en": "{n} features in view."},
    "in_view_none": {"id": "Tidak ada fitur di layar.", "en": "No feature in view."},
    "in_view_no_layers": {"id": "Nyalakan lapisan di panel Lapisan untuk melihat fiturnya di sini.",
                          "en": "Switch layers on in the Layers panel to list their features here."},
    "in_view_more": {"id": "{shown} dari {total} ditampilkan; perbesar peta untuk melihat lainnya.",
                     "en": "{shown} of {total} shown; zoom in to see the others."},
    "popup_opened": {"id": "Terbuka: {title}", "en": "Opened: {title}"},
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
    "staff_login": {"id": "Masuk petugas (sunting peta)", "en": "Staff login (edit the map)"},
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
    # Print and share (pages/_share.html, pages/js/share.js; issue 20 item 9).
    "share_button": {"id": "Bagikan", "en": "Share"},
    "share_title": {"id": "Cetak & bagikan peta", "en": "Print & share the map"},
    "print_heading": {"id": "Cetak tampilan ini", "en": "Print this view"},
    "print_title_label": {"id": "Judul peta", "en": "Map title"},
    "print_size": {"id": "Ukuran kertas", "en": "Paper size"},
    "print_orientation": {"id": "Arah kertas", "en": "Orientation"},
    "print_landscape": {"id": "Mendatar", "en": "Landscape"},
    "print_portrait": {"id": "Tegak", "en": "Portrait"},
    "print_format": {"id": "Format berkas", "en": "File format"},
    "print_download": {"id": "Unduh peta", "en": "Download the map"},
    "print_working": {"id": "Menyiapkan peta… (biasanya 1–5 detik)", "en": "Preparing the map… (usually 1–5 seconds)"},
    "print_done": {"id": "Peta siap diunduh, dibuat dalam", "en": "The map is ready, made in"},
    "print_seconds": {"id": "detik", "en": "seconds"},
    "print_failed": {"id": "Peta tidak dapat dicetak:", "en": "The map could not be printed:"},
    "share_link": {"id": "Tautan ke tampilan ini", "en": "Link to this view"},
    "share_copy_link": {"id": "Salin tautan", "en": "Copy link"},
    "share_embed": {"id": "Kode untuk menyematkan peta di situs lain", "en": "Code to embed the map in another site"},
    "share_copy_code": {"id": "Salin kode", "en": "Copy code"},
    "share_copied": {"id": "Tersalin.", "en": "Copied."},
    "share_copy_failed": {"id": "Tidak dapat menyalin; pilih teksnya lalu salin.", "en": "Could not copy; select the text and copy it."},
    "embed_open": {"id": "Buka peta lengkap", "en": "Open the full map"},
}


def language_of(request: Request) -> str:
    """?lang= wins (links can carry it), then the cookie the page's switch sets."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def ui_strings(lang: str) -> dict[str, str]:
    return {key: text[lang] for key, text in UI.items()}


# The editor's words (webgis/static/pages/js/edit*.js), sent only to those who may edit
# (/peta/edit.json), so the public map's configuration does not carry them.
EDIT_UI: dict[str, dict[str, str]] = {
    "edit": {"id": "Sunting", "en": "Edit"},
    "edit_title": {"id": "Sunting data peta", "en": "Edit map data"},
    "edit_layer": {"id": "Lapisan yang disunting", "en": "Layer to edit"},
    "edit_hint": {"id": "Ketuk fitur di peta untuk menyuntingnya, atau gambar fitur baru.",
                  "en": "Tap a feature on the map to edit it, or draw a new one."},
    "draw_point": {"id": "Tambah titik", "en": "Add a point"},
    "draw_line": {"id": "Gambar garis", "en": "Draw a line"},
    "draw_polygon": {"id": "Gambar poligon", "en": "Draw a polygon"},
    "draw_help_point": {"id": "Ketuk peta di lokasi titik baru.", "en": "Tap the map where the new point goes."},
    "draw_help_shape": {"id": "Ketuk peta untuk setiap sudut; ketuk titik pertama (poligon) atau titik terakhir "
                                "(garis) untuk selesai.",
                        "en": "Tap the map at each corner; tap the first point (polygon) or the last point "
                              "(line) to finish."},
    "cancel": {"id": "Batal", "en": "Cancel"},
    "save": {"id": "Simpan", "en": "Save"},
    "saving": {"id": "Menyimpan…", "en": "Saving…"},
    "saved": {"id": "Tersimpan.", "en": "Saved."},
    "new_feature": {"id": "Fitur baru", "en": "New feature"},
    "feature": {"id": "Fitur", "en": "Feature"},
    "version": {"id": "versi", "en": "version"},
    "edit_shape": {"id": "Geser titik atau sudut di peta untuk mengubah bentuk/lokasi.",
                   "en": "Drag the point or the corners on the map to move or reshape it."},
    "edit_feature": {"id": "Sunting fitur ini", "en": "Edit this feature"},
    "delete": {"id": "Hapus", "en": "Delete"},
    "delete_confirm": {"id": "Hapus fitur ini? Versi sebelumnya tetap tersimpan di riwayat.",
                       "en": "Delete this feature? Its earlier versions stay in the history."},
    "delete_yes": {"id": "Ya, hapus", "en": "Yes, delete"},
    "deleted": {"id": "Fitur dihapus.", "en": "Feature deleted."},
    "undo_delete": {"id": "Urungkan hapus", "en": "Undo the delete"},
    "history": {"id": "Riwayat", "en": "History"},
    "history_none": {"id": "Belum ada riwayat.", "en": "No history yet."},
    "restore": {"id": "Pulihkan versi ini", "en": "Restore this version"},
    "restore_confirm": {"id": "Pulihkan fitur ke versi ini? Perubahan ini juga dicatat di riwayat.",
                        "en": "Bring the feature back to this version? The restore is recorded in the history too."},
    "restore_yes": {"id": "Ya, pulihkan", "en": "Yes, restore"},
    "restored": {"id": "Versi dipulihkan.", "en": "Version restored."},
    "op_insert": {"id": "dibuat", "en": "created"},
    "op_update": {"id": "diubah", "en": "changed"},
    "op_delete": {"id": "dihapus", "en": "deleted"},
    "geometry_changed": {"id": "bentuk/lokasi diubah", "en": "shape/location changed"},
    "required": {"id": "Wajib diisi.", "en": "Required."},
    "choose": {"id": "— pilih —", "en": "— choose —"},
    "not_number": {"id": "Harus berupa angka.", "en": "Must be a number."},
    "not_integer": {"id": "Harus bilangan bulat.", "en": "Must be a whole number."},
    "below_min": {"id": "Paling kecil", "en": "At least"},
    "above_max": {"id": "Paling besar", "en": "At most"},
    "too_long": {"id": "Paling banyak {n} karakter.", "en": "At most {n} characters."},
    "not_date": {"id": "Tanggal tidak valid.", "en": "Not a valid date."},
    "form_invalid": {"id": "Periksa isian yang ditandai; belum ada yang disimpan.",
                     "en": "Check the marked fields; nothing was saved."},
    "server_refused": {"id": "Server menolak isian ini; belum ada yang disimpan:",
                       "en": "The server refused this input; nothing was saved:"},
    "server_unique": {"id": "Nilai ini sudah dipakai fitur lain.", "en": "This value is already used by another feature."},
    "server_outside": {"id": "Lokasinya di luar Kota Medan.", "en": "The location is outside Medan."},
    "server_geometry": {"id": "Bentuknya tidak valid (misalnya sisi yang saling memotong).",
                        "en": "The shape is not valid (for instance, edges that cross)."},
    "conflict_title": {"id": "Fitur ini baru saja diubah orang lain", "en": "Someone else just changed this feature"},
    "conflict_text": {"id": "Perubahan Anda belum disimpan. Bandingkan, lalu pilih:",
                      "en": "Your changes are not saved yet. Compare, then choose:"},
    "conflict_field": {"id": "Isian", "en": "Field"},
    "conflict_theirs": {"id": "Versi mereka (tersimpan)", "en": "Theirs (saved)"},
    "conflict_yours": {"id": "Versi Anda", "en": "Yours"},
    "conflict_reload": {"id": "Muat versi mereka", "en": "Load their version"},
    "conflict_overwrite": {"id": "Timpa dengan versi saya", "en": "Overwrite with mine"},
    "conflict_gone": {"id": "Fitur ini sudah dihapus orang lain.", "en": "Someone else deleted this feature."},
    "not_allowed": {"id": "Anda tidak berhak menyunting fitur ini.", "en": "You may not edit this feature."},
    "session_expired": {"id": "Sesi Anda berakhir; masuk lagi untuk menyimpan.",
                        "en": "Your session has ended; log in again to save."},
    "failed": {"id": "Gagal; coba lagi.", "en": "Failed; please try again."},
    "workflow_readonly": {"id": "diubah lewat layanannya", "en": "changed through its service"},
}


def edit_strings() -> dict[str, dict[str, str]]:
    return {lang: {key: text[lang] for key, text in EDIT_UI.items()} for lang in LANGUAGES}
