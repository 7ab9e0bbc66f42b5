"""What citizens do on the marketplace: search products by name and place, open a business, write
to its seller. Flask-free; the pages and the JSON API call these.

Search is typo tolerant: pg_trgm's word similarity between the query and "product + business
name" (accents and case folded by core.search_key), at WORD_SIMILARITY, indexed (migration
0025_umkm). The place is a point with a radius ("near me", a map tap) and/or a kelurahan.

A buyer's message goes to the seller's e-mail through the notification outbox in the same
transaction; the buyer never learns the address. The seller's personal data stay private; a
public WhatsApp/phone is shown only where the owner filled one in.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from config.settings import MEDAN_EXTENT
from layers.tables import Bind, reading, transaction
from services.engine import gazetteer, media, seams
from services.engine.said import CaseNotFound, FormRejected, Said
from services.umkm import queries
from services.umkm.rules import PUBLIC_PHONE, normalised_phone, whatsapp_number

CATEGORIES = {"kuliner": ("Kuliner", "Food"), "fesyen": ("Fesyen", "Fashion"),
              "kerajinan": ("Kerajinan", "Crafts"), "pertanian": ("Pertanian", "Farming"),
              "jasa": ("Jasa", "Services"), "perdagangan": ("Perdagangan", "Trade")}
# 0.45: "bika ambn", "sambel andaliman", "ulos ragi hotan" still find theirs; "kopi" does not find "kaos".
WORD_SIMILARITY = 0.45
MAX_QUERY = 100
DEFAULT_RADIUS_KM = 3.0
MAX_RADIUS_KM = 25.0
MAX_RESULTS = 50
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Search:
    q: str = ""
    lon: float | None = None
    lat: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    kode_kel: str | None = None
    kategori: str | None = None


def _number(name: str, raw: Any) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise FormRejected(Said(f"{name}: harus angka", f"{name}: must be a number"))
    return value


def parse_search(bind: Bind, args: Mapping[str, Any]) -> Search:
    """The search as asked (q, lon, lat, radius_km, kel, kategori), or FormRejected saying what is wrong."""
    problems: list[Said] = []
    q = str(args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        problems.append(Said(f"kata pencarian paling banyak {MAX_QUERY} karakter", f"at most {MAX_QUERY} characters"))
    try:
        lon, lat = _number("lon", args.get("lon")), _number("lat", args.get("lat"))
        radius = _number("radius_km", args.get("radius_km"))
    except FormRejected as exc:
        raise FormRejected(Said("pencarian tidak dapat dibaca", "the search cannot be read"), [exc.args[0]]) from None
    if (lon is None) != (lat is None):
        problems.append(Said("titik: lon dan lat harus diisi keduanya", "point: give both lon and lat"))
    west, south, east, north = MEDAN_EXTENT
    if lon is not None and lat is not None and not (west - 0.1 <= lon <= east + 0.1 and south - 0.1 <= lat <= north + 0.1):
        problems.append(Said("titik: di luar Kota Medan", "point: outside Kota Medan"))
    if radius is not None and not 0.1 <= radius <= MAX_RADIUS_KM:
        problems.append(Said(f"radius: antara 0,1 dan {MAX_RADIUS_KM:g} km", f"radius: between 0.1 and {MAX_RADIUS_KM:g} km"))
    kode_kel = str(args.get("kel") or "").strip() or None
    if kode_kel is not None and kode_kel not in {p.kode_kel for p in gazetteer.kelurahan_places(bind)}:
        problems.append(Said("kelurahan tidak dikenal", "unknown kelurahan"))
    kategori = str(args.get("kategori") or "").strip() or None
    if kategori is not None and kategori not in CATEGORIES:
        problems.append(Said(f"kategori: pilih salah satu dari {', '.join(CATEGORIES)}",
                             f"category: choose one of {', '.join(CATEGORIES)}"))
    if problems:
        raise FormRejected(Said("pencarian tidak dapat dijalankan", "the search cannot be run"), problems)
    return Search(q, lon, lat, radius if radius is not None else DEFAULT_RADIUS_KM, kode_kel, kategori)


def search(bind: Bind, asked: Search, *, limit: int = MAX_RESULTS) -> list[dict[str, Any]]:
    """Products matching the search, the closest match first (then the nearest), with their business."""
    with transaction(bind) as conn:
        conn.execute(queries.set_similarity(WORD_SIMILARITY))
        rows = conn.execute(queries.search_products(), {
            "q": asked.q, "lon": asked.lon, "lat": asked.lat, "radius_m": asked.radius_km * 1000,
            "kode_kel": asked.kode_kel, "kategori": asked.kategori, "limit": limit}).mappings().all()
    return [_public_product(r) for r in rows]


def _public_product(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["whatsapp"] = whatsapp_number(row["kontak_publik"]) if row.get("kontak_publik") else None
    if out.get("jarak_m") is not None:
        out["jarak_m"] = round(float(out["jarak_m"]))
    if "skor" in out:
        out["skor"] = round(float(out["skor"]), 3)
    return out


def business(bind: Bind, case_ref: str) -> dict[str, Any]:
    """A verified business's public page: its public columns and products (404 for any other)."""
    with reading(bind) as conn:
        row = conn.execute(queries.public_business(), {"case_ref": case_ref}).mappings().first()
        if row is None:
            raise CaseNotFound(Said("usaha tidak ditemukan atau belum terverifikasi",
                                    "no such business, or not verified yet"))
        products = [_public_product(r) for r in conn.execute(queries.products_of(), {"case_ref": case_ref}).mappings()]
    out = dict(row)
    out["whatsapp"] = whatsapp_number(row["kontak_publik"]) if row["kontak_publik"] else None
    return {**out, "produk": products}


