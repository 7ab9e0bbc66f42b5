"""/perpustakaan: the city library for citizens (phone first, Bahasa Indonesia first, ?lang=en) and
its branches' pickup desks.

    GET  /perpustakaan                         branches and mobile-library stops on a map, the search box
    GET  /perpustakaan/katalog?q=&subjek=      the catalogue search (typo tolerant)
    GET  /perpustakaan/judul/<kode_judul>      a title, its copies per branch, the reservation form
    POST /perpustakaan/judul/<kode_judul>/pesan    reserve (member; 303 to /perpustakaan/saya)
    GET|POST /perpustakaan/anggota             become a member (logged-in citizen)
    GET  /perpustakaan/saya                    one's card and reservations; POST .../pesanan/<kode>/batal cancels
    GET  /perpustakaan/meja/<kode_cabang>      a branch's pickup queue (its staff, the agency's, admins)
    POST /perpustakaan/meja/<kode_cabang>/<kode_pesan>/terima|serahkan   receive a transfer, hand over
    GET  /api/perpustakaan, /api/perpustakaan/katalog?q=   the map's GeoJSON and the search as JSON
Thin: the logic is services/library. A refusal answers its 4xx with the page again and the reason
(Bahasa Indonesia); nothing is changed.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from services.library import catalogue, members, network, reservations
from webgis.accounts.principal import audit_event, current_user, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, lang, link_lang, map_credits, page
from webgis.errors import Refusal, answer_errors_with
from webgis.perpustakaan.strings import UI

blueprint = Blueprint("perpustakaan", __name__)
LAYERS = ("kelurahan", "library_branches", "library_mobile_stops")


@blueprint.after_request
def _no_store(response: Response) -> Response:
    if request.path.startswith(("/perpustakaan/saya", "/perpustakaan/anggota", "/perpustakaan/meja")):
        response.headers["Cache-Control"] = "no-store"  # a member's data, never from a shared cache
    return response


def _page(template: str, status: int = 200, **context: object) -> Response:
    return page(f"perpustakaan/{template}", status=status, extra_strings=UI, user=current_user(), **context)


def _branches() -> dict[str, str]:
    return network.branch_names(engine(), principal_from_request())


def _search_args() -> dict:
    return {"text": request.args.get("q", ""), "subject": request.args.get("subjek") or None}


@blueprint.get("/perpustakaan")
def library_page() -> Response:
    principal = principal_from_request()
    branches = network.branches(engine(), principal, lang=lang())
    stops = network.mobile_stops(engine(), principal, lang=lang())
    return _page("index.html", branches=branches, stops=stops, subjects=catalogue.subjects(engine()),
                 geojson=json.dumps(network.as_geojson(branches, stops)), credits=map_credits(*LAYERS))


@blueprint.get("/perpustakaan/katalog")
def catalogue_page() -> Response:
    args = _search_args()
    found = catalogue.search(engine(), **args)
    return _page("catalogue.html", found=found, q=args["text"], subject=args["subject"] or "",
                 subjects=catalogue.subjects(engine()))


def _title_page(kode_judul: str, status: int = 200, error: str | None = None) -> Response:
    principal = principal_from_request()
    branches = _branches()
    return _page("title.html", status=status, title=catalogue.title(engine(), kode_judul, branches), branches=branches,
                 membership=members.own_membership(engine(), principal), error=error)


@blueprint.get("/perpustakaan/judul/<kode_judul>")
def title_page(kode_judul: str) -> Response:
    return _title_page(kode_judul)


@blueprint.post("/perpustakaan/judul/<kode_judul>/pesan")
@login_page
def reserve(kode_judul: str) -> Response:
    booked = reservations.reserve(engine(), principal_from_request(), kode_judul, request.form.get("cabang", ""),
                                  _branches())
    audit_event("library.reserved", kode_pesan=booked["kode_pesan"], kode_judul=kode_judul)
    return redirect(url_for("perpustakaan.mine", baru=booked["kode_pesan"], lang=link_lang()), code=303)


def _membership_page(status: int = 200, error: str | None = None, values: dict | None = None) -> Response:
    return _page("membership.html", status=status, membership=members.own_membership(engine(), principal_from_request()),
                 branches=_branches(), values=values or {}, error=error, next_url=request.values.get("next", ""))


@blueprint.get("/perpustakaan/anggota")
@login_page
def membership() -> Response:
    return _membership_page()


@blueprint.post("/perpustakaan/anggota")
@login_page
def join() -> Response:
    form = request.form
    application = members.Application(nama=form.get("nama", ""), email=form.get("email", ""),
                                      telepon=form.get("telepon", ""), cabang_asal=form.get("cabang_asal", ""))
    joined = members.join(engine(), principal_from_request(), application, set(_branches()))
    audit_event("library.joined", nomor_anggota=joined["nomor_anggota"])
    back = form.get("next", "")
    if back.startswith("/perpustakaan/judul/"):  # back to the title the citizen wanted (a path of this site only)
        return redirect(back, code=303)
    return redirect(url_for("perpustakaan.mine", lang=link_lang()), code=303)


@blueprint.get("/perpustakaan/saya")
@login_page
def mine(error: str | None = None, status: int = 200) -> Response:
    principal = principal_from_request()
    return _page("mine.html", status=status, membership=members.own_membership(engine(), principal),
                 found=reservations.mine(engine(), principal), fresh=request.args.get("baru", ""), error=error,
                 branch_names=_branches())


@blueprint.post("/perpustakaan/pesanan/<kode_pesan>/batal")
@login_page
def cancel(kode_pesan: str) -> Response:
    reservations.cancel(engine(), principal_from_request(), kode_pesan)
    audit_event("library.cancelled", kode_pesan=kode_pesan)
    return redirect(url_for("perpustakaan.mine", lang=link_lang()), code=303)


@blueprint.get("/perpustakaan/meja/<kode_cabang>")
@login_page
def desk(kode_cabang: str, error: str | None = None, status: int = 200) -> Response:
    branches = _branches()
    queue = reservations.pickup_queue(engine(), principal_from_request(), kode_cabang, branches)
    return _page("desk.html", status=status, queue=queue, kode_cabang=kode_cabang, branch_name=branches[kode_cabang],
                 error=error)


@blueprint.post("/perpustakaan/meja/<kode_cabang>/<kode_pesan>/terima")
@login_page
def receive(kode_cabang: str, kode_pesan: str) -> Response:
    reservations.receive(engine(), principal_from_request(), kode_pesan, _branches())
    audit_event("library.received", kode_pesan=kode_pesan, kode_cabang=kode_cabang)
    return redirect(url_for("perpustakaan.desk", kode_cabang=kode_cabang, lang=link_lang()), code=303)


@blueprint.post("/perpustakaan/meja/<kode_cabang>/<kode_pesan>/serahkan")
@login_page
def hand_over(kode_cabang: str, kode_pesan: str) -> Response:
    reservations.hand_over(engine(), principal_from_request(), kode_pesan, request.form.get("nomor_anggota", ""))
    audit_event("library.handed_over", kode_pesan=kode_pesan, kode_cabang=kode_cabang)
    return redirect(url_for("perpustakaan.desk", kode_cabang=kode_cabang, lang=link_lang()), code=303)


@blueprint.get("/api/perpustakaan")
def map_api() -> Response:
    """Branches and mobile-library stops, one GeoJSON FeatureCollection (public layers)."""
    principal = principal_from_request()
    return jsonify(network.as_geojson(network.branches(engine(), principal, lang=lang()),
                                      network.mobile_stops(engine(), principal, lang=lang())))


@blueprint.get("/api/perpustakaan/katalog")
def catalogue_api() -> Response:
    """Titles matching `q` (and `subjek`), best first, with copies free; 400 for a query that cannot be searched."""
    return jsonify({"judul": catalogue.search(engine(), **_search_args())})


def _page_again(refusal: Refusal) -> Response | None:
    """A refused page or form: the page again with the reason and the refusal's status; JSON for the API."""
    if request.path.startswith("/api/") or refusal.status in (401, 405) or refusal.status >= 500:
        return None
    endpoint, view_args = request.endpoint or "", request.view_args or {}
    reason = refusal.description
    try:
        if endpoint == "perpustakaan.reserve" and refusal.status != 404:
            return _title_page(view_args["kode_judul"], refusal.status, reason)
        if endpoint == "perpustakaan.join":
            values = {k: request.form.get(k, "") for k in ("nama", "email", "telepon", "cabang_asal")}
            return _membership_page(refusal.status, reason, values)
        if endpoint == "perpustakaan.cancel":
            return mine(error=reason, status=refusal.status)
        if endpoint in ("perpustakaan.receive", "perpustakaan.hand_over") and refusal.status != 403:
            return desk(view_args["kode_cabang"], error=reason, status=refusal.status)
    except Exception:  # noqa: BLE001 - the page itself refused (its own 403/404): the plain error page below
        pass
    return _page("error.html", status=refusal.status, error=reason)


answer_errors_with(blueprint, _page_again)
