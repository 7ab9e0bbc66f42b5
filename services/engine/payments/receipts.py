"""The receipt (kwitansi) of a paid bill: a document anyone can verify at /verifikasi/<code>."""

from __future__ import annotations

from sqlalchemy import Connection

from services.engine.documents import issue
from services.engine.documents.formats import rupiah, wib
from services.engine.payments.model import Bill

RECEIPT_TITLE = {"id": "Tanda Bukti Pembayaran", "en": "Payment receipt"}
CHANNEL_NAMES = {"bank_transfer": "Virtual account", "qris": "QRIS"}


def issue_receipt(conn: Connection, paid: Bill, *, transaction_id: str, channel: str) -> str:
    """Issue the receipt of a bill just paid (in the transaction that paid it); returns its code."""
    assert paid.paid_at is not None
    fields = {
        "Nomor tagihan": paid.number,
        "Uraian": paid.description,
        "Jumlah": rupiah(paid.amount),
        "Dibayar": wib(paid.paid_at) + (" (setelah jatuh tempo)" if paid.paid_late else ""),
        "Saluran": CHANNEL_NAMES.get(channel, channel or "-"),
        "Nomor VA": paid.va_number,
        "ID transaksi": transaction_id,
    }
    document = issue(conn, service=paid.service, case_ref=paid.case_ref, kind="receipt", title=RECEIPT_TITLE,
                     holder_name=paid.payer_name or "Wajib bayar", holder_ref=paid.payer_ref, fields=fields,
                     public_fields=("Nomor tagihan", "Jumlah", "Dibayar"))
    return document.code
