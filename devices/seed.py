"""A few example alarms for the alarm layer's seed, so the demo map has something to show.

They are past, cleared alarms (``source = synthetic``) on seeded devices: the seed
never invents an open alarm, which would have no row in devices.alarms behind it
and nobody to clear it. Deterministic, like every generator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import geopandas as gpd
import numpy as np

from devices.registry import device_layers
from devices.rules import load_rules

EXAMPLES_PER_LAYER = 3
FIRST_OPENED = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def example_alarms(kelurahan: gpd.GeoDataFrame, *, seed: int = 20261130) -> gpd.GeoDataFrame:
    """Cleared example alarms at seeded devices, a few per device layer."""
    from geodata.synthetic import GENERATORS

    rules = load_rules()
    rng = np.random.default_rng(seed)
    records, points = [], []
    for spec in device_layers():
        if spec.seed.kind != "synthetic" or spec.seed.generator not in GENERATORS:
            continue
        devices = GENERATORS[spec.seed.generator](kelurahan)
        for row in rng.choice(len(devices), size=min(EXAMPLES_PER_LAYER, len(devices)), replace=False):
            device = devices.iloc[int(row)]
            model_rules = rules.get(device["model"], [])
            if not model_rules:
                continue
            rule = model_rules[int(rng.integers(len(model_rules)))]
            opened = FIRST_OPENED + timedelta(hours=int(rng.integers(0, 24 * 25)))
            n = len(records) + 1
            records.append({
                "kode": f"SEED-{n:04d}", "device_layer": spec.id, "device_code": device[spec.key],
                "model": device["model"], "rule": rule.id, "severity": rule.severity, "state": "cleared",
                "message": rule.title["id"], "value": None, "opened_at": opened,
                "ack_at": opened + timedelta(minutes=12), "ack_by": "operator:contoh",
                "cleared_at": opened + timedelta(minutes=47)})
            points.append(device.geometry)
    return gpd.GeoDataFrame(records, geometry=points, crs="EPSG:4326")
