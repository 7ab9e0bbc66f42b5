"""The UMKM service's SQL over its own layers: small builders, values bound, no identifier from input."""

from __future__ import annotations

from sqlalchemy import TextClause, text

# What a product row shows anywhere (search results, a business's page); the business's public
# columns come from umkm_public, so a product of a business no longer verified is found nowhere.
_PRODUCT = """p.kode_produk, p.nama_produk, p.harga, p.uraian, p.foto, p.case_ref, b.nama_usaha, b.kategori,
       b.nama_kel, b.nama_kec, b.kontak_publik, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat"""


def search_products() -> TextClause:
    """Products whose name or business name is like :q (trigram word similarity, accents and case
    folded; '' = any), within :radius_m of (:lon, :lat) and/or in kelurahan :kode_kel, of :kategori;
    the closest match first, then the nearest."""
    return text(f"""
        SELECT {_PRODUCT},
               CASE WHEN :q = '' THEN 1.0
                    ELSE word_similarity(core.search_key(:q), core.search_key(p.nama_produk || ' ' || p.nama_usaha))
               END AS skor,
               CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
                    ELSE ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
               END AS jarak_m
        FROM layers.umkm_products p JOIN layers.umkm_public b ON b.case_ref = p.case_ref
        WHERE (:q = '' OR core.search_key(:q) <% core.search_key(p.nama_produk || ' ' || p.nama_usaha))
          AND (CAST(:kode_kel AS text) IS NULL OR p.kode_kel = :kode_kel)
          AND (CAST(:kategori AS text) IS NULL OR b.kategori = :kategori)
          AND (CAST(:lon AS float8) IS NULL OR ST_DWithin(p.geom::geography,
               ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius_m))
        ORDER BY skor DESC, jarak_m NULLS LAST, p.nama_produk, p.kode_produk
        LIMIT :limit""")  # noqa: S608  (a constant column list; every value bound)


def set_similarity(threshold: float) -> TextClause:
    """How alike a word must be to match (pg_trgm's `<%`), for this transaction only."""
    return text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)").bindparams(t=str(threshold))


def public_business() -> TextClause:
    return text("""SELECT case_ref, nama_usaha, kategori, uraian, address, kontak_publik, foto, kode_kel, nama_kel,
                          nama_kec, state_since, ST_X(geom) AS lon, ST_Y(geom) AS lat
                   FROM layers.umkm_public WHERE case_ref = :case_ref""")


def products_of() -> TextClause:
    return text(f"""SELECT {_PRODUCT} FROM layers.umkm_products p
                    JOIN layers.umkm_public b ON b.case_ref = p.case_ref
                    WHERE p.case_ref = :case_ref ORDER BY p.dibuat DESC, p.kode_produk""")  # noqa: S608


def owner_mailbox() -> TextClause:
    """The owner's e-mail of a verified business: read only to send a buyer's message, never shown."""
    return text("""SELECT c.email_pemohon, c.nama_usaha FROM layers.umkm_businesses c
                   JOIN layers.umkm_public b ON b.case_ref = c.case_ref WHERE c.case_ref = :case_ref""")


def owned_business() -> TextClause:
    """A registration with its owner and status, for the owner's own steps (publishing a product)."""
    return text("""SELECT case_ref, status, akun_pemohon, nama_usaha, kode_kel, nama_kel, nama_kec,
                          ST_AsGeoJSON(geom) AS geometry
                   FROM layers.umkm_businesses WHERE case_ref = :case_ref FOR UPDATE""")


def businesses_of_account() -> TextClause:
    return text("""SELECT case_ref, status, nama_usaha, kategori, nama_kel, nama_kec, submitted_at, public_note
                   FROM layers.umkm_businesses WHERE akun_pemohon = :account ORDER BY submitted_at DESC""")


def photo_is_public() -> TextClause:
    return text("""SELECT EXISTS (SELECT 1 FROM layers.umkm_public WHERE foto = :name)
                       OR EXISTS (SELECT 1 FROM layers.umkm_products p JOIN layers.umkm_public b
                                  ON b.case_ref = p.case_ref WHERE p.foto = :name)""")


def counts_per_kelurahan() -> TextClause:
    """Every kelurahan (a row even without a business) with its registrations by status."""
    return text("""
        SELECT k.kode_kel, k.nama_kel, k.nama_kec,
               count(c.fid) FILTER (WHERE c.status = 'verified') AS terverifikasi,
               count(c.fid) FILTER (WHERE c.status = 'submitted') AS menunggu,
               count(c.fid) FILTER (WHERE c.status = 'rejected') AS ditolak
        FROM layers.kelurahan k LEFT JOIN layers.umkm_businesses c ON c.kode_kel = k.kode_kel
        GROUP BY k.kode_kel, k.nama_kel, k.nama_kec
        ORDER BY k.nama_kec, k.nama_kel""")


def product_fid() -> TextClause:
    return text("SELECT fid FROM layers.umkm_products WHERE case_ref = :case_ref AND kode_produk = :kode")
