"""Payments and documents: 1,000 sandbox payments through the callback endpoint, and PDFs issued per second.

Payments (issue 18): `--payments` bills (default 1,000) are opened, paid at the sandbox gateway
(10 % of them with their notification sent twice, 5 % settled after the bill's expiry, i.e. late),
and the gateway's notifier delivers every callback, signed, through the platform's real endpoint
`POST /api/pembayaran/callback/sandbox` (the Flask app in-process through its WSGI test client:
routing, the HMAC check, the row lock, the payment, the receipt document, the answer), from
`--workers` notifier threads. Then the reconciliation of the day(s) against the gateway's
settlement report must show every payment exactly once: each bill paid by one payment, duplicates
answered without a second one, the late ones accepted as paid_late.

Documents: `--documents` documents (default 1,000) issued (rows with their codes) and rendered as
PDFs with their QR code (reportlab + segno), single process: PDFs/s. The PBB issue needs 10,000 SPPT.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_payments.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_payments.py --payments 200 --documents 200

It works in its own database `medan_bench_payments` on the configured server (created and migrated
on first use) and empties the payments and documents tables there at each run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scratch import prepare_database  # benchmarks/ is the script directory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from layers import engine_for  # noqa: E402
from services.engine import documents, payments  # noqa: E402
from services.engine.documents.formats import today_wib  # noqa: E402
from services.engine.payments import sandbox  # noqa: E402

BENCH_DB = "medan_bench_payments"
CALLBACK_PATH = "/api/pembayaran/callback/sandbox"


def empty(engine) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE payments.sandbox_deliveries, payments.sandbox_charges, payments.callbacks, "
                          "payments.payments, payments.bills, documents.documents"))


def open_bills(engine, n: int, late: set[int]) -> list[payments.Bill]:  # noqa: ANN001
    bills = []
    for i in range(n):
        with engine.begin() as conn:
            bills.append(payments.open_bill(
                conn, service="pbb", case_ref=f"NOP-{i:06d}", amount=random.randint(50, 5_000) * 1_000,
                description=f"PBB 2026 objek {i:06d}", payer_ref=f"user:{i}", payer_name="Wajib Pajak Uji",
                expires_in=timedelta(minutes=1) if i in late else timedelta(days=30)))
    return bills


def pay_all(engine, bills: list[payments.Bill], late: set[int], twice: set[int]) -> None:  # noqa: ANN001
    for i, bill in enumerate(bills):
        at = bill.expires_at + timedelta(seconds=30) if i in late else None
        sandbox.pay(engine, bill.va_number, at=at, late=i in late, duplicates=1 if i in twice else 0,
                    channel="qris" if i % 3 == 0 else "bank_transfer")


def deliver_all(engine, app, workers: int) -> Counter:  # noqa: ANN001
    """Every queued callback through the endpoint; `now` an hour ahead so the late ones are due too."""
    statuses: Counter = Counter()

    def notifier() -> None:
        client = app.test_client()

        def send(url: str, body: bytes, headers: dict[str, str]) -> int:
            status = client.post(url, data=body, headers=headers).status_code
            statuses[status] += 1
            return status

        while sandbox.deliver_due(engine, send, CALLBACK_PATH, now=datetime.now(UTC) + timedelta(hours=1),
                                  limit=50).attempted:
            pass

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(notifier) for _ in range(workers)]:
            future.result()
    return statuses


def check_ledger(engine, n: int, late: set[int], twice: set[int]) -> dict:  # noqa: ANN001
    with engine.connect() as conn:
        per_bill = conn.execute(text(
            "SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n <> 1) FROM (SELECT b.number, "
            "count(p.id) AS n FROM payments.bills b LEFT JOIN payments.payments p ON p.bill_number = b.number "
            "AND p.disposition = 'applied' GROUP BY b.number) t")).one()
        paid, paid_late = conn.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'paid'), count(*) FILTER (WHERE paid_late) FROM payments.bills")
        ).one()
        duplicates = conn.execute(text("SELECT count(*) FROM payments.callbacks WHERE outcome LIKE '%(duplicate)'")
                                  ).scalar_one()
        receipts = conn.execute(text("SELECT count(*) FROM documents.documents WHERE kind = 'receipt'")).scalar_one()
    checks = {"bills paid exactly once": (per_bill[0], n), "bills paid not once": (per_bill[1], 0),
              "bills paid": (paid, n), "paid late": (paid_late, len(late)),
              "duplicate callbacks answered as duplicates": (duplicates, len(twice)), "receipts issued": (receipts, n)}
    return checks


def bench_payments(engine, app, n: int, workers: int) -> bool:  # noqa: ANN001
    rng = random.Random(18)
    indices = list(range(n))
    late = set(rng.sample(indices, n * 5 // 100))
    twice = set(rng.sample(indices, n * 10 // 100))
    empty(engine)
    start = datetime.now(UTC)
    t0 = time.perf_counter()
    bills = open_bills(engine, n, late)
    t1 = time.perf_counter()
    pay_all(engine, bills, late, twice)
    t2 = time.perf_counter()
    statuses = deliver_all(engine, app, workers)
    t3 = time.perf_counter()
    callbacks = sum(statuses.values())
    print(f"bills opened            {n:6d} in {t1 - t0:6.2f} s  {n / (t1 - t0):7.1f} bills/s")
    print(f"paid at the sandbox     {n:6d} in {t2 - t1:6.2f} s  {n / (t2 - t1):7.1f} payments/s "
          f"({len(twice)} notified twice, {len(late)} settled after expiry)")
    print(f"callbacks delivered     {callbacks:6d} in {t3 - t2:6.2f} s  {callbacks / (t3 - t2):7.1f} callbacks/s, "
          f"{n / (t3 - t2):7.1f} payments/s ({workers} notifiers; answers {dict(statuses)})")
    # The day(s) (WIB) the payments settled on: now, and the late ones a minute and a half later.
    days = sorted({today_wib(t) for t in (start, datetime.now(UTC) + timedelta(minutes=2))})
    ok = all(got == want for got, want in check_ledger(engine, n, late, twice).values())
    for name, (got, want) in check_ledger(engine, n, late, twice).items():
        print(f"  {name:45s} {got:6d} (expected {want})")
    t4 = time.perf_counter()
    settled = recorded = matched = 0
    mismatches: list = []
    for day in days:
        result = payments.reconcile(engine, provider="sandbox", day=day)
        settled, recorded, matched = settled + result.settled, recorded + result.recorded, matched + result.matched
        mismatches += result.mismatches + [("paid twice", b) for b in result.bills_paid_twice]
    t5 = time.perf_counter()
    print(f"reconciliation ({', '.join(map(str, days))}): settled at the gateway {settled}, in the ledger {recorded}, "
          f"matched {matched}, mismatches {len(mismatches)} ({t5 - t4:.2f} s)")
    return ok and settled == recorded == matched == n and not mismatches


def bench_documents(engine, n: int) -> None:  # noqa: ANN001
    t0 = time.perf_counter()
    codes = []
    with engine.begin() as conn:
        for i in range(n):
            codes.append(documents.issue(
                conn, service="pbb", case_ref=f"NOP-{i:06d}", kind="sppt", title={"id": "SPPT PBB 2026",
                "en": "Land and building tax bill 2026"}, holder_name="Wajib Pajak Uji", holder_ref=f"user:{i}",
                fields={"NOP": f"12.71.010.001.{i:04d}.0", "Luas bumi": "120 m²", "Luas bangunan": "90 m²",
                        "PBB terutang": "Rp 245.000", "Jatuh tempo": "31 Agustus 2026"}).code)
    t1 = time.perf_counter()
    size = 0
    for code in codes:
        size += len(documents.pdf_bytes(engine, code, public_url="https://webgis.pemkomedan.go.id"))
    t2 = time.perf_counter()
    print(f"documents issued        {n:6d} in {t1 - t0:6.2f} s  {n / (t1 - t0):7.1f} documents/s (one transaction)")
    print(f"PDFs rendered with QR   {n:6d} in {t2 - t1:6.2f} s  {n / (t2 - t1):7.1f} PDFs/s "
          f"(one process; {size / n / 1024:.1f} KiB each; 10,000 SPPT ~ {10_000 / (n / (t2 - t1)) / 60:.1f} min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="sandbox notifier threads")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = prepare_database(args.database_url, BENCH_DB, ["kota"], "kota")
    engine = engine_for(url)
    from config.settings import Settings
    from webgis.app import create_app

    app = create_app(Settings(database_url=url))
    ok = bench_payments(engine, app, args.payments, args.workers)
    bench_documents(engine, args.documents)
    print("every payment exactly once:", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
