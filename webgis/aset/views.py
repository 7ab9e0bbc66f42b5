"""SIMBADA's pages (services/assets): the public register and map (/aset, its JSON /api/aset), one
asset's card (/aset/<kode_aset>: depreciation year by year, transfers, conditions; BPKAD's staff move
it to another agency there), and the staff's inventory visit (/aset/inventarisasi: their agency's
assets on a map, condition and photo at the spot).

Thin: the register, the card and the visit are services/assets functions; this module parses the
request and renders. Who may visit which asset is layers/access.py's (through services/assets/inventory).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from services.assets import inventory, register_views, transfer
from services.assets.rules import AGENCIES, CONDITIONS, KIB_CLASSES
from services.errors import ServiceError
from webgis.accounts.principal import audit_event, current_user, deny, principal_from_request
from webgis.accounts.views import login_page
from webgis.aset.strings import UI
from webgis.citizen.common import engine, lang, page
from webgis.layanan.common import read_files

blueprint = Blueprint("aset", __name__)
STAFF_ROLES = ("staff",)


def _filters() -> dict[str, str | None]:
    return {"kib": request.args.get("kib") or None, "agency": request.args.get("opd") or None,
            "condition": request.args.get("kondisi") or None}


@blueprint.get("/aset")
def register_page() -> Response:
    filters = _filters()
    try:
        register = register_views.public_register(engine(), **filters)
        status, error = 200, None
    except register_views.BadFilter:
        register, status, error = {"features": [], "totals": {"jumlah": 0, "nilai_perolehan": 0, "nilai_buku": 0}}, \
            400, "bad_filter"
    return page("aset/register.html", status, extra_strings=UI, register=register, filters=filters, error=error,
                kib_classes=KIB_CLASSES, agencies=sorted(AGENCIES), conditions=CONDITIONS,
                kib_lang=1 if lang() == "en" else 0)


@blueprint.get("/api/aset")
def register_api() -> Response:
    """The public register as GeoJSON (filters: kib, opd, kondisi), with totals."""
    return jsonify(register_views.public_register(engine(), **_filters()))


@blueprint.get("/aset/<kode_aset>")
def asset_page(kode_aset: str, status: int = 200, error: str | None = None) -> Response:
    card = register_views.asset_card(engine(), kode_aset)
    may_transfer = transfer.may_transfer(principal_from_request())
    return page("aset/asset.html", status, extra_strings=UI, card=card, a=card["asset"],
                kib_lang=1 if lang() == "en" else 0, may_transfer=may_transfer, error=error,
                message=request.args.get("pesan"), agencies=sorted(AGENCIES - {card["asset"]["agency"]}))


@blueprint.post("/aset/<kode_aset>/mutasi")
@login_page
def transfer_asset(kode_aset: str) -> Response:
    """BPKAD moves an asset to another agency under a decree; the history keeps every transfer."""
    form = request.form
    try:
        version = transfer.transfer_asset(engine(), principal_from_request(), kode_aset=kode_aset,
                                          to_agency=form.get("to_agency", ""), decree=form.get("decree", ""))
    except ServiceError as exc:  # refused (403), unknown code (404), already there (409), bad form (422)
        if exc.status == 404:
            raise
        return asset_page(kode_aset, status=exc.status, error=str(exc))
    audit_event("asset.transfer", kode_aset=kode_aset, to_agency=form.get("to_agency"), version=version)
    return redirect(url_for("aset.asset_page", kode_aset=kode_aset,
                            pesan=f"Aset dialihkan ke {form.get('to_agency')}"), code=303)


@blueprint.get("/api/aset/<kode_aset>")
def asset_api(kode_aset: str) -> Response:
    return jsonify(register_views.asset_card(engine(), kode_aset))


def _staff_only() -> None:
    if not principal_from_request().has_any(STAFF_ROLES):
        raise deny("inventory visits are for staff of the agencies (SKPD)")


def _inventory_page(status: int = 200, **context: Any) -> tuple[str, int]:
    principal = principal_from_request()
    mine = register_views.staff_assets(engine(), principal)
    return render_template("aset/inventory.html", user=current_user(), assets=mine, conditions=CONDITIONS,
                           **context), status


@blueprint.get("/aset/inventarisasi")
@login_page
def inventory_page() -> tuple[str, int]:
    _staff_only()
    return _inventory_page(message=request.args.get("pesan"))


@blueprint.post("/aset/inventarisasi")
@login_page
def record_visit() -> Response | tuple[str, int]:
    _staff_only()
    form = request.form
    try:
        visit = inventory.record_visit(engine(), principal_from_request(), kode_aset=form.get("kode_aset", ""),
                                       kondisi=form.get("kondisi"), lon=form.get("lon"), lat=form.get("lat"),
                                       photo=read_files(["photo"]).get("photo"), note=form.get("note"))
    except (inventory.VisitRejected, inventory.NotYourAsset) as exc:
        return _inventory_page(status=exc.status, error=str(exc), chosen=form.get("kode_aset", ""))
    except ServiceError as exc:  # an unknown code
        return _inventory_page(status=exc.status, error=str(exc), chosen="")
    audit_event("asset.visit", kode_aset=visit.kode_aset, visit=visit.id, kondisi=visit.kondisi)
    return redirect(url_for("aset.inventory_page", pesan=f"Kunjungan {visit.kode_aset} dicatat: {visit.kondisi}"),
                    code=303)
