"""The SQL of the waste fee service over its own layer (waste_customers) and its `waste` schema."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, or_, select, text

from layers.access import RowScope
from layers.tables import layer_table

CUSTOMERS = "waste_customers"


def customers() -> Select:
    table = layer_table(CUSTOMERS)
    return select(table.c.nomor_pelanggan, table.c.kelas, table.c.kode_tps, table.c.kode_kel, table.c.nama_wr,
                  table.c.akun_wr).order_by(table.c.nomor_pelanggan)


def customer_fid() -> Select:
    table = layer_table(CUSTOMERS)
    return select(table.c.fid).where(table.c.nomor_pelanggan == bindparam("nomor"))


def customers_in_scope(scope: RowScope) -> Select:
    table = layer_table(CUSTOMERS)
    admitted = or_(*(table.c[name].in_(values) for name, values in scope.conditions))
    return (select(table.c.nomor_pelanggan, table.c.kelas, table.c.nama_kel, table.c.kode_tps)
            .where(admitted).order_by(table.c.nomor_pelanggan))


ISSUED = text("SELECT nomor_pelanggan FROM waste.retribusi WHERE periode = :periode")
INSERT = text(
    "INSERT INTO waste.retribusi (nomor_pelanggan, periode, kelas, kode_tps, kode_kel, jumlah, jatuh_tempo, nama, akun) "
    "VALUES (:nomor_pelanggan, :periode, :kelas, :kode_tps, :kode_kel, :jumlah, :jatuh_tempo, :nama, :akun) "
    "ON CONFLICT (nomor_pelanggan, periode) DO NOTHING")
COLUMNS = "nomor_pelanggan, periode, kelas, kode_tps, kode_kel, jumlah, jatuh_tempo, nama, akun, paid_bill, paid_at"
OF_CUSTOMER = text(f"SELECT {COLUMNS} FROM waste.retribusi WHERE nomor_pelanggan = :nomor "  # noqa: S608
                   "ORDER BY periode DESC")
LOCKED = text(f"SELECT {COLUMNS} FROM waste.retribusi WHERE nomor_pelanggan = :nomor AND periode = :periode "  # noqa: S608
              "FOR UPDATE")
SETTLE = text("UPDATE waste.retribusi SET paid_bill = :bill, paid_at = :at "
              "WHERE nomor_pelanggan = :nomor AND periode = :periode AND paid_bill IS NULL")
PAID_THROUGH = text("SELECT max(periode) FROM waste.retribusi r WHERE nomor_pelanggan = :nomor AND paid_bill IS NOT NULL "
                    "AND NOT EXISTS (SELECT 1 FROM waste.retribusi e WHERE e.nomor_pelanggan = r.nomor_pelanggan "
                    "AND e.periode < r.periode AND e.paid_bill IS NULL)")
COLLECTION = text(
    "SELECT kode_tps, count(*) AS tagihan, count(paid_bill) AS lunas, sum(jumlah) AS ditagih, "
    "coalesce(sum(jumlah) FILTER (WHERE paid_bill IS NOT NULL), 0) AS terbayar "
    "FROM waste.retribusi WHERE periode = :periode GROUP BY kode_tps ORDER BY kode_tps")
