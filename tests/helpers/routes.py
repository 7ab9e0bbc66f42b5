"""Fill the path arguments of every rule in the app's URL map, per layer, for the route-walking tests.

`FILLERS` maps an argument name to a function of the layer (and its sample
feature) giving the values to try; a rule with an argument that has no filler
is reported by `missing_fillers`, so a new route cannot slip past the walks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Engine, text
from werkzeug.routing import Rule

from layers.model import LayerSpec
from layers.registry import get_registry
from layers.schema import LAYER_SCHEMA


@dataclass(frozen=True)
class Sample:
    """One layer and one of its features (None when the layer is empty)."""

    spec: LayerSpec
    fid: int | None
    lon: float | None
    lat: float | None

    def tile(self) -> tuple[int, int, int]:
        """A WebMercatorQuad tile holding the feature, at a zoom the layer is shown at."""
        z = min(max(self.spec.zoom.min, 15), self.spec.zoom.max)
        lon, lat = (98.6722, 3.5952) if self.lon is None else (self.lon, self.lat)
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return z, x, y


def samples(engine: Engine) -> list[Sample]:
    result = []
    with engine.connect() as conn:
        for spec in get_registry():
            row = conn.execute(text(
                f'SELECT fid, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) '
                f'FROM "{LAYER_SCHEMA}"."{spec.table}" ORDER BY fid LIMIT 1')).first()
            result.append(Sample(spec, *(row or (None, None, None))))
    return result


Filler = Callable[[Sample], list[Any]]

# Argument name -> values for a layer's sample. Values that name no layer
# (static files, open311 ids) are the same for every layer.
FILLERS: dict[str, Filler] = {
    "collection_id": lambda s: [s.spec.id],
    "collection": lambda s: [s.spec.id],
    "layer_id": lambda s: [s.spec.id],
    "item_id": lambda s: [s.fid if s.fid is not None else 1],
    "tms": lambda s: ["WebMercatorQuad"],
    "z": lambda s: [s.tile()[0]],
    "x": lambda s: [s.tile()[1]],
    "y": lambda s: [s.tile()[2]],
    "fmt": lambda s: ["geojson", "gpkg", "csv", "json", "xml"],
    "filename": lambda s: ["pages/site.css", "ogcapi/map.js", "accounts.css"],
    "token_id": lambda s: [999999],  # no such token: an allowed revoke must not end a test principal
    "username": lambda s: ["admin"],
    "service_request_id": lambda s: ["1"],
    "code": lambda s: ["1"],
    "token": lambda s: ["x"],
    "alarm_id": lambda s: [999999],  # no such alarm: an allowed acknowledge changes nothing
    "raster_id": lambda s: ["flood_index"],
    "history_id": lambda s: [999999999],  # no such entry: an allowed restore must change nothing
    "number": lambda s: ["TG0000-00000000"],  # no such bill
    "provider": lambda s: ["sandbox"],
    # Declared services (webgis/layanan): a seeded case that stays put (an allowed step's junk body is refused).
    "service_id": lambda s: ["pbg"],
    "indicator_id": lambda s: ["complaint_sla"],  # services/indicators: a declared indicator
    "kode_arsip": lambda s: ["ARS-000001"],  # services/archives: a seeded record (without a file)
    "case_ref": lambda s: ["PBG-SEED0005"],  # verified: a junk step is refused (409), nothing moves
    "name": lambda s: ["site_plan"],
    "event_id": lambda s: [999999],  # no such visit: no photo
    "nop": lambda s: ["12.71.001.001.001-0001.0"],  # a seeded parcel (its SPPTs exist once a year is issued)
    "nomor": lambda s: ["RS-000001"],  # a seeded waste fee payer
    "periode": lambda s: ["2001-01"],  # no fee that month: an allowed payment opens no bill
    "tahun": lambda s: [1999],  # no SPPT that year: an allowed payment opens no bill
    # An agency: its public profile (services/skpd) and SIMPEG's head page (none of the walks' users heads it).
    "agency": lambda s: ["DISKOMINFO"],
    "office": lambda s: ["KC-12.71.01"],  # a site of the city WAN (the operators' network view)
    "nip": lambda s: ["196501012000011001"],  # SIMPEG: a NIP of nobody the route walks' users are
    "kode_faskes": lambda s: ["R1275644"],  # a seeded hospital (RS Umum Melati): junk reports change nothing
    "npsn": lambda s: ["10257713"],  # a school (SMP Methodist 9): junk posts change nothing
    "report_token_id": lambda s: [999999],  # no such hospital token: an allowed revoke ends none
    "kode_aset": lambda s: ["B.KELURAHAN.2024.S00001"],  # a seeded city asset (services/assets/seed.py)
    "kode": lambda s: ["PRJ-SEED0019"],  # a seeded project under construction (a junk step is refused, 400)
    "laporan": lambda s: ["PRJ-SEED0019-001"],  # its first progress report (no photo in the seed: 404)
    "kode_wisata": lambda s: ["WS-ISTANA-MAIMUN"],  # a real tourism site (services/tourism/catalogue.yaml)
    "kode_judul": lambda s: ["JD-00001"],  # services/library: an anchor title of the synthetic catalogue
    "kode_cabang": lambda s: ["PK-PUSAT"],  # the central library
    "kode_pesan": lambda s: ["PSN-NOTHING"],  # no such reservation: an allowed step changes nothing
    "kode_rute": lambda s: ["RW-KESAWAN"],  # the Kesawan heritage walk
    "kode_trayek": lambda s: ["41"],  # a seeded angkot route (KPUM 41, Marelan – Aksara)
    "kode_produk": lambda s: ["UMKM-SEED0001-P1"],  # no such product of the filler case: nothing is withdrawn
}

# Arguments whose value does not depend on the layer: such rules are visited once, not once per layer.
LAYER_ARGUMENTS = {"collection_id", "collection", "layer_id", "item_id", "z", "x", "y"}


def missing_fillers(app: Flask) -> list[str]:
    return sorted(f"{rule.rule}: <{arg}>" for rule in app.url_map.iter_rules()
                  for arg in rule.arguments if arg not in FILLERS)


def _combinations(rule: Rule, sample: Sample) -> Iterator[dict[str, Any]]:
    combos: list[dict[str, Any]] = [{}]
    for arg in sorted(rule.arguments):
        combos = [{**c, arg: v} for c in combos for v in FILLERS[arg](sample)]
    yield from combos


def urls(app: Flask, rule: Rule, layer_samples: list[Sample]) -> list[str]:
    """Every URL of a rule the fillers give (per layer when the rule names a layer)."""
    per_layer = bool(set(rule.arguments) & LAYER_ARGUMENTS)
    found: list[str] = []
    adapter = app.url_map.bind("localhost")
    for sample in layer_samples if per_layer else layer_samples[:1]:
        for values in _combinations(rule, sample):
            try:
                url = adapter.build(rule.endpoint, values, method="GET" if "GET" in rule.methods else None)
            except Exception:  # noqa: BLE001 - a value the converter refuses (e.g. fmt 'gpkg' for json|xml)
                continue
            if url not in found:
                found.append(url)
    return found


def get_rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)
