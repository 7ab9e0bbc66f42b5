"""/dasbor: the regional performance indicators for the mayor's office and Bappeda.

The page and its JSON read the summary (services/indicators/dashboard.py); who may see them is
declared in services/indicators/dashboard.yaml and decided by layers.access.in_audience: planners,
staff of BAPPEDA or SETDA, admins. Every figure links to its provenance (`.../asal`).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from services.indicators import dashboard
from webgis.accounts.principal import deny, principal_from_request
from webgis.accounts.views import login_page
from webgis.citizen.common import engine, map_credits, page
from webgis.dasbor.strings import UI

blueprint = Blueprint("dasbor", __name__)


def _check() -> None:
    if not dashboard.may_view(principal_from_request()):
        raise deny("the indicators dashboard is for planners, staff of BAPPEDA or SETDA, and admins")


@blueprint.get("/dasbor")
@login_page
def dashboard_page() -> Response:
    _check()
    with engine().connect() as conn:
        cards = dashboard.overview(conn)
    return page("dasbor/index.html", extra_strings=UI, cards=cards, credits=map_credits("kecamatan"))


@blueprint.get("/api/dasbor/indikator")
def overview_api() -> Response:
    """Every indicator with its latest city figure and when it was computed."""
    _check()
    with engine().connect() as conn:
        return jsonify({"indicators": dashboard.overview(conn)})


@blueprint.get("/api/dasbor/indikator/<indicator_id>")
def series_api(indicator_id: str) -> Response:
    """Monthly figures of the city, or of `?kecamatan=12.71.NN`, or of `?skpd=CODE`."""
    _check()
    kec, agency = dashboard.parse_kecamatan(request.args.get("kecamatan")), dashboard.parse_agency(request.args.get("skpd"))
    with engine().connect() as conn:
        return jsonify(dashboard.series(conn, indicator_id, kode_kec=kec, agency=agency))


@blueprint.get("/api/dasbor/indikator/<indicator_id>/peta")
def map_api(indicator_id: str) -> Response:
    """The kecamatan with the figure of `?bulan=YYYY-MM` (the latest month when absent), GeoJSON."""
    _check()
    month = dashboard.parse_month(request.args.get("bulan"))
    with engine().connect() as conn:
        return jsonify(dashboard.choropleth(conn, indicator_id, month))


@blueprint.get("/api/dasbor/indikator/<indicator_id>/skpd")
def agencies_api(indicator_id: str) -> Response:
    """The city figure per agency (SKPD) of one month, for indicators declared by_agency."""
    _check()
    month = dashboard.parse_month(request.args.get("bulan"))
    with engine().connect() as conn:
        return jsonify(dashboard.agencies(conn, indicator_id, month))


@blueprint.get("/api/dasbor/indikator/<indicator_id>/asal")
def provenance_api(indicator_id: str) -> Response:
    """How one figure was computed: words, function, SQL, period and the count behind it."""
    _check()
    args = request.args
    kec, agency = dashboard.parse_kecamatan(args.get("kecamatan")), dashboard.parse_agency(args.get("skpd"))
    month = dashboard.parse_month(args.get("bulan"))
    with engine().connect() as conn:
        return jsonify(dashboard.provenance(conn, indicator_id, kode_kec=kec, agency=agency, month=month))
