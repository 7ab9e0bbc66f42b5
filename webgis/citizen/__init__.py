"""Citizen service pages: complaints (/lapor, /lapor/<id>, /lapor/peta) and PPDB zoning (/ppdb).

Thin views over services/complaints and services/ppdb, the same functions the
Open311 API and notebooks call. Forms carry the session's CSRF token (the
global check in webgis/security.py refuses a form post without it); scripts
and styles come from /static only (strict CSP, no inline script).
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from webgis.security import csrf

blueprint = Blueprint("citizen", __name__)


@blueprint.before_request
def _every_post_carries_the_csrf_token() -> None:
    """Every write of these pages needs the page's token, whatever its body.

    The app-wide rule (webgis/security.py) skips anonymous posts that are not
    form-encoded, e.g. an empty cross-site fetch; these pages only ever post
    their own forms, so they can be strict. Bearer-token clients use Open311.
    """
    bearer = request.headers.get("Authorization", "").partition(" ")[0].lower() == "bearer"
    if request.method == "POST" and not bearer and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()

from webgis.citizen import complaints, ppdb  # noqa: E402, F401  (the views register on the blueprint)
