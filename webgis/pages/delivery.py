"""How the pages' files travel: versioned static URLs, long caching, compression.

- Every `url_for('static', filename=...)` gets `?v=<hash of the file's bytes>`.
  A request carrying the current hash is answered with a one-year immutable
  Cache-Control, so a second visit loads scripts and styles from the browser
  cache without asking; a new file has a new hash, hence a new URL. Without
  the hash (or with a stale one) the answer must be revalidated (no-cache),
  which the static view's ETag turns into a cheap 304.
- Text responses (HTML, CSS, JavaScript, JSON, SVG) are gzip-compressed with
  Flask-Compress when the client accepts it. Vector tiles and GeoJSON are
  left alone: the tile endpoints own their bytes and ETags (engineer B's area).

Installed by the pages blueprint when it is registered (`init_delivery`).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join

from webgis.assets import AssetError

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_TYPES = [
    "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
    "application/json", "image/svg+xml",
]

_hash_lock = threading.Lock()
# (path, mtime_ns, size) -> content hash; a changed file gets a new key, so no stale hash is served.
_hashes: dict[tuple[str, int, int], str] = {}


def static_version(static_folder: str, filename: str) -> str | None:
    """A short hash of the static file's bytes, or None when there is no such file."""
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    with _hash_lock:
        cached = _hashes.get(key)
    if cached:
        return cached
    with open(path, "rb") as handle:
        digest = hashlib.blake2b(handle.read(), digest_size=6).hexdigest()
    with _hash_lock:
        _hashes[key] = digest
    return digest


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    version = static_version(current_app.static_folder or "", values["filename"])
    if version:
        values["v"] = version


def _static_cache_headers(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    wanted = request.args.get("v")
    if wanted and wanted == static_version(current_app.static_folder or "", filename):
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


_gzip_lock = threading.Lock()
_gzipped: dict[tuple[str, int, int], bytes] = {}


def gzipped_file(path: str) -> bytes:
    """The file's bytes gzip-compressed, kept per (path, mtime, size): compressed once, not per request."""
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    with _gzip_lock:
        cached = _gzipped.get(key)
    if cached is None:
        with open(path, "rb") as handle:
            cached = gzip.compress(handle.read(), compresslevel=9, mtime=0)
        with _gzip_lock:
            _gzipped[key] = cached
    return cached


def _gzip_static(view: Callable[..., Response]) -> Callable[..., Response]:
    """The static view, answering gzip from memory: compressing leaflet.js on every
    first visit cost ~20 ms of CPU per request, on a machine with two cores."""

    @functools.wraps(view)
    def static(filename: str) -> Response:
        response = view(filename=filename)
        if (response.status_code != 200 or response.mimetype not in COMPRESSED_TYPES
                or request.accept_encodings.quality("gzip") <= 0):
            return response
        path = safe_join(current_app.static_folder or "", filename)
        if path is None:
            return response
        etag, _weak = response.get_etag()
        if hasattr(response.response, "close"):
            response.response.close()  # the file the plain answer had opened
        response.direct_passthrough = False
        response.set_data(gzipped_file(path))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        if etag:
            response.set_etag(f"{etag}-gzip")
        return response.make_conditional(request)

    return static


# The homepage's scripts, in the order they depend on each other, served as one
# response (/peta/map.js): one request instead of ten on the first visit, when
# every request waits for a busy server.
MAP_SCRIPTS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    "vendor/pbf/pbf.js",
    "pages/js/util.js",
    "pages/js/layers.js",
    "pages/js/basemap.js",
    "pages/js/streets.js",
    "pages/js/points.js",
    "pages/js/panel.js",
    "pages/js/search.js",
    "pages/js/here.js",
    "pages/js/inview.js",
    "pages/js/main.js",
    "pages/js/share.js",
)
# The editor (drawing library and forms), a bundle of its own: loaded by the
# map only for a user who may write a layer (layers.json's `editor`), so the
# public's first visit does not download ~300 kB it never runs.
EDIT_SCRIPTS = (
    "vendor/leaflet-geoman/leaflet-geoman.min.js",
    "pages/js/edit-form.js",
    "pages/js/edit-history.js",
    "pages/js/edit-conflict.js",
    "pages/js/edit.js",
)
EDIT_STYLES = ("vendor/leaflet-geoman/leaflet-geoman.css", "pages/edit.css")


@dataclass(frozen=True)
class Bundle:
    body: bytes
    gzipped: bytes
    version: str


_bundle_lock = threading.Lock()
_bundles: dict[tuple, Bundle] = {}


def script_bundle(static_folder: str, files: tuple[str, ...] = MAP_SCRIPTS) -> Bundle:
    """The files concatenated (each keeps its own licence header), rebuilt when one changes."""
    paths = [safe_join(static_folder, name) for name in files]
    if any(path is None for path in paths):
        raise ValueError("bundle files must lie inside the static folder")
    try:
        key = tuple((path, os.stat(path).st_mtime_ns, os.stat(path).st_size) for path in paths)
    except FileNotFoundError as exc:
        raise AssetError(f"{exc.filename} is missing: run `python -m webgis assets`") from None
    with _bundle_lock:
        cached = _bundles.get(key)
    if cached:
        return cached
    parts = []
    for name, path in zip(files, paths, strict=True):
        with open(path, "rb") as handle:
            # A source map comment would point the bundle at the wrong map.
            lines = [line for line in handle.read().splitlines() if not line.startswith(b"//# sourceMappingURL=")]
        parts.append(b"/* " + name.encode() + b" */\n" + b"\n".join(lines))
    body = b"\n;\n".join(parts) + b"\n"
    bundle = Bundle(body, gzip.compress(body, compresslevel=9, mtime=0),
                    hashlib.blake2b(body, digest_size=6).hexdigest())
    with _bundle_lock:
        # Only the current version of each bundle is ever asked for.
        for stale in [k for k in _bundles if tuple(p for p, _, _ in k) == tuple(paths)]:
            del _bundles[stale]
        _bundles[key] = bundle
    return bundle


def bundle_response(bundle: Bundle) -> Response:
    """The bundle with the same caching as a versioned static file, gzipped when accepted."""
    zipped = request.accept_encodings.quality("gzip") > 0
    response = Response(bundle.gzipped if zipped else bundle.body, mimetype="text/javascript")
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(bundle.version + ("-gzip" if zipped else ""))
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == bundle.version else "no-cache"
    return response.make_conditional(request)


def init_delivery(app: Flask) -> None:
    """Versioned static URLs with long caching, and gzip for text responses."""
    if "static" in app.view_functions:
        app.view_functions["static"] = _gzip_static(app.view_functions["static"])
    app.url_defaults(_add_version)
    app.after_request(_static_cache_headers)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # gzip only: every browser speaks it, and static files are streamed, for
    # which Flask-Compress's default list has no gzip.
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])
    app.config.setdefault("COMPRESS_LEVEL", 6)
    Compress(app)
