"""The citizens' pages: the homepage map (/peta), its JSON helpers and the layer catalogue (/katalog)."""

from flask import Blueprint

blueprint = Blueprint("pages", __name__)

from webgis.pages import views  # noqa: E402,F401  (registers the routes on the blueprint)
