"""The interim write check: an API token from configuration (issue 5 replaces it with accounts)."""

from __future__ import annotations

import hmac

from flask import current_app, request

from layers.model import LayerSpec
from webgis.errors import Forbidden, Unauthorized

TOKEN_ACTOR = "token:api"


def require_write_access(spec: LayerSpec) -> str:
    """The actor recorded in history for this request's write, or Unauthorized/Forbidden.

    Writes need `Authorization: Bearer <settings.web.api_token>`; an empty
    configured token turns writes off. The token stands for the roles a
    declaration names until accounts exist, so a layer with no write roles
    stays read-only.
    """
    configured = current_app.config["SETTINGS"].web.api_token
    if not configured:
        raise Forbidden("writes are disabled on this server (no API token is configured)")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("writes need an API token: send 'Authorization: Bearer <token>'")
    # Constant-time comparison so the token cannot be guessed byte by byte from timings.
    if not hmac.compare_digest(given.strip().encode(), configured.encode()):
        raise Unauthorized("the API token is not valid")
    if not spec.access.write:
        raise Forbidden(f"collection {spec.id} is read-only")
    return TOKEN_ACTOR
