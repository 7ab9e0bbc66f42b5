"""Print the homepage map's view (/peta/cetak) and the embeddable map (/peta/sematkan).

Thin views: the print is parsed and drawn by services.mapprint (Flask-free),
for the principal of the request, so a print holds only what that principal
may read (layers/access.py). The embed view is the homepage map without its
header and panels, the only page another site may put in a frame
(webgis.security.allow_framing).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from layers.registry import get_registry
from services.analysis.raster_tiles import load_rasters
from services.mapprint import parse_print_request, render_print
from webgis.accounts.principal import principal_from_request
from webgis.pages.config import is_basemap_layer, public_layers
from webgis.pages.delivery import script_bundle
from webgis.pages.strings import language_of, ui_strings
from webgis.readroute import read_engine
from webgis.security import allow_framing, rate_limit

blueprint = Blueprint("cetak", __name__)


@blueprint.get("/peta/cetak")
@rate_limit("EXPENSIVE_QUERY_RATE_LIMIT", "300 per minute", scope="expensive",
            per_address=("EXPENSIVE_QUERY_RATE_LIMIT_PER_ADDRESS", "1200 per minute"))
def print_map() -> Response:
    """The view of a permalink (map=, layers=, basemap=) printed as PDF or PNG; 400 says what was wrong.

    Query: format=pdf|png, size=a4|a3, orientation=landscape|portrait, title=, lang=id|en,
    bbox= (the screen's view, optional). Server-Timing carries the render's duration."""
    principal = principal_from_request()
    registry = get_registry()
    wanted = parse_print_request(
        request.args, principal, registry=registry, rasters=load_rasters(),
        basemap=[spec for spec in public_layers(registry) if is_basemap_layer(spec)],
        extent=current_app.config["SETTINGS"].medan_extent)
    result = render_print(read_engine(), wanted, principal)
    response = Response(result.content, mimetype=result.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response.headers["Server-Timing"] = f"render;dur={result.seconds * 1000:.0f}"
    # A print may hold what only this principal may read: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/peta/sematkan")
@allow_framing
def embed() -> Response:
    """The map alone, for an <iframe> on another site; its state comes from the same permalink hash."""
    lang = language_of(request)
    html = render_template("pages/embed.html", lang=lang, t=ui_strings(lang),
                           map_script_version=script_bundle(current_app.static_folder or "").version)
    return Response(html, mimetype="text/html")
