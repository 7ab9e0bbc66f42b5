"""The park Wi-Fi tests' fleet: every seeded access point moved onto a test simulator."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from devices.registry import read_fleet
from devices.simulator import FleetEntry, Simulator
from layers import read_layer, update_feature
from layers.db import engine_for

LAYER = "wifi_access_points"


def wifi_fleet(database_url: str, simulator: Callable[..., Simulator],
               ports: Callable[[int], list[int]]) -> tuple[Engine, Simulator, int, dict[str, int]]:
    """(engine, simulator, port, {code: unit}): the access points re-addressed through the layers API."""
    (port,) = ports(1)
    engine = engine_for(database_url)
    records = read_fleet(engine, layers=[LAYER])
    frame = read_layer(engine, LAYER, columns=["kode"])
    fids = dict(zip(frame["kode"], frame.index, strict=True))
    units = {}
    for unit, record in enumerate(records, start=1):
        update_feature(engine, LAYER, int(fids[record.code]), {"type": "Feature", "properties": {
            "modbus_host": "127.0.0.1", "modbus_port": port, "modbus_unit": unit, "poll_interval_s": 0.2}},
            actor="test:setup", partial=True)
        units[record.code] = unit
    sim = simulator([FleetEntry(port, u, "wifi_ap_v1") for u in units.values()])
    return engine, sim, port, units
