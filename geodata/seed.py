"""Seeding the layers with Medan's data: idempotent, with progress, all or nothing per layer.

Layers with a real source load their file from geodata/data (see SOURCES.md);
the others are generated inside the real kelurahan polygons and marked
`source = "synthetic"`. A synthetic layer's declaration names its generator by
import path (`generator: devices.seed:generate_cctv`): the generators of layers
that a service or the devices compute live with their owner, and this module
finds them through the declaration, so geodata never imports services or
devices. Keyed layers are upserted, so a second run changes nothing and records
no history; keyless layers load once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import shapely

from layers import count_features, load_frame, read_layer
from layers.files import read_file
from layers.frames.load import LoadReport
from layers.model import LayerSpec
from layers.registry import get_registry
from layers.tables import Bind

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_ACTOR = "seed"
# Every generator places its features inside the real kelurahan polygons.
BASE_LAYER = "kelurahan"
log = logging.getLogger(__name__)


def seed_order(specs: list[LayerSpec]) -> list[LayerSpec]:
    """File-backed layers first: the generators build on the real kelurahan."""
    return sorted(specs, key=lambda s: (s.seed.kind != "file", s.id))


def generator_for(spec: LayerSpec) -> Callable[..., gpd.GeoDataFrame]:
    """The function a synthetic layer's declaration names as "package.module:function"."""
    module_name, _, function_name = (spec.seed.generator or "").partition(":")
    try:
        return getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise LookupError(f"{spec.id}: seed generator {spec.seed.generator!r} not found ({exc})") from exc


def _file_frame(spec: LayerSpec) -> gpd.GeoDataFrame:
    return read_file(DATA_DIR / spec.seed.path, spec, rename=spec.seed.rename)


def generate(spec: LayerSpec, kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A synthetic layer's seed features, generated inside the given kelurahan."""
    return generator_for(spec)(kelurahan)


_SEED_INPUTS: dict[tuple[str, int], gpd.GeoDataFrame] = {}


def seed_input(layer_id: str, kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What the seed loads into a layer, without loading it: a computed layer's seed input.

    Memoised per kelurahan geometry, since several computed layers share inputs
    (the analyses' seeds read poverty, schools and routes each).
    """
    key = (layer_id, hash(tuple(shapely.to_wkb(kelurahan.geometry.values))))
    if key not in _SEED_INPUTS:
        spec = get_registry().get(layer_id)
        if spec.seed.kind == "file":
            frame = _file_frame(spec).to_crs("EPSG:4326")
        else:
            frame = generate(spec, kelurahan)
        _SEED_INPUTS[key] = frame
    return _SEED_INPUTS[key].copy()


def seed_frame(bind: Bind, spec: LayerSpec) -> gpd.GeoDataFrame | None:
    """The features a layer's seed declares, with only its declared columns."""
    if spec.seed.kind == "file":
        frame = _file_frame(spec)
    elif spec.seed.kind == "synthetic":
        kelurahan = read_layer(bind, BASE_LAYER).reset_index(drop=True)
        frame = generate(spec, kelurahan)
    else:
        return None
    # A generator may label each row's origin (`source`: a cited record beside synthetic ones);
    # rows without it get the declaration's seed source.
    keep = [c for c in frame.columns if c in spec.property_names or c == "source"]
    return frame[[*keep, frame.geometry.name]]


def seed_layer(bind: Bind, spec: LayerSpec, progress: Callable[[int, int], None] | None = None) -> LoadReport | None:
    frame = seed_frame(bind, spec)
    if frame is None:
        return None
    if not spec.key and count_features(bind, spec.id) > 0:
        return LoadReport(spec.id, len(frame))  # keyless layers load once
    return load_frame(
        bind, spec.id, frame, actor=SEED_ACTOR, mode="upsert" if spec.key else "append",
        repair=True, source=spec.seed.source or spec.seed.kind, progress=progress,
    )


def seed_all(bind: Bind, only: list[str] | None = None, echo: Callable[[str], None] = print) -> list[LoadReport]:
    registry = get_registry()
    specs = [registry.get(i) for i in only] if only else list(registry)
    reports = []
    for spec in seed_order(specs):
        report = seed_layer(bind, spec)
        if report is None:
            continue
        reports.append(report)
        echo(f"  {spec.id:<22} {report.rows:>6} features  +{report.inserted} new, "
             f"{report.updated} updated{', ' + str(len(report.repaired)) + ' repaired' if report.repaired else ''}")
        for warning in report.repaired:
            log.warning("%s: %s", spec.id, warning)
    return reports
