"""The citizens' pages: the homepage map (/peta), its JSON helpers and the layer catalogue (/katalog)."""

from flask import Blueprint

from webgis.pages.delivery import init_delivery

blueprint = Blueprint("pages", __name__)
# Versioned, long-cached and compressed static files: the pages' concern, set up
# once when the blueprint is registered so webgis/app.py stays a list of blueprints.
blueprint.record_once(lambda state: init_delivery(state.app))

from webgis.pages import views  # noqa: E402,F401  (registers the routes on the blueprint)
