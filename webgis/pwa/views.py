"""The citizen app as a Progressive Web App: /manifest.webmanifest, /sw.js, /offline.

The worker is served from the site root and registered for the scope /lapor (the form, the
tracking pages, the complaints map). Not the homepage map: with the worker controlling /peta,
the staff editor's CSRF-protected writes failed intermittently (400) in
tests/webgis/pages/test_editing.py, a cause not found in time; see the README. It is static/pwa/sw.js with the app shell
(the exact URLs the pages load, versioned static ones included) written in, and the shell's
version is a hash of those files, so a deploy that changes any of them installs a new worker
and its activation drops the old caches. The app's CSP allows it as it is: the worker, the
manifest and every cached file come from 'self' (webgis/security.py, worker-src 'self').
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for

from webgis.citizen.common import page
from webgis.pages.delivery import static_version

blueprint = Blueprint("pwa", __name__)

THEME_COLOUR = "#0b4f6c"  # the citizen pages' header (static/citizen/citizen.css)
BACKGROUND_COLOUR = "#f6f7f8"
# The app's pages: precached, so an offline start opens them; /offline answers any other page then.
SHELL_PAGES = ("/lapor", "/lapor/peta", "/offline")
SHELL_STATIC = (
    "citizen/citizen.css", "citizen/credits.js", "citizen/streets.js", "citizen/report.js", "citizen/map.js",
    "citizen/heat.js",
    "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png", "vendor/leaflet/images/marker-shadow.png",
    "vendor/leaflet/images/layers.png", "vendor/leaflet/images/layers-2x.png",
    "pages/icon.svg",
    "pwa/app.js", "pwa/outbox.js", "pwa/icon-192.png", "pwa/icon-512.png",
)
# What the maps of / and /lapor read first; cached at install when the server can answer (not required).
SHELL_DATA = ("/lapor/peta/kelurahan.geojson",)


def _static_folder() -> str:
    return current_app.static_folder or ""


@blueprint.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: what a phone needs to install the app (name, icons, start, scope, display)."""
    icon = lambda size, purpose: {"src": url_for("static", filename=f"pwa/icon-{size}.png"),  # noqa: E731
                                  "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
    body = {
        "id": "/lapor", "lang": "id", "dir": "ltr",
        "name": "Peta dan Lapor Kota Medan", "short_name": "Medan Lapor",
        "description": "Peta Kota Medan dan laporan masalah kota oleh warga; laporan dapat ditulis tanpa sinyal "
                       "dan dikirim saat tersambung.",
        "start_url": "/lapor", "scope": "/lapor", "display": "standalone", "orientation": "any",
        "theme_color": THEME_COLOUR, "background_color": BACKGROUND_COLOUR,
        "categories": ["government", "navigation", "utilities"],
        "icons": [icon(192, "any"), icon(512, "any"), icon(512, "maskable")],
        "shortcuts": [{"name": "Lapor masalah", "url": "/lapor"}, {"name": "Peta laporan", "url": "/lapor/peta"}],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def shell() -> dict[str, object]:
    """The worker's configuration: the app shell's URLs and the version that names its cache."""
    static = _static_folder()
    assets = [url_for("static", filename=name) for name in SHELL_STATIC]
    worker = (Path(static) / "pwa" / "sw.js").read_bytes()
    fingerprint = hashlib.blake2b(worker, digest_size=8)
    for name in SHELL_STATIC:
        fingerprint.update(f"{name}={static_version(static, name)};".encode())
    return {"version": fingerprint.hexdigest(), "pages": list(SHELL_PAGES), "assets": assets,
            "data": list(SHELL_DATA), "offline": url_for("pwa.offline"), "report": url_for("citizen.report"),
            "outbox": url_for("static", filename="pwa/outbox.js")}


@blueprint.get("/sw.js")
def service_worker() -> Response:
    """The service worker, with its shell written in; revalidated on every update check (no-cache)."""
    source = (Path(_static_folder()) / "pwa" / "sw.js").read_text(encoding="utf-8")
    response = Response(source.replace("__SHELL__", json.dumps(shell())), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@blueprint.get("/offline")
def offline() -> Response:
    """What the worker shows for a page that was never cached while there is no connection."""
    return page("pwa/offline.html")
