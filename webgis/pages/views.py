"""The citizens' pages: the homepage map (/peta), its JSON helpers and the layer catalogue (/katalog).

Thin views: parse the request, call a Flask-free function, serialise.
"""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from config.settings import Settings
from layers.access import can_read, writable_layers
from layers.forms import edit_forms
from layers.here import what_is_here
from layers.model import GAZETTEER_KINDS
from layers.registry import get_registry
from layers.search import SearchTextError, search
from webgis.accounts.principal import principal_from_request
from webgis.errors import BadRequest, NotFound
from webgis.pages.catalogue import DOWNLOAD_FORMATS, catalogue_entries, export_readable_layer
from webgis.pages.config import map_config
from webgis.pages.delivery import (
    EDIT_SCRIPTS,
    EDIT_STYLES,
    bundle_response,
    init_delivery,
    script_bundle,
)
from webgis.pages.strings import edit_strings, language_of, ui_strings
from webgis.readroute import read_engine
from webgis.security import rate_limit

blueprint = Blueprint("pages", __name__)
# Versioned, long-cached and compressed static files: the pages' concern, set up
# once when the blueprint is registered so webgis/app.py stays a list of blueprints.
blueprint.record_once(lambda state: init_delivery(state.app))


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _engine():  # noqa: ANN202
    """Every read here may be slightly stale: a replica's when one is ready (webgis/readroute.py)."""
    return read_engine()


def _page(template: str, **context: object) -> Response:
    lang = language_of(request)
    html = render_template(template, lang=lang, t=ui_strings(lang), **context)
    # The strict Content-Security-Policy (scripts and styles only from this
    # server) is added to every response by webgis.security; these pages
    # never need more, having no inline script, style or handler.
    return Response(html, mimetype="text/html")


@blueprint.get("/peta")
def homepage() -> Response:
    """The city's map. Also answers `/` for browsers (the OGC landing page calls this view)."""
    return _page("pages/map.html", map_script_version=script_bundle(current_app.static_folder or "").version)


@blueprint.get("/peta/map.js")
def map_script() -> Response:
    """The homepage's scripts as one file (?v=<version> makes it cacheable for a year)."""
    return bundle_response(script_bundle(current_app.static_folder or ""))


@blueprint.get("/peta/layers.json")
def layers_json() -> Response:
    principal = principal_from_request()
    config = map_config(_engine(), get_registry(), _settings(), principal)
    lang = language_of(request)
    config["ui"] = {code: ui_strings(code) for code in ("id", "en")}
    config["lang"] = lang
    config["editor"] = _editor_assets() if writable_layers(principal) else None
    return jsonify(config)


def _editor_assets() -> dict[str, object]:
    """Where the map finds the editor, for a user who may write a layer (the public never loads it)."""
    static = current_app.static_folder or ""
    return {"script": url_for("pages.edit_script", v=script_bundle(static, EDIT_SCRIPTS).version),
            "styles": [url_for("static", filename=name) for name in EDIT_STYLES],
            "forms": url_for("pages.edit_json")}


@blueprint.get("/peta/edit.js")
def edit_script() -> Response:
    """The editor's scripts (drawing library and forms) as one file, cached like map.js."""
    return bundle_response(script_bundle(current_app.static_folder or "", EDIT_SCRIPTS))


@blueprint.get("/peta/edit.json")
def edit_json() -> Response:
    """The feature forms of the layers this principal may write (layers/forms.py), the editor's words,
    and the CSRF token its writes send; no forms (and no token) for the public and citizens."""
    forms = edit_forms(principal_from_request(), get_registry())
    response = jsonify({"layers": forms, "ui": edit_strings(),
                        "csrf_token": generate_csrf() if forms else None})
    response.headers["Cache-Control"] = "no-store"  # it carries the session's CSRF token
    return response


@blueprint.get("/peta/search.json")
def search_json() -> Response:
    """Names over every public layer; `places=1`: only the place search's layers (streets, places,
    kelurahan, schools, ...: a declared gazetteer kind), ten times fewer tables to search."""
    places = request.args.get("places", "0")
    if places not in ("0", "1"):
        raise BadRequest("places must be 0 or 1")
    try:
        results = search(_engine(), request.args.get("q", ""), limit=10, principal=principal_from_request(),
                         kinds=GAZETTEER_KINDS if places == "1" else None)
    except SearchTextError as exc:
        raise BadRequest(str(exc)) from None
    return jsonify({"results": results})


def _coordinate(name: str, low: float, high: float) -> float:
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


@blueprint.get("/peta/here.json")
def here_json() -> Response:
    lon, lat = _coordinate("lon", -180, 180), _coordinate("lat", -90, 90)
    x0, y0, x1, y1 = _settings().medan_extent
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        # Far outside the city "nearest" answers would be kilometres away and meaningless.
        return jsonify({"inside": False, "outside": True, "results": []})
    return jsonify({**what_is_here(_engine(), lon, lat, principal=principal_from_request()), "outside": False})


@blueprint.get("/katalog")
def catalogue() -> Response:
    entries = catalogue_entries(_engine(), get_registry(), request.url_root, principal_from_request())
    return _page("pages/catalogue.html", entries=entries, formats=list(DOWNLOAD_FORMATS))


@blueprint.get("/katalog/<layer_id>.<fmt>")
@rate_limit("EXPENSIVE_QUERY_RATE_LIMIT", "300 per minute", scope="expensive",
            per_address=("EXPENSIVE_QUERY_RATE_LIMIT_PER_ADDRESS", "1200 per minute"))
def download(layer_id: str, fmt: str) -> Response:
    registry = get_registry()
    principal = principal_from_request()
    if layer_id not in registry or not can_read(registry.get(layer_id), principal):
        raise NotFound(f"no layer {layer_id!r} to download")
    if fmt not in DOWNLOAD_FORMATS:
        raise NotFound(f"downloads are offered as {', '.join(DOWNLOAD_FORMATS)}, not {fmt!r}")
    spec = registry.get(layer_id)
    handle = export_readable_layer(_engine(), spec, fmt, principal)
    suffix, media_type = DOWNLOAD_FORMATS[fmt]
    return send_file(handle, mimetype=media_type, as_attachment=True, download_name=f"medan_{layer_id}.{suffix}")
