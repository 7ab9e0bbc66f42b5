"""Vendoring front-end packages: npm installs them, this copies what the pages load.

`./medan` runs `npm ci` in webgis/frontend (versions pinned by its
package-lock.json), then `python -m webgis assets`, which calls
`vendor_assets()`: the files below are copied from node_modules into
webgis/static/vendor/<package>/ with their licence texts, so the app serves
every script and stylesheet itself and works with no internet at all.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FRONTEND_DIR = Path(__file__).resolve().parent / "frontend"
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "COPYING")


class AssetError(RuntimeError):
    """A package or file the pages need is not installed; the message says what to run."""


@dataclass(frozen=True)
class VendoredPackage:
    name: str
    # Paths inside the package; a leading "dist/" is dropped in the copy so the
    # page loads /static/vendor/<name>/<file> (and relative CSS urls still work).
    files: tuple[str, ...]
    # Packages compiled into this one's bundle, whose licences must travel with it.
    bundled: tuple[str, ...] = field(default_factory=tuple)
    # The folder under static/vendor, when the npm name (a scoped one) is not a good one.
    target: str = ""

    @property
    def directory(self) -> str:
        return self.target or self.name


PACKAGES = (
    VendoredPackage("leaflet", ("dist/leaflet.js", "dist/leaflet.js.map", "dist/leaflet.css", "dist/images")),
    VendoredPackage(
        "leaflet.vectorgrid",
        ("dist/Leaflet.VectorGrid.bundled.min.js",),
        bundled=("pbf", "vector-tile", "point-geometry", "ieee754", "topojson-client", "whatwg-fetch"),
    ),
    # The protobuf reader the canvas point renderer (pages/js/points.js) decodes
    # Mapbox Vector Tiles with; VectorGrid's bundled copy is not exposed.
    VendoredPackage("pbf", ("dist/pbf.js",), bundled=("ieee754",)),
    # The homepage editor's drawing and vertex editing (pages/js/edit.js): Leaflet-Geoman
    # free (MIT), maintained, touch-friendly; Leaflet.draw has had no release since 2018.
    VendoredPackage(
        "@geoman-io/leaflet-geoman-free",
        ("dist/leaflet-geoman.min.js", "dist/leaflet-geoman.css"),
        bundled=("lodash", "polyclip-ts", "bignumber.js", "splaytree-ts", "@turf/boolean-contains", "@turf/kinks",
                 "@turf/line-intersect", "@turf/line-split", "@turf/helpers", "@turf/invariant", "@turf/meta",
                 "@turf/bbox", "@turf/boolean-point-in-polygon", "@turf/boolean-point-on-line",
                 "@turf/distance", "@turf/geojson-rbush", "@turf/line-segment", "@turf/nearest-point-on-line",
                 "@turf/truncate", "point-in-polygon-hao", "robust-predicates", "rbush", "quickselect",
                 "tslib"),
        target="leaflet-geoman",
    ),
    # The accessibility rules engine (Deque, MPL-2.0) the browser tests run on every citizen page
    # (tests/webgis/a11y). Served as a static file like the rest; no page includes it, the tests inject it.
    VendoredPackage("axe-core", ("axe.min.js", "LICENSE-3RD-PARTY.txt")),
)


def _licence_file(package_dir: Path) -> Path:
    for name in LICENCE_NAMES:
        if (package_dir / name).is_file():
            return package_dir / name
    # Some packages (leaflet.vectorgrid, point-geometry) carry their licence
    # text only in the README.
    readme = package_dir / "README.md"
    if readme.is_file():
        return readme
    raise AssetError(f"{package_dir.name}: no licence file to vendor with it")


def bundled_licence_name(package: str) -> str:
    """The file a bundled package's licence is copied to (a scoped name's slash would make a folder)."""
    return f"LICENSE.{package.replace('/', '+')}"


def _target_name(relative: str) -> str:
    return relative.removeprefix("dist/")


def _copy(source: Path, target: Path) -> int:
    if source.is_dir():
        shutil.copytree(source, target)
        return sum(1 for p in target.rglob("*") if p.is_file())
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return 1


def vendor_package(package: VendoredPackage, node_modules: Path, vendor_dir: Path) -> str:
    source_dir = node_modules / package.name
    manifest = source_dir / "package.json"
    if not manifest.is_file():
        raise AssetError(f"{package.name} is not installed; run `npm ci` in {FRONTEND_DIR}")
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    target_dir = vendor_dir / package.directory
    if target_dir.exists():
        shutil.rmtree(target_dir)  # a clean copy: no file of an older version lingers
    target_dir.mkdir(parents=True)
    copied = 0
    for relative in package.files:
        source = source_dir / relative
        if not source.exists():
            raise AssetError(f"{package.name} {version} has no {relative}")
        copied += _copy(source, target_dir / _target_name(relative))
    shutil.copy2(_licence_file(source_dir), target_dir / "LICENSE")
    for bundled in package.bundled:
        bundled_dir = node_modules / bundled
        shutil.copy2(_licence_file(bundled_dir), target_dir / bundled_licence_name(bundled))
    return f"{package.name} {version}: {copied} file(s) and {1 + len(package.bundled)} licence(s) -> {target_dir}"


def vendor_assets(frontend_dir: Path = FRONTEND_DIR, vendor_dir: Path = VENDOR_DIR) -> Iterator[str]:
    """Copy every vendored package into static/vendor; yields one line per package."""
    node_modules = frontend_dir / "node_modules"
    if not node_modules.is_dir():
        raise AssetError(f"no {node_modules}; run `npm ci` in {frontend_dir} first")
    for package in PACKAGES:
        yield vendor_package(package, node_modules, vendor_dir)


def assets_present(vendor_dir: Path = VENDOR_DIR) -> bool:
    """Whether every vendored file is in place (tests and the app can check before serving)."""
    return all(
        (vendor_dir / package.directory / _target_name(relative)).exists()
        for package in PACKAGES for relative in package.files
    )
