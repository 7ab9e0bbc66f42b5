"""The PBB year on a real PostGIS: SPPTs issued once per parcel, interest when late, paying through
the sandbox gateway settles the SPPT exactly once, collection per kelurahan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from services.engine import documents, payments
from services.engine.payments import sandbox
from services.pbb import billing
from services.pbb.rules import arrears_rule, assess
from tests.fixtures.pbb import PBB_KELURAHAN as KELURAHAN


@pytest.fixture(scope="module", autouse=True)
def paid_bills_settle_sppts() -> None:
    billing.register()  # what the web app does when it mounts the PBB pages


def _one_nop(engine: Engine, offset: int = 0) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT nop FROM pbb.sppt WHERE tahun = 2026 ORDER BY nop OFFSET :o LIMIT 1"),
                            {"o": offset}).scalar_one()


def _callback_sender(engine: Engine) -> sandbox.Sender:
    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        return payments.receive_callback(engine, "sandbox", body, headers).http_status
    return send


def _pay(engine: Engine, bill: payments.Bill, **kwargs) -> None:
    sandbox.pay(engine, bill.va_number, **kwargs)
    report = sandbox.deliver_due(engine, _callback_sender(engine), "sandbox://callback", charge_id=None,
                                 now=datetime.now(UTC) + timedelta(days=3))
    assert report.dead == 0 and report.delivered >= 1


def test_each_taxed_parcel_gets_one_sppt_a_year_with_its_document(pbb_engine: Engine) -> None:
    with pbb_engine.connect() as conn:
        issued = conn.execute(text("SELECT count(*) FROM pbb.sppt WHERE tahun = 2026")).scalar_one()
        parcels = conn.execute(text("SELECT count(*) FROM layers.tax_parcels WHERE kode_kel = :k"),
                               {"k": KELURAHAN}).scalar_one()
        row = conn.execute(text("SELECT * FROM pbb.sppt WHERE tahun = 2026 ORDER BY nop LIMIT 1")).mappings().one()
    assert 0 < issued <= parcels
    again = billing.issue_year(pbb_engine, 2026, kode_kel=KELURAHAN)
    assert again.issued == 0 and again.already_issued == issued
    expected = assess(luas_tanah_m2=float(row["luas_tanah_m2"]), nilai_per_m2=row["nilai_per_m2"],
                      luas_bangunan_m2=float(row["luas_bangunan_m2"]), kelas_bangunan=row["kelas_bangunan"])
    assert row["pbb_terutang"] == expected.pbb_terutang and row["njop"] == expected.njop
    assert row["jatuh_tempo"] == date(2026, 8, 31)
    shown = documents.verify(pbb_engine, row["document_code"])
    assert shown.kind == "sppt" and shown.status == "valid" and shown.shown_fields["NOP"] == row["nop"]
    assert "*" in shown.holder_masked and row["wajib_pajak"] not in shown.holder_masked


def test_a_late_year_costs_one_percent_a_month_from_its_due_date(pbb_engine: Engine) -> None:
    nop = _one_nop(pbb_engine)
    on_time, late = (billing.sppts(pbb_engine, nop, today=date(2026, 8, 31)),
                     billing.sppts(pbb_engine, nop, today=date(2026, 12, 7)))
    this_year, last_year = late
    assert [s.tahun for s in late] == [2026, 2025]
    assert on_time[0].bunga == 0 and not on_time[0].tunggakan
    assert this_year.bunga == int(this_year.pbb_terutang * 0.01 * 4)   # Sep, Oct, Nov and the started Dec
    assert last_year.bunga == int(last_year.pbb_terutang * 0.01 * 16)  # Sep 2025 .. the started Dec 2026
    assert last_year.tunggakan and last_year.harus_dibayar == last_year.pbb_terutang + last_year.bunga
    assert arrears_rule().months_late(date(2020, 8, 31), date(2026, 12, 7)) == 24


def test_nops_are_read_as_people_type_them(pbb_engine: Engine) -> None:
    nop = _one_nop(pbb_engine)
    digits = "".join(ch for ch in nop if ch.isdigit())
    assert billing.sppts(pbb_engine, digits)[0].nop == nop
    with pytest.raises(billing.PbbError, match="18 angka"):
        billing.sppts(pbb_engine, "12.71.010")
    with pytest.raises(billing.SpptNotFound):
        billing.sppts(pbb_engine, "99.99.999.999.999-9999.9")


def test_paying_settles_the_sppt_once_and_a_replaced_code_cannot_be_paid(pbb_engine: Engine) -> None:
    nop = _one_nop(pbb_engine, 1)
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    first = billing.start_payment(pbb_engine, nop, 2025, now=now)
    assert billing.start_payment(pbb_engine, nop, 2025, now=now).number == first.number  # same code while open
    due = billing.sppts(pbb_engine, nop, today=date(2026, 12, 7))[1]
    assert first.amount == due.harus_dibayar and first.amount > due.pbb_terutang
    # The code expired unpaid; a new one replaces it and the old one is cancelled at the gateway side.
    later = now + timedelta(days=2)
    second = billing.start_payment(pbb_engine, nop, 2025, now=later)
    assert second.number != first.number
    _pay(pbb_engine, second)
    paid = billing.sppts(pbb_engine, nop)[1]
    assert paid.lunas and paid.paid_bill == second.number and paid.paid_amount == second.amount
    with pytest.raises(billing.AlreadyPaid):
        billing.start_payment(pbb_engine, nop, 2025)
    # The replaced code was closed at the gateway: paying it is refused, so the SPPT is paid once.
    with pytest.raises(sandbox.SandboxRefusal, match="closed"):
        sandbox.pay(pbb_engine, first.va_number, late=True)
    with pbb_engine.connect() as conn:
        dispositions = conn.execute(text(
            "SELECT p.disposition FROM payments.payments p JOIN payments.bills b ON b.number = p.bill_number "
            "WHERE b.case_ref = :c ORDER BY p.id"), {"c": billing.case_ref(nop, 2025)}).scalars().all()
        statuses = dict(conn.execute(text("SELECT number, status FROM payments.bills WHERE case_ref = :c"),
                                     {"c": billing.case_ref(nop, 2025)}).all())
    assert dispositions == ["applied"]
    assert statuses == {first.number: "cancelled", second.number: "paid"}


def test_collection_per_kelurahan_counts_what_was_paid(pbb_engine: Engine) -> None:
    before = billing.collection(pbb_engine, 2026)
    row = before.per_kelurahan.set_index("kode_kel").loc[KELURAHAN]
    nop = _one_nop(pbb_engine, 2)
    bill = billing.start_payment(pbb_engine, nop, 2026)
    _pay(pbb_engine, bill)
    after = billing.collection(pbb_engine, 2026).per_kelurahan.set_index("kode_kel").loc[KELURAHAN]
    principal = billing.sppts(pbb_engine, nop)[0].pbb_terutang
    assert after["lunas"] == row["lunas"] + 1
    assert after["terbayar_pokok"] == row["terbayar_pokok"] + principal
    assert after["bunga"] == row["bunga"] + bill.amount - principal
    assert after["persen"] == round(100 * after["terbayar_pokok"] / after["ketetapan"], 2)
