"""The SQL of the PBB service over its own layers (tax_parcels, land_value_zones) and its `pbb` schema.

Layer tables come from the registry (quoted identifiers); every value is a bound parameter.
"""

from __future__ import annotations

from sqlalchemy import Select, TextClause, func, or_, select, text

from layers.access import RowScope
from layers.tables import layer_table

PARCELS = "tax_parcels"
ZONES = "land_value_zones"


def parcels_to_assess(kode_kel: str | None = None, nops: list[str] | None = None) -> Select:
    """Each parcel with its zone's land value (a parcel whose zone is missing is left out)."""
    parcel, zone = layer_table(PARCELS).alias("p"), layer_table(ZONES).alias("z")
    query = (select(parcel.c.nop, parcel.c.kode_kel, parcel.c.luas_tanah_m2, parcel.c.luas_bangunan_m2,
                    parcel.c.kelas_bangunan, parcel.c.kode_znt, zone.c.nilai_per_m2,
                    parcel.c.wajib_pajak, parcel.c.akun_wajib_pajak)
             .join(zone, zone.c.kode_znt == parcel.c.kode_znt)
             .order_by(parcel.c.nop))
    if kode_kel is not None:
        query = query.where(parcel.c.kode_kel == kode_kel)
    if nops is not None:
        query = query.where(parcel.c.nop.in_(nops))
    return query


def parcels_in_scope(scope: RowScope) -> Select:
    """The parcels a row scope admits (a citizen's own), newest NOP order."""
    parcel = layer_table(PARCELS)
    admitted = or_(*(parcel.c[name].in_(values) for name, values in scope.conditions))
    return (select(parcel.c.nop, parcel.c.alamat_objek, parcel.c.nama_kel, parcel.c.nama_kec)
            .where(admitted).order_by(parcel.c.nop))


def parcels_without_zone() -> Select:
    parcel, zone = layer_table(PARCELS).alias("p"), layer_table(ZONES).alias("z")
    return (select(parcel.c.nop).outerjoin(zone, zone.c.kode_znt == parcel.c.kode_znt)
            .where(zone.c.kode_znt.is_(None)).order_by(parcel.c.nop))


ISSUED_NOPS = text("SELECT nop FROM pbb.sppt WHERE tahun = :tahun")

INSERT_SPPT = text(
    "INSERT INTO pbb.sppt (nop, tahun, kode_kel, luas_tanah_m2, luas_bangunan_m2, kode_znt, nilai_per_m2, "
    "kelas_bangunan, njop_tanah, njop_bangunan, njop, njoptkp, dasar_pengenaan, tarif, pbb_terutang, jatuh_tempo, "
    "wajib_pajak, akun_wajib_pajak, document_code) VALUES (:nop, :tahun, :kode_kel, :luas_tanah_m2, "
    ":luas_bangunan_m2, :kode_znt, :nilai_per_m2, :kelas_bangunan, :njop_tanah, :njop_bangunan, :njop, :njoptkp, "
    ":dasar_pengenaan, :tarif, :pbb_terutang, :jatuh_tempo, :wajib_pajak, :akun_wajib_pajak, :document_code) "
    "ON CONFLICT (nop, tahun) DO NOTHING")

SPPT_COLUMNS = ("nop, tahun, kode_kel, luas_tanah_m2, luas_bangunan_m2, kode_znt, nilai_per_m2, kelas_bangunan, "
                "njop_tanah, njop_bangunan, njop, njoptkp, dasar_pengenaan, tarif, pbb_terutang, jatuh_tempo, "
                "wajib_pajak, akun_wajib_pajak, document_code, issued_at, paid_bill, paid_at, paid_amount")


def sppts_of(for_update: bool = False) -> TextClause:
    """Every SPPT of one NOP (`:nop`), newest year first."""
    return text(f"SELECT {SPPT_COLUMNS} FROM pbb.sppt WHERE nop = :nop ORDER BY tahun DESC"  # noqa: S608
                + (" FOR UPDATE" if for_update else ""))


def sppt_locked() -> TextClause:
    return text(f"SELECT {SPPT_COLUMNS} FROM pbb.sppt WHERE nop = :nop AND tahun = :tahun FOR UPDATE")  # noqa: S608


SETTLE = text("UPDATE pbb.sppt SET paid_bill = :bill, paid_at = :at, paid_amount = :amount "
              "WHERE nop = :nop AND tahun = :tahun AND paid_bill IS NULL")

COLLECTION = text(
    "SELECT kode_kel, count(*) AS sppt, count(paid_bill) AS lunas, sum(pbb_terutang) AS ketetapan, "
    "coalesce(sum(pbb_terutang) FILTER (WHERE paid_bill IS NOT NULL), 0) AS terbayar_pokok, "
    "coalesce(sum(paid_amount - pbb_terutang) FILTER (WHERE paid_bill IS NOT NULL), 0) AS bunga "
    "FROM pbb.sppt WHERE tahun = :tahun GROUP BY kode_kel ORDER BY kode_kel")


def kelurahan_outlines() -> Select:
    """Every kelurahan's code, names and outline simplified for a city-wide choropleth (about 10 m)."""
    kel = layer_table("kelurahan")
    return select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec,
                  func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(kel.c.geom, 0.0001), 6).label("geometry"))
