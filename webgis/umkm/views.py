"""/umkm: the small business marketplace (phone first, Bahasa Indonesia first, ?lang=en).

- `/umkm` search products by name (typo tolerant) and place (a map tap or "my location" with a
  radius, a kelurahan), `/api/umkm/produk` the same as GeoJSON;
- `/umkm/usaha/<case_ref>` a verified business, its products, its public WhatsApp/phone if the owner
  published one, and a form that writes to the seller through the notification outbox;
- `/umkm/saya` the owner's registrations, and their products once verified (publish, withdraw);
- `/umkm/rekap` businesses per kelurahan for Dinas Koperasi dan UKM (small counts hidden).
Registering is the engine's form (`/layanan/umkm`), verifying its desk (`/meja/umkm`). The logic is
services/umkm; a refusal answers its status with the reasons on the page, nothing changed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, redirect, request, send_file, url_for

from services.engine import cases, gazetteer
from services.engine.said import EngineError
from services.umkm import catalogue, counts, market
from webgis.accounts.principal import audit_event, current_user, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, lang, link_lang, map_credits, page
from webgis.security import rate_limit
from webgis.umkm.strings import UI

blueprint = Blueprint("umkm", __name__)
LAYERS = ("kelurahan", "umkm_public")


@blueprint.after_request
def _no_store(response: Response) -> Response:
    if request.endpoint != "umkm.photo":  # an owner's page or a form's answer, never from a shared cache
        response.headers["Cache-Control"] = "no-store"
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return page(template, status=status, extra_strings=UI, user=current_user(), categories=market.CATEGORIES,
                **context)


def _refused(exc: EngineError) -> tuple[str, list[str]]:
    return exc.in_language(lang())


def _places() -> list[gazetteer.Place]:
    return sorted(gazetteer.kelurahan_places(engine()), key=lambda p: (p.nama_kec, p.nama_kel))


def _as_geojson(products: list[dict[str, Any]]) -> dict[str, Any]:
    keep = ("kode_produk", "nama_produk", "harga", "case_ref", "nama_usaha", "kategori", "nama_kel", "jarak_m", "skor")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": p["kode_produk"], "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
         "properties": {k: p.get(k) for k in keep}} for p in products]}


@blueprint.get("/umkm")
def market_page() -> Response:
    try:
        asked = market.parse_search(engine(), request.args)
    except EngineError as exc:
        error, problems = _refused(exc)
        return _page("umkm/index.html", status=exc.status, asked=None, args=request.args, products=[],
                     places=_places(), error=error, problems=problems, geojson="{}", credits=map_credits(*LAYERS))
    products = market.search(engine(), asked)
    return _page("umkm/index.html", asked=asked, args=request.args, products=products, places=_places(),
                 error=None, problems=[], geojson=json.dumps(_as_geojson(products)), credits=map_credits(*LAYERS))


@blueprint.get("/api/umkm/produk")
def products_api() -> Response:
    """The search as GeoJSON (RFC 7946); a bad parameter answers 400 with the reasons."""
    products = market.search(engine(), market.parse_search(engine(), request.args))
    return Response(json.dumps(_as_geojson(products)), mimetype="application/geo+json")


def _business_page(case_ref: str, *, status: int = 200, problems: list[str] | None = None,
                   error: str | None = None, values: dict[str, str] | None = None) -> Response:
    found = market.business(engine(), case_ref)
    point = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": case_ref, "properties": {
        "nama_usaha": found["nama_usaha"]}, "geometry": {"type": "Point", "coordinates": [found["lon"], found["lat"]]}}]}
    return _page("umkm/business.html", status=status, b=found, geojson=json.dumps(point), error=error,
                 problems=problems or [], values=values or {}, sent=request.args.get("terkirim") == "1",
                 credits=map_credits(*LAYERS))


@blueprint.get("/umkm/usaha/<case_ref>")
def business_page(case_ref: str) -> Response:
    return _business_page(case_ref)


@blueprint.post("/umkm/usaha/<case_ref>/pesan")
@rate_limit("UMKM_CONTACT_RATE_LIMIT", "10 per minute")
def contact(case_ref: str) -> Response:
    form = {k: request.form.get(k, "") for k in ("nama", "kontak", "pesan", "produk")}
    try:
        outbox_id = market.contact_seller(engine(), case_ref, market.Message(**form),
                                          actor=principal_from_request().actor)
    except EngineError as exc:
        if exc.status != 400:
            raise
        error, problems = _refused(exc)
        return _business_page(case_ref, status=400, error=error, problems=problems, values=form)
    audit_event("umkm.message", case_ref=case_ref, outbox_id=outbox_id)  # who wrote to whom, not what
    return redirect(url_for("umkm.business_page", case_ref=case_ref, terkirim=1, lang=link_lang()) + "#pesan",
                    code=303)


@blueprint.get("/umkm/foto/<name>")
def photo(name: str) -> Response:
    """The web copy of a photo a verified business or its product shows (no EXIF, at most 1280 px)."""
    response = send_file(market.public_photo(engine(), name), mimetype="image/jpeg", max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _mine(*, status: int = 200, error: str | None = None, problems: list[str] | None = None,
          focus: str | None = None, values: dict[str, str] | None = None) -> Response:
    states = {state.id: state.title.get(lang()) for state in cases.service_spec("umkm").states}
    return _page("umkm/mine.html", status=status, businesses=catalogue.my_businesses(engine(), principal_from_request()),
                 states=states,
                 error=error, problems=problems or [], focus=focus, values=values or {},
                 done=request.args.get("selesai", ""))


@blueprint.get("/umkm/saya")
@login_page
def mine() -> Response:
    return _mine()


@blueprint.post("/umkm/saya/<case_ref>/produk")
@login_page
@rate_limit("UMKM_PRODUCT_RATE_LIMIT", "30 per minute")
def publish(case_ref: str) -> Response:
    upload = request.files.get("foto")
    values = {k: request.form.get(k, "") for k in ("nama_produk", "harga", "uraian")}
    product = catalogue.Product(foto=upload.read() if upload else b"", **values)
    try:
        code = catalogue.publish(engine(), principal_from_request(), case_ref, product)
    except EngineError as exc:
        if exc.status != 400:
            raise
        error, problems = _refused(exc)
        return _mine(status=400, error=error, problems=problems, focus=case_ref, values=values)
    audit_event("umkm.product_published", case_ref=case_ref, kode_produk=code)
    return redirect(url_for("umkm.mine", selesai="dimuat", lang=link_lang()), code=303)


@blueprint.post("/umkm/saya/<case_ref>/produk/<kode_produk>/tarik")
@login_page
def withdraw(case_ref: str, kode_produk: str) -> Response:
    catalogue.withdraw(engine(), principal_from_request(), case_ref, kode_produk)
    audit_event("umkm.product_withdrawn", case_ref=case_ref, kode_produk=kode_produk)
    return redirect(url_for("umkm.mine", selesai="ditarik", lang=link_lang()), code=303)


@blueprint.get("/umkm/rekap")
@login_page
def per_kelurahan() -> Response:
    """Businesses per kelurahan, for Dinas Koperasi dan UKM and admins (403 for anyone else)."""
    table = counts.per_kelurahan(engine(), principal_from_request())
    return _page("umkm/rekap.html", table=table)
