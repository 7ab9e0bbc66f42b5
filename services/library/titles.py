"""The catalogue's titles and copies, generated: SYNTHETIC but plausible Indonesian books (no real
title, author or publisher is meant), deterministic (a fixed seed), each labelled source=synthetic.

Two anchor titles come first with fixed holdings, so that pages and tests can name them:
JD-00001 "Sejarah Kesultanan Deli" (two copies at the central library, one at Medan Baru) and
JD-00002 "Kuliner Warisan Kota Medan" (one copy, at Belawan only: a reservation elsewhere needs a
transfer). The others draw 1–4 copies over the branches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SOURCE = "synthetic"
SEED = 20261207
TITLE_COUNT = 480

FIRST_NAMES = ("Ahmad", "Rina", "Budi", "Dewi", "Rahmat", "Sri", "Hendra", "Lestari", "Fajar", "Nurhayati",
               "Andi", "Maya", "Yusuf", "Intan", "Rizky", "Siti", "Bonar", "Roswita", "Tigor", "Melati")
FAMILY_NAMES = ("Nasution", "Siregar", "Lubis", "Harahap", "Simanjuntak", "Ginting", "Tarigan", "Sembiring",
                "Hasibuan", "Pardede", "Daulay", "Sitompul", "Rangkuti", "Batubara", "Wahyuni", "Saragih")
PUBLISHERS = ("Pustaka Deli", "Penerbit Kesawan", "Balai Bacaan Sumatera", "Penerbit Sungai Babura",
              "Rumah Aksara Medan", "Penerbit Tanah Melayu")
PLACES = ("Medan", "Deli", "Sumatera Timur", "Kesawan", "Tanah Karo", "Labuhan", "Belawan", "Danau Toba",
          "Langkat", "Serdang", "Binjai", "Sungai Deli")
SUBJECTS: dict[str, tuple[str, ...]] = {
    "Sejarah": ("Sejarah {p}", "{p} dalam Lintasan Zaman", "Jejak Perkebunan di {p}", "Pelabuhan dan Niaga {p}",
                "Arsip Lama Kota {p}"),
    "Sastra": ("Senja di {p}", "Hujan Terakhir di {p}", "Surat dari {p}", "Perempuan dari {p}",
               "Kereta Malam ke {p}"),
    "Anak": ("Petualangan Si Butet di {p}", "Dongeng Anak {p}", "Aku Sayang {p}", "Kancil Pergi ke {p}"),
    "Agama": ("Masjid dan Umat di {p}", "Rumah Ibadah Tua di {p}", "Toleransi di Tanah {p}"),
    "Kesehatan": ("Hidup Sehat di {p}", "Gizi Keluarga {p}", "Posyandu {p} Bercerita"),
    "Pertanian": ("Bertani Cabai di {p}", "Kebun Sayur Pekarangan {p}", "Kelapa Sawit dan Rakyat {p}"),
    "Teknologi": ("Kota Cerdas {p}", "Belajar Pemrograman dari {p}", "Internet untuk Warga {p}"),
    "Ekonomi": ("UMKM {p} Naik Kelas", "Pasar Tradisional {p}", "Koperasi Warga {p}"),
    "Budaya": ("Tari Serampang Dua Belas dari {p}", "Ulos dan Songket {p}", "Bahasa dan Dialek {p}"),
    "Kuliner": ("Resep Dapur {p}", "Jajanan Pasar {p}", "Kopi dan Kedai {p}"),
}
BRANCHES = ("PK-PUSAT", "PK-MEDAN-BARU", "PK-SUNGGAL", "PK-HELVETIA", "PK-JOHOR", "PK-BELAWAN", "PK-TEMBUNG",
            "PK-AMPLAS", "PK-PERJUANGAN")
ANCHORS = (
    ("Sejarah Kesultanan Deli", "Rahmat Nasution", "Sejarah", ("PK-PUSAT", "PK-PUSAT", "PK-MEDAN-BARU")),
    ("Kuliner Warisan Kota Medan", "Dewi Siregar", "Kuliner", ("PK-BELAWAN",)),
)


@dataclass(frozen=True)
class Title:
    kode_judul: str
    judul: str
    pengarang: str
    penerbit: str
    tahun: int
    subjek: str
    bahasa: str
    copies: tuple[str, ...]  # the home branch of each copy

    def copy_codes(self) -> list[tuple[str, str]]:
        """(kode_eksemplar, home branch) for each copy."""
        return [(f"{self.kode_judul}-{n:02d}", branch) for n, branch in enumerate(self.copies, start=1)]


def generate() -> list[Title]:
    """The catalogue, the same on every run: the anchors, then TITLE_COUNT - 2 generated titles."""
    rng = random.Random(SEED)
    titles = [Title(f"JD-{n:05d}", name, author, PUBLISHERS[n % len(PUBLISHERS)], 2015 + n, subject, "id", copies)
              for n, (name, author, subject, copies) in enumerate(ANCHORS, start=1)]
    seen = {t.judul for t in titles}
    while len(titles) < TITLE_COUNT:
        subject = rng.choice(sorted(SUBJECTS))
        name = rng.choice(SUBJECTS[subject]).format(p=rng.choice(PLACES))
        if name in seen:
            name = f"{name} (Jilid {sum(1 for s in seen if s.startswith(name)) + 1})"
        seen.add(name)
        author = f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"
        copies = tuple(sorted(rng.choice(BRANCHES) for _ in range(rng.randint(1, 4))))
        titles.append(Title(f"JD-{len(titles) + 1:05d}", name, author, rng.choice(PUBLISHERS),
                            rng.randint(1985, 2025), subject, "id", copies))
    return titles
