"""The catch-all of the audit log: every write request leaves a line, whichever blueprint served it.

Views that know what they did record it themselves (login, role changes,
restores, operator commands, refusals through principal.deny). For any
POST/PUT/PATCH/DELETE that ends without such a record this hook adds one:
`request.write` when it succeeded (2xx/3xx: something may have changed, e.g.
an OGC API feature edit, whose before/after values are in
core.feature_history) and `access.denied` when it was refused with 401/403.
Other 4xx (bad input) changed nothing and concern no right, so they are not
recorded; a missing CSRF token is recorded by webgis/security.py.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy.exc import SQLAlchemyError

from webgis.accounts import audit
from webgis.accounts.principal import audit_event, principal_from_request
from webgis.errors import ApiError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger(__name__)


def _mark_audited(_event: str) -> None:
    if has_request_context():
        g.audited = True


def _request_context() -> dict[str, str]:
    return {"method": request.method, "path": request.path} if has_request_context() else {}


def _actor() -> str:
    try:
        return principal_from_request().actor
    except ApiError:  # a refused token: already audited as token.refused
        return "anonymous"


def _record_unaudited_write(response: Response) -> Response:
    if request.method not in UNSAFE_METHODS or g.get("audited"):
        return response
    status = response.status_code
    if status < 400:
        event = "request.write"
    elif status in (401, 403):
        event = "access.denied"
    else:
        return response
    try:
        audit_event(event, actor=_actor(), method=request.method, endpoint=request.endpoint, status=status)
    except SQLAlchemyError:  # the write itself is done; losing its log line must not turn it into a 500
        log.exception("could not audit %s %s", request.method, request.path)
    return response


def init_trail(app: Flask) -> None:
    if _mark_audited not in audit.LISTENERS:
        audit.LISTENERS.append(_mark_audited)
    if _request_context not in audit.CONTEXT:
        audit.CONTEXT.append(_request_context)
    app.after_request(_record_unaudited_write)
