"""The UMKM marketplace on a real PostGIS: a business registers on the engine, the agency verifies it,
its owner publishes a product, a citizen finds it by product and place (typos too) and writes to the
seller through the outbox; personal data stay private; bad input changes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, text

from layers.access import Principal
from services.engine import cases, steps
from services.engine.said import CaseNotFound, Forbidden, FormRejected, TransitionNotAllowed
from services.umkm import catalogue, counts, market
from tests.helpers.permits import jpeg

AGENCY = "DINKOPUKM"


def _citizen(user_id: int) -> Principal:
    return Principal(actor=f"user:{user_id}", roles=frozenset({"citizen"}), user_id=user_id)


def _staff(agencies: tuple[str, ...] = (AGENCY,)) -> Principal:
    return Principal(actor="user:7001", roles=frozenset({"staff"}), agencies=frozenset(agencies), user_id=7001)


def _point_in(engine: Engine, nama_kel: str = "PETISAH TENGAH") -> tuple[float, float, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(text("""SELECT ST_X(p), ST_Y(p), kode_kel FROM (SELECT ST_PointOnSurface(geom) p,
            kode_kel FROM layers.kelurahan WHERE upper(nama_kel) = :n ORDER BY kode_kel LIMIT 1) q"""),
            {"n": nama_kel}).one())


def _register(engine: Engine, owner: Principal, name: str, **fields: str) -> str:
    lon, lat, _ = _point_in(engine)
    values = {"nama_usaha": name, "kategori": "kuliner", "nama_pemohon": "Rina Siregar",
              "telp_pemohon": "0813 1111 2222", "email_pemohon": "rina@example.org", "kontak_publik": "",
              "uraian": "Kue khas Medan", **fields}
    receipt = cases.submit(engine, "umkm", cases.Application(fields=values, lon=lon, lat=lat,
                                                             files={"foto_usaha": jpeg()}), owner)
    return receipt.case_ref


@pytest.fixture
def verified(engine: Engine) -> tuple[Principal, str]:
    owner = _citizen(8000 + uuid.uuid4().int % 1000)
    case_ref = _register(engine, owner, f"Bolu Rina {uuid.uuid4().hex[:4]}", kontak_publik="0812-3456-7890")
    steps.transition(engine, "umkm", case_ref, "verified", _staff())
    return owner, case_ref


def test_a_verified_business_publishes_a_product_and_a_typo_finds_it_near_its_kelurahan(
        engine: Engine, verified: tuple[Principal, str]) -> None:
    owner, case_ref = verified
    code = catalogue.publish(engine, owner, case_ref, catalogue.Product("Bolu Gulung Pandan Zebra", "Rp 55.000",
                                                                         "Lembut, tahan 3 hari", jpeg()))
    lon, lat, kode_kel = _point_in(engine)
    for q in ("bolu gulung", "bolu gulng pandan", "BOLU PANDAN", "zebra"):
        found = market.search(engine, market.parse_search(engine, {"q": q, "lon": lon, "lat": lat, "radius_km": "1"}))
        assert code in [p["kode_produk"] for p in found][:3], q
    hit = next(p for p in market.search(engine, market.Search(q="bolu gulung pandan", kode_kel=kode_kel))
               if p["kode_produk"] == code)
    assert hit["harga"] == 55000 and hit["whatsapp"] == "6281234567890" and hit["foto"]
    assert "email_pemohon" not in hit and "akun_penjual" not in hit
    # Far away (a point 20 km off) or in another kelurahan it is not found.
    elsewhere = market.Search(q="bolu gulung pandan", lon=lon + 0.2, lat=lat, radius_km=2)
    assert code not in [p["kode_produk"] for p in market.search(engine, elsewhere)]
    page = market.business(engine, case_ref)
    assert [p["kode_produk"] for p in page["produk"]] == [code]
    assert set(page) & {"nama_pemohon", "telp_pemohon", "email_pemohon", "nib", "akun_pemohon"} == set()
    assert market.public_photo(engine, hit["foto"]).endswith("-web.jpg")


def test_a_business_not_verified_cannot_publish_and_is_not_public(engine: Engine) -> None:
    owner = _citizen(8999)
    case_ref = _register(engine, owner, "Kedai Menunggu")
    with pytest.raises(TransitionNotAllowed, match="belum terverifikasi"):
        catalogue.publish(engine, owner, case_ref, catalogue.Product("Teh Manis", "5000"))
    with pytest.raises(CaseNotFound):
        market.business(engine, case_ref)
    with pytest.raises(CaseNotFound):
        market.contact_seller(engine, case_ref, market.Message("Budi", "budi@example.org", "Masih buka?"), actor="t")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.umkm_products WHERE case_ref = :r"),
                            {"r": case_ref}).scalar_one() == 0


def test_someone_elses_business_is_as_absent_as_none(engine: Engine, verified: tuple[Principal, str]) -> None:
    _, case_ref = verified
    with pytest.raises(CaseNotFound, match="tidak ditemukan di akun Anda"):
        catalogue.publish(engine, _citizen(4242), case_ref, catalogue.Product("Palsu", "1000"))


@pytest.mark.parametrize(("product", "said"), [
    (catalogue.Product("", "1000"), "Nama produk"),
    (catalogue.Product("Kopi", "seribu"), "Harga"),
    (catalogue.Product("Kopi", "-5"), "Harga"),
    (catalogue.Product("Kopi", "2000000000"), "Harga"),
    (catalogue.Product("Kopi", "1000", foto=b"GIF89a not a photo"), "Foto produk"),
])
def test_a_bad_product_is_refused_in_indonesian_and_nothing_is_written(
        engine: Engine, verified: tuple[Principal, str], product: catalogue.Product, said: str) -> None:
    owner, case_ref = verified
    with pytest.raises(FormRejected) as refused:
        catalogue.publish(engine, owner, case_ref, product)
    assert refused.value.status == 400 and any(said in p for p in refused.value.problems)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.umkm_products WHERE case_ref = :r"),
                            {"r": case_ref}).scalar_one() == 0


def test_prices_are_read_as_indonesians_write_them() -> None:
    assert [catalogue.parse_price(p) for p in ("15000", "15.000", "Rp 15.000", "Rp15.000,-", "1.5", "15,000")] == \
        [15000, 15000, 15000, 15000, None, None]


def test_a_bad_registration_is_refused_with_its_reasons(engine: Engine) -> None:
    lon, lat, _ = _point_in(engine)
    values = {"nama_usaha": "X", "kategori": "senjata", "nama_pemohon": "Rina", "telp_pemohon": "0813",
              "email_pemohon": "bukan-email", "nib": "123", "kontak_publik": "halo"}
    with pytest.raises(FormRejected) as refused:
        cases.submit(engine, "umkm", cases.Application(fields=values, lon=lon, lat=lat,
                                                       files={"foto_usaha": b"%PDF-1.4 not a photo"}), _citizen(8111))
    said = " | ".join(refused.value.problems)
    for part in ("Kategori usaha: pilih salah satu", "bukan alamat email", "NIB: harus 13 angka",
                 "WhatsApp/telepon usaha", "Foto usaha"):
        assert part in said, part
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers.umkm_businesses WHERE akun_pemohon = 'user:8111'")
                            ).scalar_one() == 0


def test_a_buyers_message_is_queued_to_the_seller_who_stays_private(engine: Engine,
                                                                      verified: tuple[Principal, str]) -> None:
    _, case_ref = verified
    message = market.Message("Budi Lubis", "0811 2222 3333", "Apakah bolu bisa diantar ke Sunggal?", "Bolu Pandan")
    outbox_id = market.contact_seller(engine, case_ref, message, actor="anonymous")
    assert market.contact_seller(engine, case_ref, message, actor="anonymous") is None  # a double submit: once
    with engine.connect() as conn:
        row = conn.execute(text("SELECT recipient, subject, body FROM notify.outbox WHERE id = :i"),
                           {"i": outbox_id}).mappings().one()
    assert row["recipient"] == "rina@example.org" and row["subject"].startswith("Pesan pembeli untuk Bolu Rina")
    assert "Apakah bolu bisa diantar ke Sunggal?" in row["body"] and "0811 2222 3333" in row["body"]
    with pytest.raises(FormRejected) as refused:
        market.contact_seller(engine, case_ref, market.Message("B", "tidak ada", "?"), actor="anonymous")
    assert len(refused.value.problems) == 3


@pytest.mark.parametrize(("args", "said"), [
    ({"lon": "98.67"}, "lon dan lat"), ({"lon": "110", "lat": "3.5"}, "di luar Kota Medan"),
    ({"kel": "9999"}, "kelurahan tidak dikenal"), ({"kategori": "senjata"}, "kategori"),
    ({"radius_km": "500", "lon": "98.67", "lat": "3.59"}, "radius"), ({"lon": "abc", "lat": "3.5"}, "harus angka"),
    ({"q": "x" * 101}, "paling banyak 100"),
])
def test_a_bad_search_says_what_is_wrong(engine: Engine, args: dict, said: str) -> None:
    with pytest.raises(FormRejected) as refused:
        market.parse_search(engine, args)
    assert refused.value.status == 400 and said in " | ".join(refused.value.problems)


def test_the_agency_sees_businesses_per_kelurahan_with_small_counts_hidden(engine: Engine) -> None:
    table = counts.per_kelurahan(engine, _staff())
    rows = table["rows"]
    assert len(rows) == 151
    with engine.connect() as conn:
        verified = conn.execute(text("SELECT count(*) FROM layers.umkm_public")).scalar_one()
    assert int(table["totals"]["terverifikasi"]) == verified >= 46
    assert all(r["menunggu_tampil"] in ("0", "<10") or int(r["menunggu_tampil"]) >= 10 for r in rows)
    assert any(r["menunggu_tampil"] == "<10" for r in rows)
    with pytest.raises(Forbidden):
        counts.per_kelurahan(engine, _staff(("DINKES",)))
    with pytest.raises(Forbidden):
        counts.per_kelurahan(engine, _citizen(1))


def test_the_seed_is_synthetic_deterministic_and_inside_its_kelurahan(engine: Engine) -> None:
    with engine.connect() as conn:
        outside = conn.execute(text("""SELECT count(*) FROM layers.umkm_businesses b WHERE b.source = 'synthetic'
            AND NOT EXISTS (SELECT 1 FROM layers.kelurahan k WHERE k.kode_kel = b.kode_kel
                            AND ST_Covers(k.geom, b.geom))""")).scalar_one()
        labels = conn.execute(text("SELECT DISTINCT source FROM layers.umkm_products WHERE kode_produk LIKE "
                                   "'UMKM-SEED%'")).scalars().all()
        names = conn.execute(text("SELECT nama_produk FROM layers.umkm_products WHERE kode_produk LIKE 'UMKM-SEED%' "
                                  "ORDER BY kode_produk")).scalars().all()
        from geodata.seed import generate
        from layers import read_layer
        from layers.registry import get_registry
        again = generate(get_registry().get("umkm_products"), read_layer(conn, "kelurahan"))
    assert outside == 0 and labels == ["synthetic"]
    assert again.sort_values("kode_produk")["nama_produk"].tolist() == names
