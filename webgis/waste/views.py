"""The waste fee pages (services/waste): a payer's months by customer number, and paying one.

Looked up by the customer number alone (as on a printed bill), so the payer's name is masked;
a logged-in citizen also sees the accounts of their login.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from services.engine.documents.formats import long_date, mask_name, rupiah, today_wib
from services.waste import billing
from webgis.accounts.principal import audit_event, principal_from_request
from webgis.citizen.common import engine, link_lang, page
from webgis.waste.strings import UI

blueprint = Blueprint("waste", __name__)
# A paid waste bill settles its month: the callback endpoint of this app must know it.
blueprint.record_once(lambda state: billing.register())
NUMBER = re.compile(r"^RS-\d{6}$")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


def _number(typed: str) -> str | None:
    compact = typed.strip().upper().replace(" ", "")
    compact = compact if compact.startswith("RS-") else "RS-" + compact.removeprefix("RS")
    return compact if NUMBER.match(compact) else None


@blueprint.get("/retribusi-sampah")
def lookup() -> Response:
    typed = request.args.get("nomor", "").strip()[:20]
    if typed:
        number = _number(typed)
        if number is None:
            return _page("waste/lookup.html", status=400, typed=typed, error="bad_number", mine=[])
        return redirect(url_for("waste.customer", nomor=number, lang=link_lang()), code=303)
    return _page("waste/lookup.html", typed="", error=None,
                 mine=billing.own_customers(engine(), principal_from_request()))


@blueprint.get("/retribusi-sampah/<nomor>")
def customer(nomor: str) -> Response:
    number = _number(nomor)
    if number is None:
        return _page("waste/lookup.html", status=400, typed=nomor, error="bad_number", mine=[])
    try:
        months = billing.fees(engine(), number)
    except billing.FeeNotFound:
        return _page("waste/lookup.html", status=404, typed=nomor, error="no_fee", mine=[])
    today = today_wib()
    rows = [{"periode": f.periode, "kelas": f.kelas, "amount": rupiah(f.jumlah), "due": long_date(f.jatuh_tempo),
             "state": "paid" if f.lunas else ("overdue" if f.overdue(today) else "unpaid"), "paid_bill": f.paid_bill}
            for f in months]
    return _page("waste/customer.html", nomor=number, owner=mask_name(months[0].nama) if months[0].nama else "—",
                 tps=months[0].kode_tps, rows=rows, error=request.args.get("error"))


@blueprint.post("/retribusi-sampah/<nomor>/<periode>/bayar")
def pay(nomor: str, periode: str) -> Response:
    number = _number(nomor)
    if number is None:
        return _page("waste/lookup.html", status=400, typed=nomor, error="bad_number", mine=[])
    principal = principal_from_request()
    try:
        bill = billing.start_payment(engine(), number, periode,
                                     payer_ref=f"user:{principal.user_id}" if principal.user_id is not None else "")
    except billing.AlreadyPaid:
        return redirect(url_for("waste.customer", nomor=number, error="already_paid", lang=link_lang()), code=303)
    except billing.FeeNotFound:
        return _page("waste/lookup.html", status=404, typed=nomor, error="no_fee", mine=[])
    except billing.WasteFeeError:
        return _page("waste/lookup.html", status=400, typed=nomor, error="bad_period", mine=[])
    audit_event("bill.opened", service=bill.service, case_ref=bill.case_ref, bill=bill.number)
    return redirect(url_for("payments.bill_page", number=bill.number, lang=link_lang()), code=303)


@blueprint.get("/api/retribusi-sampah/<nomor>")
def customer_api(nomor: str) -> Response:
    """A payer's months as JSON (the name masked)."""
    number = _number(nomor)
    if number is None:
        raise billing.WasteFeeError("nomor pelanggan ditulis RS- diikuti 6 angka, misalnya RS-000123")
    months = billing.fees(engine(), number)
    today = today_wib()
    return jsonify({"nomor_pelanggan": number, "tps": months[0].kode_tps, "bulan": [
        {"periode": f.periode, "kelas": f.kelas, "jumlah": f.jumlah, "jatuh_tempo": f.jatuh_tempo.isoformat(),
         "lunas": f.lunas, "terlambat": f.overdue(today)} for f in months]})
