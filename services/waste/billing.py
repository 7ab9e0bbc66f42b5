"""The month's waste fees: issued for every customer by class, what a customer owes, paying, collection.

A fee (waste.retribusi) is issued once per customer and month at its class's declared rate; paying
opens a bill through the payments engine (services/engine/payments.current_bill: one valid code per
fee, older ones closed, so a month is never paid twice). A paid bill settles its month, in the
transaction that marked it paid, and moves the customer's `lunas_sampai` (paid up to) on the map.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine

from layers import update_feature
from layers.access import Principal, row_scope
from layers.registry import get_registry
from services.engine import payments
from services.engine.documents.formats import rupiah
from services.errors import Conflict, NotFound, ServiceError
from services.waste import queries
from services.waste.rules import load_tariff, parse_period

log = logging.getLogger(__name__)
SERVICE = "retribusi_sampah"
ACTOR = "services.waste"


class WasteFeeError(ServiceError):
    code = "InvalidParameterValue"


class FeeNotFound(NotFound, WasteFeeError):
    """No such bill."""


class AlreadyPaid(Conflict, WasteFeeError):
    code = "AlreadyPaid"


@dataclass(frozen=True)
class Fee:
    nomor_pelanggan: str
    periode: str
    kelas: str
    kode_tps: str
    jumlah: int
    jatuh_tempo: date
    nama: str
    paid_bill: str | None
    paid_at: datetime | None

    @property
    def lunas(self) -> bool:
        return self.paid_bill is not None

    def overdue(self, today: date) -> bool:
        return not self.lunas and today > self.jatuh_tempo


def case_ref(nomor: str, periode: str) -> str:
    return f"{nomor}/{periode}"


def _period(periode: str) -> str:
    try:
        parse_period(periode)
    except ValueError as exc:
        raise WasteFeeError(str(exc)) from None
    return periode


def issue_month(engine: Engine, periode: str) -> int:
    """Issue the month's fee for every customer not yet billed for it; how many were issued (safe to re-run)."""
    tariff = load_tariff()
    due = tariff.due_date(_period(periode))
    with engine.begin() as conn:
        issued = set(conn.execute(queries.ISSUED, {"periode": periode}).scalars())
        rows = [{**dict(c), "periode": periode, "jumlah": tariff.fee(c["kelas"]), "jatuh_tempo": due,
                 "nama": c["nama_wr"] or "", "akun": c["akun_wr"] or ""}
                for c in conn.execute(queries.customers()).mappings() if c["nomor_pelanggan"] not in issued]
        if rows:
            conn.execute(queries.INSERT, rows)
    return len(rows)


def _fee(row: object) -> Fee:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values.pop("akun", None)
    values.pop("kode_kel", None)
    return Fee(**values)


def fees(engine: Engine, nomor: str) -> list[Fee]:
    """Every month billed to a customer, newest first (404 when none)."""
    nomor = nomor.strip().upper()
    with engine.connect() as conn:
        found = [_fee(row) for row in conn.execute(queries.OF_CUSTOMER, {"nomor": nomor})]
    if not found:
        raise FeeNotFound(f"Tidak ada tagihan retribusi untuk nomor pelanggan {nomor}")
    return found


def start_payment(engine: Engine, nomor: str, periode: str, *, payer_ref: str = "",
                  now: datetime | None = None) -> payments.Bill:
    """The bill to pay a month's fee with: the valid one if open, else a new one."""
    nomor, periode = nomor.strip().upper(), _period(periode)
    with engine.begin() as conn:
        row = conn.execute(queries.LOCKED, {"nomor": nomor, "periode": periode}).first()
        if row is None:
            raise FeeNotFound(f"Tidak ada tagihan retribusi {periode} untuk nomor pelanggan {nomor}")
        fee = _fee(row)
        if fee.lunas:
            raise AlreadyPaid(f"Retribusi {periode} nomor {nomor} sudah lunas")
        return payments.current_bill(
            conn, service=SERVICE, case_ref=case_ref(nomor, periode), amount=fee.jumlah,
            description=f"Retribusi sampah {periode} pelanggan {nomor}", payer_ref=payer_ref or row.akun,
            payer_name=fee.nama, now=now, expires_in=timedelta(hours=load_tariff().payment_window_hours))


def fee_paid(conn: Connection, bill: payments.Bill) -> None:
    """The on_paid handler: a paid waste bill settles its month and moves the customer's paid-up month."""
    if bill.service != SERVICE:
        return
    nomor, _, periode = bill.case_ref.rpartition("/")
    settled = conn.execute(queries.SETTLE, {"bill": bill.number, "at": bill.paid_at, "nomor": nomor,
                                            "periode": periode}).rowcount
    if not settled:
        log.warning("waste bill %s paid for %s, which was already settled", bill.number, bill.case_ref)
        return
    through = conn.execute(queries.PAID_THROUGH, {"nomor": nomor}).scalar_one_or_none()
    fid = conn.execute(queries.customer_fid(), {"nomor": nomor}).scalar_one_or_none()
    if fid is not None:  # through layers/, so the map's change is in the feature's history
        update_feature(conn, queries.CUSTOMERS, fid, {"type": "Feature", "properties": {"lunas_sampai": through}},
                       actor=ACTOR, partial=True)


def register() -> None:
    payments.on_paid(fee_paid)


def own_customers(engine: Engine, principal: Principal) -> list[dict]:
    """The customer numbers a citizen's account holds, as the layer's row rule admits them."""
    if "citizen" not in principal.roles or principal.user_id is None:
        return []
    scope = row_scope(get_registry().get(queries.CUSTOMERS), principal)
    if scope is None or not scope.conditions:
        return []
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(queries.customers_in_scope(scope)).mappings()]


def collection(engine: Engine, periode: str) -> pd.DataFrame:
    """Per TPS for a month: fees, paid, billed and paid rupiah, rate in percent."""
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(queries.COLLECTION, {"periode": _period(periode)}).mappings().all(),
                             columns=["kode_tps", "tagihan", "lunas", "ditagih", "terbayar"])
    frame["persen"] = (100 * frame["terbayar"] / frame["ditagih"].where(frame["ditagih"] > 0)).round(2)
    return frame


def shown(amount: int) -> str:
    return rupiah(amount)


def this_month(now: datetime | None = None) -> str:
    return f"{(now or datetime.now(UTC)):%Y-%m}"
