"""The write check of the OGC API (and any view that changes a layer): layers/access.py decides.

Who is asking comes from webgis/accounts/principal.py (session cookie, API
token, or the config token `settings.web.api_token`, kept as an
admin-equivalent bootstrap credential); whether they may write comes from
the layer's declaration through layers.access.can_write. A refusal is audited.
"""

from __future__ import annotations

from layers.access import can_write
from layers.model import LayerSpec
from webgis.accounts.principal import CONFIG_TOKEN_ACTOR, deny, principal_from_request
from webgis.errors import Forbidden

TOKEN_ACTOR = CONFIG_TOKEN_ACTOR


def require_write_access(spec: LayerSpec) -> str:
    """The actor recorded in history for this request's write, or Unauthorized/Forbidden.

    401 when nobody is identified (or a Bearer token is unknown, revoked or
    expired), 403 when the principal's roles may not write this layer; a layer
    whose declaration names no write role stays read-only even for admins.
    """
    principal = principal_from_request()
    if spec.derived_from is not None:
        raise Forbidden(f"collection {spec.id} is derived from {spec.derived_from} by the database, so it is "
                        f"read-only; change {spec.derived_from} instead")
    if not spec.access.write:
        raise Forbidden(f"collection {spec.id} is read-only")
    if can_write(spec, principal):
        return principal.actor
    needed = ", ".join(spec.access.write)
    if principal.is_anonymous:
        raise deny(f"writing {spec.id} needs a login or an API token "
                   f"(send 'Authorization: Bearer <token>') with one of the roles {needed}", collection=spec.id)
    raise deny(f"writing {spec.id} needs one of the roles {needed}", collection=spec.id)
