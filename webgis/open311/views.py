"""The parent blueprint of /open311/: GeoReport v2 (v2.py), the staff workflow (staff.py) and its pages (desk.py).

One parent blueprint so the application factory registers the room with one
line; the GeoReport views are CSRF-exempt because they never read the session
(see v2.py), the staff views are not.
"""

from __future__ import annotations

from flask import Blueprint

from webgis import security
from webgis.open311 import desk, staff, v2

blueprint = Blueprint("open311", __name__, url_prefix="/open311")
blueprint.register_blueprint(v2.blueprint)
blueprint.register_blueprint(staff.blueprint)
blueprint.register_blueprint(desk.blueprint)
security.CSRF_EXEMPT_BLUEPRINTS.add("open311.v2")
