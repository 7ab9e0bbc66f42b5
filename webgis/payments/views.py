"""The payer's pages: the bill (/tagihan/<number>) and the sandbox gateway's pay page (/sandbox/bayar).

The bill page is reached by its number alone (a payer of a PBB bill need not log in), so it shows
no personal data: what is owed, how to pay (virtual account, QRIS), and once paid the receipt's
public verification link; the receipt's PDF link is shown to whoever may have it.
"""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    request,
    url_for,
)

from config.settings import Settings
from layers.access import can_read_issued_document
from services.engine import documents, payments
from services.engine.documents.formats import rupiah, wib
from services.engine.payments import sandbox
from webgis.accounts.principal import principal_from_request
from webgis.citizen.common import link_lang, page
from webgis.payments.strings import UI

blueprint = Blueprint("payments", __name__)
# What the sandbox's refusals say on its page, in the payer's language.
REFUSALS = {"unknown": "sandbox_unknown", "already_paid": "sandbox_already_paid", "closed": "sandbox_closed",
            "expired": "sandbox_expired", "channel": "sandbox_channel_refused"}


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


def _status_key(bill: payments.Bill) -> str:
    return "status_paid_late" if bill.status == "paid" and bill.paid_late else f"status_{bill.status}"


@blueprint.get("/tagihan/<number>")
def bill_page(number: str) -> Response:
    bill = payments.find_bill(_engine(), number)
    if bill is None:
        return _page("payments/bill.html", status=404, bill=None)
    receipt = documents.find(_engine(), bill.receipt_code) if bill.receipt_code else None
    may_download = receipt is not None and can_read_issued_document(principal_from_request(), receipt.holder_ref)
    qris = segno.make(bill.qris_payload, error="m").svg_data_uri(scale=4) if bill.status == "open" else None
    return _page("payments/bill.html", bill=bill, status_key=_status_key(bill), amount=rupiah(bill.amount),
                 expires=wib(bill.expires_at), paid_at=wib(bill.paid_at) if bill.paid_at else None, qris=qris,
                 receipt=receipt, may_download=may_download, sandbox_pages=_sandbox_on())


def _sandbox_on() -> bool:
    settings: Settings = current_app.config["SETTINGS"]
    return settings.pay.sandbox_pages


@blueprint.get("/sandbox/bayar")
def sandbox_page() -> Response:
    if not _sandbox_on():
        abort(404)
    reference = request.args.get("va", "").strip()[:64]
    charge = sandbox.find_charge(_engine(), reference) if reference else None
    message = "sandbox_unknown" if reference and charge is None else None
    return _page("payments/sandbox.html", status=404 if message else 200, reference=reference, charge=charge,
                 amount=rupiah(charge["amount"]) if charge else None, message=message)


@blueprint.post("/sandbox/bayar")
def sandbox_pay() -> Response:
    if not _sandbox_on():
        abort(404)
    reference = request.form.get("va", "").strip()[:64]
    channel = request.form.get("channel", "bank_transfer")
    try:
        paid = sandbox.pay(_engine(), reference, channel=channel)
    except sandbox.SandboxRefusal as exc:
        message = REFUSALS.get(exc.reason, "sandbox_unknown")
        return _page("payments/sandbox.html", status=400, reference=reference, charge=None, amount=None,
                     message=message)
    url = sandbox.callback_url(url_for("payments_callback.callback", provider="sandbox", _external=True))
    sender = current_app.config.get("SANDBOX_CALLBACK_SENDER")
    if sender is not None:  # tests without a listening server: deliver now, in this request
        sandbox.deliver_due(_engine(), sender, url, charge_id=paid.charge_id)
    else:
        sandbox.notify_in_background(_engine(), paid.charge_id, url)
    return redirect(url_for("payments.bill_page", number=paid.order_id, lang=link_lang()), code=303)
