"""A verified business's owner publishes and withdraws products. Flask-free.

Only the account that registered the business, and only once the agency has verified it: a
product of anyone else's business, or of one still waiting, is refused before anything is
written. The photo is checked by its content (services/engine/media.py) and stored under a
random name; the public sees its web copy (no EXIF/GPS). One transaction, with history.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from layers import delete_feature, insert_features
from layers.access import Principal, account_of
from layers.tables import Bind, reading, transaction
from services.engine import media
from services.engine.said import (
    CaseNotFound,
    Forbidden,
    FormRejected,
    NotSignedIn,
    Said,
    TransitionNotAllowed,
)
from services.umkm import queries

MAX_PRICE = 1_000_000_000
# "15000", "15.000", "Rp 15.000", "Rp15.000,-": how prices are written in Indonesia (dots group thousands).
PRICE = re.compile(r"^(?:rp\.?\s*)?([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,-|,00)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Product:
    nama_produk: str
    harga: str
    uraian: str = ""
    foto: bytes = b""


def parse_price(raw: str) -> int | None:
    match = PRICE.match(raw.strip())
    if match is None:
        return None
    value = int(match.group(1).replace(".", ""))
    return value if value <= MAX_PRICE else None


def check_product(product: Product) -> tuple[int | None, list[Said]]:
    problems: list[Said] = []
    if not 2 <= len(product.nama_produk.strip()) <= 120:
        problems.append(Said("Nama produk: 2 sampai 120 karakter", "Product name: 2 to 120 characters"))
    price = parse_price(product.harga)
    if price is None:
        problems.append(Said("Harga: tulis angka rupiah, misalnya 15000 atau 15.000 (paling besar 1 miliar)",
                             "Price: rupiah as a number, e.g. 15000 or 15.000 (at most 1 billion)"))
    if len(product.uraian) > 1000:
        problems.append(Said("Uraian: paling banyak 1000 karakter", "Description: at most 1000 characters"))
    if product.foto:
        try:
            media.check_photo(product.foto)
        except media.ServiceError as exc:
            problems.append(Said(f"Foto produk: bukan foto JPEG/PNG/WebP yang utuh atau lebih dari 5 MB ({exc})",
                                 f"Product photo: {exc}"))
    return price, problems


def _owned(conn: Any, case_ref: str, account: str) -> dict[str, Any]:
    row = conn.execute(queries.owned_business(), {"case_ref": case_ref}).mappings().first()
    if row is None or row["akun_pemohon"] != account:  # someone else's business is as absent as none
        raise CaseNotFound(Said("usaha tidak ditemukan di akun Anda", "no such business on your account"))
    if row["status"] != "verified":
        raise TransitionNotAllowed(Said("usaha belum terverifikasi Dinas Koperasi dan UKM; produk dapat dimuat "
                                        "setelah diverifikasi", "the business is not verified yet; products can be "
                                        "published once it is"))
    return dict(row)


def _account(principal: Principal) -> str:
    account = account_of(principal)
    if account is None:
        raise NotSignedIn(Said("masuk (login) dulu", "log in first"))
    if "citizen" not in principal.roles and "admin" not in principal.roles:
        raise Forbidden(Said("hanya akun warga pemilik usaha yang memuat produk", "only the owner's citizen account"))
    return account


def publish(bind: Bind, principal: Principal, case_ref: str, product: Product,
            *, now: datetime | None = None) -> str:
    """Publish a product of the owner's verified business; returns its code. Nothing is written when refused."""
    account = _account(principal)
    price, problems = check_product(product)
    with transaction(bind, f"citizen:{account}") as conn:
        owned = _owned(conn, case_ref, account)
        if problems:
            raise FormRejected(Said(f"produk belum dapat dimuat: {len(problems)} hal perlu diperbaiki",
                                    f"the product cannot be published yet: {len(problems)} problem(s)"), problems)
        photo = media.store_photo(product.foto) if product.foto else None
        code = f"{case_ref}-{secrets.token_hex(3).upper()}"
        try:
            insert_features(conn, "umkm_products", [{"type": "Feature", "geometry": json.loads(owned["geometry"]),
                "properties": {"kode_produk": code, "case_ref": case_ref, "nama_usaha": owned["nama_usaha"],
                               "nama_produk": product.nama_produk.strip(), "harga": price,
                               "uraian": product.uraian.strip() or None, "foto": photo,
                               "kode_kel": owned["kode_kel"], "nama_kel": owned["nama_kel"],
                               "nama_kec": owned["nama_kec"], "dibuat": now or datetime.now(UTC),
                               "akun_penjual": account}}], actor=f"citizen:{account}", source="umkm")
        except BaseException:
            media.remove_photo(photo)
            raise
    return code


def withdraw(bind: Bind, principal: Principal, case_ref: str, kode_produk: str) -> None:
    """Take a product of the owner's business off the marketplace (kept in history)."""
    account = _account(principal)
    with transaction(bind, f"citizen:{account}") as conn:
        _owned(conn, case_ref, account)
        fid = conn.execute(queries.product_fid(), {"case_ref": case_ref, "kode": kode_produk}).scalar_one_or_none()
        if fid is None:
            raise CaseNotFound(Said("produk tidak ditemukan", "no such product"))
        delete_feature(conn, "umkm_products", fid, actor=f"citizen:{account}")


def my_businesses(bind: Bind, principal: Principal) -> list[dict[str, Any]]:
    """The account's registrations, each with its products once verified."""
    account = account_of(principal)
    if account is None:
        return []
    with reading(bind) as conn:
        rows = [dict(r) for r in conn.execute(queries.businesses_of_account(), {"account": account}).mappings()]
        for row in rows:
            row["produk"] = ([dict(p) for p in conn.execute(queries.products_of(), {"case_ref": row["case_ref"]})
                             .mappings()] if row["status"] == "verified" else [])
    return rows
