"""POST /api/pembayaran/callback/<provider>: a gateway tells the platform a payment settled.

No session and no CSRF (the blueprint is exempt: nothing here reads a cookie); what authenticates
the gateway is the HMAC-SHA256 signature over the raw body, checked by the provider
(services/engine/payments). Status codes the gateway acts on: 200 recorded (also for a duplicate,
with the same body, and for a payment flagged for refund: do not retry), 400 malformed or wrong
amount, 401 bad or missing signature, 404 unknown provider or bill, 500 not recorded now (retry).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from services.engine.payments import receive_callback
from services.engine.payments.sandbox import SIGNATURE_HEADER
from webgis.security import CSRF_EXEMPT_BLUEPRINTS

blueprint = Blueprint("payments_callback", __name__)
CSRF_EXEMPT_BLUEPRINTS.add(blueprint.name)


@blueprint.post("/api/pembayaran/callback/<provider>")
def callback(provider: str) -> Response:
    # The raw bytes, as signed: a parsed-and-reserialised body would not match its signature.
    outcome = receive_callback(current_app.extensions["engine"], provider, request.get_data(cache=False),
                               dict(request.headers))
    response = jsonify(outcome.answer)
    response.status_code = outcome.http_status
    if outcome.http_status == 401:
        response.headers["WWW-Authenticate"] = f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'
    return response
