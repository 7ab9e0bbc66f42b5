"""The operators' view of the city WAN (/operator/jaringan): every office's site and the links between
them coloured up / degraded / down from the probe (services/skpd/network.py), the outages raised, and a
site's probe history. Operators only (admins always), like the device views; the monitoring addresses
are shown to whoever layers/access.py lets see the offices layer's private fields (operators, admins)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from layers.access import can_see_private
from layers.registry import get_registry
from services.skpd.network import network_status, site_history
from webgis.accounts.principal import current_user, principal_from_request
from webgis.errors import BadRequest
from webgis.operator.views import operator_api, operator_page

blueprint = Blueprint("skpd_network", __name__, url_prefix="/operator")
OFFICE = re.compile(r"^(SKPD|KC|KL|UPT)-[A-Z0-9.-]{1,32}$")


def _engine():  # noqa: ANN202
    return current_app.extensions["engine"]


@blueprint.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-cache, private"  # operational data, never from a shared cache
    return response


def _json(payload: Any) -> Response:
    response = Response(json.dumps(payload, default=str, separators=(",", ":")), mimetype="application/json")
    response.add_etag()
    return response.make_conditional(request)


@blueprint.get("/jaringan")
@operator_page
def network_page() -> Any:
    return render_template("skpd/network.html", user=current_user())


@blueprint.get("/api/jaringan")
@operator_api
def network_api() -> Response:
    addresses = can_see_private(get_registry().get("offices"), principal_from_request())
    return _json(network_status(_engine(), with_addresses=addresses))


@blueprint.get("/api/jaringan/<office>")
@operator_api
def site_api(office: str) -> Response:
    """A site's probes of the last `jam` hours (1-168, default 24), newest first."""
    if not OFFICE.match(office):
        raise BadRequest("kode kantor: SKPD-<SKPD>, KC-<kode kecamatan>, KL-<kode kelurahan> atau UPT-<SKPD>-<n>")
    hours = request.args.get("jam", "24")
    if not (hours.isascii() and hours.isdigit() and 1 <= int(hours) <= 168):
        raise BadRequest("jam: a whole number of hours from 1 to 168")
    return _json({"office": office, "probes": site_history(_engine(), office, hours=int(hours))})
