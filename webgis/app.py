"""The Flask application factory. Nothing is created at import time."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from config.settings import Settings, get_settings
from layers.checks import verify_database
from layers.db import engine_for
from webgis import accounts
from webgis.accounts.principal import audit_csrf_refusal, rate_limit_identity
from webgis.cors import init_cors
from webgis.errors import register_error_handlers
from webgis.metrics import init_metrics
from webgis.readroute import init_read_routing
from webgis.representation import init_representation_headers
from webgis.security import init_security


def create_app(settings: Settings | None = None, *, verify_schema: bool = True, **overrides: Any) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.web.max_upload_mb * 1024 * 1024,
        JSON_SORT_KEYS=False,
        **overrides,
    )
    app.extensions["engine"] = engine_for(settings.effective_database_url,
                                          transaction_pooled=settings.db.pool_mode == "transaction")
    if verify_schema:
        verify_database(app.extensions["engine"])
    register_error_handlers(app)
    init_security(app, on_csrf_refused=audit_csrf_refusal, rate_limit_identity=rate_limit_identity)
    init_cors(app)
    init_representation_headers(app)
    _register_blueprints(app)
    _install_payment_handler()
    accounts.register(app)
    init_read_routing(app)
    _install_tile_lane(app)
    if settings.web.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.web.proxy_hops)  # type: ignore[method-assign]
    app.after_request(_no_content_type_without_content)
    init_metrics(app)  # last: its WSGI layer must be the outermost, to count the tile lane's answers too
    return app


def _no_content_type_without_content(response: Response) -> Response:
    """A 204, a 304 or a bodiless 201 carries no content, so no Content-Type: Flask's default
    `text/html` made clients (and the OGC API's HTML negotiation) believe a page came back."""
    bodiless_201 = response.status_code == 201 and not response.is_streamed and not response.get_data()
    if response.status_code in (204, 304) or bodiless_201:
        response.headers.pop("Content-Type", None)
    return response


def _register_blueprints(app: Flask) -> None:
    from webgis import health
    from webgis.agenda import views as agenda
    from webgis.angkot import views as angkot
    from webgis.arsip import views as arsip
    from webgis.aset import views as aset
    from webgis.berkendara import views as berkendara
    from webgis.cetak import views as cetak
    from webgis.citizen import complaints, ppdb  # noqa: F401  (their routes go on citizen.views.blueprint)
    from webgis.citizen import views as citizen
    from webgis.dasbor import views as dasbor
    from webgis.disdukcapil import views as disdukcapil
    from webgis.layanan import api as layanan_api
    from webgis.layanan import desk as layanan_desk
    from webgis.layanan import views as layanan
    from webgis.ogcapi import views as ogcapi
    from webgis.ogcapi import writes  # noqa: F401  (Part 4 routes go on ogcapi.views.blueprint)
    from webgis.open311 import views as open311
    from webgis.operator import views as operator
    from webgis.pages import views as pages
    from webgis.payments import callback as payments_callback
    from webgis.payments import views as payments
    from webgis.pbb import views as pbb
    from webgis.perpustakaan import views as perpustakaan
    from webgis.ppdb import views as ppdb_online
    from webgis.proyek import views as proyek
    from webgis.pwa import views as pwa
    from webgis.rasters import views as rasters
    from webgis.schoolfunds import views as schoolfunds
    from webgis.simpeg import views as simpeg
    from webgis.sirs import views as sirs
    from webgis.skpd import network as skpd_network
    from webgis.skpd import views as skpd
    from webgis.statistik import views as statistik
    from webgis.tiles import views as tiles
    from webgis.umkm import views as umkm
    from webgis.verify import views as verify
    from webgis.waste import views as waste
    from webgis.wifi import views as wifi
    from webgis.wisata import views as wisata

    for module in (health, ogcapi, tiles, pages, open311, citizen, operator, rasters, payments, payments_callback,
                   verify, layanan, layanan_api, layanan_desk, pbb, waste, disdukcapil, ppdb_online, skpd, skpd_network,
                   simpeg, sirs, schoolfunds, statistik, aset, proyek, dasbor,
                   agenda, arsip, wifi, wisata, angkot, cetak, perpustakaan, berkendara, umkm, pwa):
        app.register_blueprint(module.blueprint)


def _install_payment_handler() -> None:
    """A paid bill moves its case on (services/engine/steps.on_bill_paid), when payments is present."""
    from services.engine.steps import install_payment_handler

    install_payment_handler()


def _install_tile_lane(app: Flask) -> None:
    from webgis.tiles import lane

    lane.install(app)
