"""The school funds pages' own words, Bahasa Indonesia first, then English."""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "funds_title": {"id": "Dana BOS dan APBS sekolah", "en": "School funds (BOS and APBS)"},
    "funds_intro": {"id": "Dana yang diterima dan dibelanjakan sekolah di Kota Medan, per kecamatan. Uang publik "
                           "terbuka untuk publik. Ketuk kecamatan untuk angkanya.",
                    "en": "Funds received and spent by the schools of Medan, per district. Public money is "
                          "public. Tap a district for its figures."},
    "year": {"id": "Tahun", "en": "Year"},
    "measure": {"id": "Ukuran", "en": "Measure"},
    "show": {"id": "Tampilkan", "en": "Show"},
    "bos_per_siswa": {"id": "BOS per siswa (Rp)", "en": "BOS per pupil (Rp)"},
    "persen_terserap": {"id": "Persentase dana terserap (%)", "en": "Share of funds spent (%)"},
    "kecamatan": {"id": "Kecamatan", "en": "District"},
    "schools": {"id": "Sekolah", "en": "Schools"},
    "received": {"id": "Diterima", "en": "Received"},
    "spent": {"id": "Dibelanjakan", "en": "Spent"},
    "pupils": {"id": "Siswa", "en": "Pupils"},
    "city": {"id": "Kota Medan", "en": "Kota Medan"},
    "no_data": {"id": "Belum ada data dana sekolah.", "en": "No school funds yet."},
    "category": {"id": "Kategori", "en": "Category"},
    "amount": {"id": "Jumlah (Rp)", "en": "Amount (Rp)"},
    "total": {"id": "Jumlah", "en": "Total"},
    "received_title": {"id": "Penerimaan (sumber dana)", "en": "Received (sources)"},
    "spent_title": {"id": "Belanja (komponen BOS)", "en": "Spent (BOS components)"},
    "share_spent": {"id": "Terserap", "en": "Spent"},
    "per_pupil": {"id": "BOS per siswa", "en": "BOS per pupil"},
    "enter": {"id": "Isi atau ubah angka", "en": "Enter or change figures"},
    "import": {"id": "Impor CSV/XLSX", "en": "Import CSV/XLSX"},
    "saved": {"id": "Tersimpan.", "en": "Saved."},
    "refused": {"id": "Ditolak, tidak ada yang disimpan:", "en": "Refused, nothing was saved:"},
    "not_treasurer": {"id": "Anda bukan bendahara sekolah ini.", "en": "You are not this school's treasurer."},
    "form_intro": {"id": "Isi angka dalam rupiah tanpa desimal (mis. 1500000 atau 1.500.000). Kategori yang "
                          "dikosongkan tidak diubah.",
                   "en": "Amounts in whole rupiah (e.g. 1500000 or 1.500.000). Empty categories are left as they are."},
    "save": {"id": "Simpan", "en": "Save"},
    "import_intro": {"id": "Berkas CSV atau XLSX dengan kolom npsn, tahun, arah (penerimaan/belanja), kategori, "
                            "jumlah. Seluruh berkas disimpan, atau tidak sama sekali bila ada baris yang salah.",
                     "en": "A CSV or XLSX file with columns npsn, tahun, arah (penerimaan/belanja), kategori, "
                           "jumlah. The whole file is saved, or nothing when a row is wrong."},
    "file": {"id": "Berkas", "en": "File"},
    "choose_file": {"id": "Pilih berkas .csv atau .xlsx", "en": "Choose a .csv or .xlsx file"},
    "imported": {"id": "baris tersimpan", "en": "rows saved"},
    "categories": {"id": "Kategori yang sah", "en": "Valid categories"},
    "synthetic_funds": {"id": "Sekolah: data Kemendikbud. Angka dana contoh bersifat SINTETIS (bukan laporan "
                               "sebenarnya) sampai sekolah melapor sendiri.",
                        "en": "Schools: Kemendikbud data. The example figures are SYNTHETIC (not real reports) "
                              "until a school reports itself."},
    "school_funds_of": {"id": "Dana sekolah", "en": "School funds"},
    "back_map": {"id": "Peta dana per kecamatan", "en": "Map of funds per district"},
}
