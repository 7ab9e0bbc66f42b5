"""The PBB-P2 pages (services/pbb): a parcel's bills by NOP, paying one, collection per kelurahan.

A bill is looked up by its NOP alone, as on an SPPT (paying a neighbour's tax is allowed, as at a
bank counter), so the page shows the taxpayer's name masked; a logged-in citizen also sees the
parcels of their account. Collection per kelurahan is public: it is public money.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from services.engine.documents.formats import long_date, rupiah
from services.pbb import billing
from webgis.accounts.principal import audit_event, principal_from_request
from webgis.citizen.common import engine, link_lang, map_credits, page
from webgis.pbb.strings import UI

blueprint = Blueprint("pbb", __name__)
# A paid PBB bill settles its SPPT: the callback endpoint of this app must know it.
blueprint.record_once(lambda state: billing.register())
KELURAHAN = "kelurahan"


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status, extra_strings=UI, **context)


def _row(sppt: billing.Sppt) -> dict[str, Any]:
    return {"tahun": sppt.tahun, "assessed": rupiah(sppt.pbb_terutang), "due": long_date(sppt.jatuh_tempo),
            "interest": rupiah(sppt.bunga) if sppt.bunga else "—", "to_pay": rupiah(sppt.harus_dibayar),
            "state": "paid" if sppt.lunas else ("arrears" if sppt.tunggakan else "unpaid"),
            "sppt_code": sppt.document_code, "paid_bill": sppt.paid_bill}


@blueprint.get("/pbb")
def lookup() -> Response:
    typed = request.args.get("nop", "").strip()[:40]
    if typed:
        try:
            return redirect(url_for("pbb.parcel", nop=billing.normalise_nop(typed), lang=link_lang()), code=303)
        except billing.PbbError:
            return _page("pbb/lookup.html", status=400, typed=typed, error="bad_nop", parcels=[])
    return _page("pbb/lookup.html", typed="", error=None,
                 parcels=billing.own_parcels(engine(), principal_from_request()))


@blueprint.get("/pbb/nop/<nop>")
def parcel(nop: str) -> Response:
    try:
        found = billing.sppts(engine(), nop)
    except billing.SpptNotFound:
        return _page("pbb/lookup.html", status=404, typed=nop, error="no_sppt", parcels=[])
    except billing.PbbError:
        return _page("pbb/lookup.html", status=400, typed=nop, error="bad_nop", parcels=[])
    return _page("pbb/parcel.html", nop=found[0].nop, owner=billing.masked_owner(found[0]),
                 rows=[_row(s) for s in found], error=request.args.get("error"))


@blueprint.post("/pbb/nop/<nop>/<int:tahun>/bayar")
def pay(nop: str, tahun: int) -> Response:
    principal = principal_from_request()
    try:
        bill = billing.start_payment(engine(), nop, tahun, payer_ref=f"user:{principal.user_id}"
                                     if principal.user_id is not None else "")
    except billing.AlreadyPaid:
        return redirect(url_for("pbb.parcel", nop=billing.normalise_nop(nop), error="already_paid",
                                lang=link_lang()), code=303)
    except billing.SpptNotFound:
        return _page("pbb/lookup.html", status=404, typed=nop, error="no_sppt", parcels=[])
    except billing.PbbError:
        return _page("pbb/lookup.html", status=400, typed=nop, error="bad_nop", parcels=[])
    audit_event("bill.opened", service=bill.service, case_ref=bill.case_ref, bill=bill.number)
    return redirect(url_for("payments.bill_page", number=bill.number, lang=link_lang()), code=303)


@blueprint.get("/api/pbb/sppt/<nop>")
def sppt_api(nop: str) -> Response:
    """A parcel's SPPTs as JSON (the taxpayer masked), what each costs today."""
    found = billing.sppts(engine(), nop)  # PbbError / SpptNotFound answer 400 / 404 as JSON
    return jsonify({"nop": found[0].nop, "nama_tersamar": billing.masked_owner(found[0]), "sppt": [
        {"tahun": s.tahun, "pbb_terutang": s.pbb_terutang, "jatuh_tempo": s.jatuh_tempo.isoformat(),
         "bunga": s.bunga, "harus_dibayar": s.harus_dibayar, "lunas": s.lunas, "tunggakan": s.tunggakan,
         "dokumen": s.document_code} for s in found]})


def _year() -> int:
    raw = request.args.get("tahun", "")
    if raw:
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            raise billing.PbbError("tahun: a year between 2000 and 2100")
        return int(raw)
    return billing.pbb_tariff().year


@blueprint.get("/pbb/realisasi")
def collection_page() -> Response:
    year = _year()
    result = billing.collection(engine(), year)
    return _page("pbb/collection.html", year=year, city_rate=result.persen_kota,
                 rows=result.per_kelurahan.to_dict("records"), credits=map_credits(KELURAHAN))


@blueprint.get("/api/pbb/realisasi")
def collection_api() -> Response:
    """Collection per kelurahan for `tahun` as GeoJSON (the kelurahan outlines with the figures)."""
    year = _year()
    result = billing.collection(engine(), year)
    return jsonify(billing.collection_geojson(engine(), result))

