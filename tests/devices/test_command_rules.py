"""Commands respect what the register holds and the map's cross-point rules; a refused one writes nothing."""

from __future__ import annotations

import pytest

from devices.commands import command_log, send
from devices.registermap import CommandRejected
from devices.registry import find_device, read_fleet
from layers import read_layer, update_feature
from layers.db import engine_for
from layers.registry import get_registry

LIGHT, ATCS = 1, 2


@pytest.fixture
def field(isolated_database_url, peer, ports):  # noqa: ANN001, ANN201
    """A street light and an ATCS controller, moved (through the layers API) onto a peer."""
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port, serial=False)
    devices = {}
    for unit, model in ((LIGHT, "lpju_solar_v1"), (ATCS, "atcs_controller_v1")):
        record = next(r for r in read_fleet(engine) if r.model == model)
        key = get_registry().get(record.layer).key
        fid = int(read_layer(engine, record.layer, where={key: record.code}, columns=[]).index[0])
        update_feature(engine, record.layer, fid, {"type": "Feature", "properties": {
            "modbus_host": "127.0.0.1", "modbus_port": port, "modbus_unit": unit}}, actor="test:setup", partial=True)
        devices[model] = find_device(engine, record.layer, record.code)
    for address, value in enumerate((1, 120, 31, 25, 31, 25)):  # plan, cycle 120 s, greens N E S W (112 s)
        gateway.set(ATCS, "holding", address, value)
    gateway.set(LIGHT, "coil", 1, 1)  # automatic (dusk-to-dawn) mode
    return engine, gateway, devices["lpju_solar_v1"], devices["atcs_controller_v1"]


def _refused(engine, device, point: str, value: float, reason: str) -> None:  # noqa: ANN001
    with pytest.raises(CommandRejected, match=reason):
        send(engine, device.layer, device.code, point, value, "operator:ani")
    row = command_log(engine, device.device_id)[0]
    assert (row["point"], row["result"]) == (point, "rejected") and reason.split(".")[0] in row["detail"]


def test_a_value_the_register_cannot_hold_is_refused_not_rounded(field) -> None:  # noqa: ANN001
    engine, gateway, _light, atcs = field
    _refused(engine, atcs, "green_north", 55.5, "cannot be stored")
    assert gateway.get(ATCS, "holding", 2) == 31


def test_greens_must_fit_in_the_cycle(field) -> None:  # noqa: ANN001
    engine, gateway, _light, atcs = field
    _refused(engine, atcs, "green_north", 44, "must fit in the cycle")  # 125 s of green in a 120 s cycle
    _refused(engine, atcs, "cycle_time", 100, "must fit in the cycle")  # 112 s of green in a 100 s cycle
    assert gateway.get(ATCS, "holding", 2) == 31 and gateway.get(ATCS, "holding", 1) == 120
    assert send(engine, atcs.layer, atcs.code, "green_north", 39, "operator:ani").result == "ok"  # exactly 120
    assert gateway.get(ATCS, "holding", 2) == 39


def test_the_lamp_relay_is_interlocked_to_manual_mode(field) -> None:  # noqa: ANN001
    engine, gateway, light, _atcs = field
    _refused(engine, light, "lamp_on", 1, "manual mode only")
    assert gateway.get(LIGHT, "coil", 0) == 0
    assert send(engine, light.layer, light.code, "auto_mode", 0, "operator:ani").result == "ok"
    assert send(engine, light.layer, light.code, "lamp_on", 1, "operator:ani").result == "ok"
    assert gateway.get(LIGHT, "coil", 0) == 1
