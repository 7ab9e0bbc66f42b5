"""The citizen pages' blueprint and what every one of its requests must carry.

The routes live in complaints.py (/lapor...) and ppdb.py (/ppdb...), which add
them to this blueprint; webgis/app.py imports both before registering it.
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