@dataclass(frozen=True)
class Message:
    """A buyer's message to a seller: who (a name), how to answer (e-mail or phone), what."""

    nama: str
    kontak: str
    pesan: str
    produk: str = ""


def check_message(message: Message) -> list[Said]:
    problems = []
    if not 2 <= len(message.nama.strip()) <= 100:
        problems.append(Said("Nama Anda: 2 sampai 100 karakter", "Your name: 2 to 100 characters"))
    contact = message.kontak.strip()
    if not (EMAIL.match(contact) or PUBLIC_PHONE.match(normalised_phone(contact))):
        problems.append(Said("Kontak Anda: tulis email atau nomor HP agar penjual dapat membalas",
                             "Your contact: an e-mail or mobile number so the seller can answer"))
    if not 5 <= len(message.pesan.strip()) <= 1000:
        problems.append(Said("Pesan: 5 sampai 1000 karakter", "Message: 5 to 1000 characters"))
    if len(message.produk) > 120:
        problems.append(Said("Produk: paling banyak 120 karakter", "Product: at most 120 characters"))
    return problems


def contact_seller(bind: Bind, case_ref: str, message: Message, *, actor: str) -> int | None:
    """Queue the buyer's message to the seller's e-mail; the outbox id (None: the same message was
    already queued). CaseNotFound for a business not verified, FormRejected for a bad message."""
    problems = check_message(message)
    with transaction(bind, actor) as conn:
        owner = conn.execute(queries.owner_mailbox(), {"case_ref": case_ref}).mappings().first()
        if owner is None:
            raise CaseNotFound(Said("usaha tidak ditemukan atau belum terverifikasi",
                                    "no such business, or not verified yet"))
        if problems:
            raise FormRejected(Said(f"pesan belum dapat dikirim: {len(problems)} hal perlu diperbaiki",
                                    f"the message cannot be sent yet: {len(problems)} problem(s)"), problems)
        about = f" tentang {message.produk.strip()}" if message.produk.strip() else ""
        body = (f"Pesan dari pembeli lewat Pasar UMKM Kota Medan{about}:\n\n{message.pesan.strip()}\n\n"
                f"Nama: {message.nama.strip()}\nBalas ke: {message.kontak.strip()}\n\n"
                "Alamat email Anda tidak diperlihatkan kepada pembeli. Balas sendiri ke kontak di atas.")
        digest = hashlib.sha256(f"{case_ref}\n{message.kontak}\n{message.pesan}".encode()).hexdigest()[:32]
        return seams.notify(conn, recipient=owner["email_pemohon"],
                            subject=f"Pesan pembeli untuk {owner['nama_usaha']}", body=body,
                            dedupe_key=f"umkm:pesan:{digest}", origin=f"umkm:{case_ref}")


def public_photo(bind: Bind, name: str) -> str:
    """The web copy (resized, no metadata) of a photo a verified business or its product shows; 404 otherwise."""
    try:
        media.photo_path(name)
    except media.ServiceError:
        raise CaseNotFound(Said("foto tidak ada", "no such photo")) from None
    with reading(bind) as conn:
        shown = conn.execute(queries.photo_is_public(), {"name": name}).scalar_one()
    if not shown:
        raise CaseNotFound(Said("foto tidak ada", "no such photo"))
    return str(media.web_copy(name))
