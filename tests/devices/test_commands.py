"""Operator commands against the real simulator: bounds, read-back, audit, who may."""

from __future__ import annotations

import pytest

from devices.__main__ import main
from devices.commands import CommandFailed, command_log, send
from devices.registermap import CommandRejected
from devices.registry import read_fleet
from devices.simulator import FleetEntry
from layers import get_feature, update_feature
from layers.access import with_roles
from layers.db import engine_for
from layers.registry import get_registry

MODELS = ("lpju_solar_v1", "atcs_controller_v1", "cctv_ipcam_v1")


@pytest.fixture
def setup(isolated_database_url, simulator, ports):  # noqa: ANN001, ANN201
    """One registered device per model, moved (through the layers API) onto a test simulator."""
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    chosen = {}
    for record in read_fleet(engine):
        chosen.setdefault(record.model, record)
    for unit, model in enumerate(MODELS, start=1):
        record = chosen[model]
        spec = get_registry().get(record.layer)
        fid = int(_fid(engine, record.layer, spec.key, record.code))
        update_feature(engine, record.layer, fid, {"type": "Feature", "properties": {
            "modbus_host": "127.0.0.1", "modbus_port": port, "modbus_unit": unit}},
            actor="test:setup", partial=True)
    sim = simulator([FleetEntry(port, u, m) for u, m in enumerate(MODELS, start=1)])
    devices = {m: chosen[m] for m in MODELS}
    return engine, sim, port, devices, isolated_database_url


def _fid(engine, layer: str, key: str, code: str) -> int:  # noqa: ANN001
    from layers import read_layer

    return read_layer(engine, layer, where={key: code}, columns=[]).index[0]


def test_switch_a_street_light_and_change_a_signal_plan(setup) -> None:  # noqa: ANN001
    engine, sim, port, devices, _ = setup
    light, atcs = devices["lpju_solar_v1"], devices["atcs_controller_v1"]
    assert send(engine, light.layer, light.code, "auto_mode", 0, "operator:ani").result == "ok"
    on = send(engine, light.layer, light.code, "lamp_on", 1, "operator:ani")
    assert (on.result, on.read_back) == ("ok", 1)
    assert sim.device(port, 1).state["lamp_on"] == 1
    dim = send(engine, light.layer, light.code, "dim_level", 40, with_roles("operator:sri", "operator"))
    assert (dim.result, dim.read_back) == ("ok", 40)
    plan = send(engine, atcs.layer, atcs.code, "signal_plan", 3, "operator:ani")
    assert (plan.result, plan.previous, plan.read_back) == ("ok", 1, 3)
    assert sim.device(port, 2).state["signal_plan"] == 3
    audit = command_log(engine, atcs.device_id)
    assert audit[0]["actor"] == "operator:ani" and audit[0]["point"] == "signal_plan"
    assert (audit[0]["previous"], audit[0]["value"], audit[0]["read_back"], audit[0]["result"]) == (1, 3, 3, "ok")
    assert command_log(engine, light.device_id)[0]["actor"] == "operator:sri"


REFUSED = [
    ("battery_soc", 50, "read-only"),
    ("lamp_fault", 0, "read-only"),
    ("dim_level", 150, "above maximum"),
    ("dim_level", -1, "below minimum"),
    ("lamp_on", 2, "not in allowed"),
    ("no_such_point", 1, "no point"),
]


def test_a_refused_write_is_audited_and_writes_nothing(setup) -> None:  # noqa: ANN001
    # One database for all cases: cloning one per case costs more than the cases.
    engine, sim, port, devices, _ = setup
    light = devices["lpju_solar_v1"]
    for point, value, message in REFUSED:
        before = sim.device(port, 1).requests
        with pytest.raises(CommandRejected, match=message):
            send(engine, light.layer, light.code, point, value, "operator:ani")
        assert sim.device(port, 1).requests == before, point  # not one Modbus request went out
        row = command_log(engine, light.device_id)[0]
        assert row["result"] == "rejected" and message in row["detail"] and row["requested"] == str(value)
    assert len(command_log(engine, light.device_id)) == len(REFUSED)


def test_only_operators_command_and_retired_devices_take_none(setup) -> None:  # noqa: ANN001
    engine, sim, port, devices, _ = setup
    atcs = devices["atcs_controller_v1"]
    with pytest.raises(CommandRejected, match="operators only"):
        send(engine, atcs.layer, atcs.code, "signal_plan", 2, with_roles("citizen:budi", "citizen"))
    assert command_log(engine, atcs.device_id)[0]["actor"] == "citizen:budi"
    fid = _fid(engine, atcs.layer, "kode", atcs.code)
    update_feature(engine, atcs.layer, int(fid), {"type": "Feature", "properties": {"status": "nonaktif"}},
                   actor="test", partial=True)
    with pytest.raises(CommandRejected, match="nonaktif"):
        send(engine, atcs.layer, atcs.code, "signal_plan", 2, "operator:ani")
    assert sim.device(port, 2).state["signal_plan"] == 1
    assert get_feature(engine, atcs.layer, int(fid))["properties"]["status"] == "nonaktif"


def test_pulse_points_are_sent_and_device_failures_are_audited(setup) -> None:  # noqa: ANN001
    engine, sim, port, devices, _ = setup
    cam, atcs = devices["cctv_ipcam_v1"], devices["atcs_controller_v1"]
    reboot = send(engine, cam.layer, cam.code, "reboot", 1, "operator:ani")
    assert reboot.result == "sent" and reboot.ok
    sim.set_fault(port, 2, "exception", code=4)
    with pytest.raises(CommandFailed) as failed:
        send(engine, atcs.layer, atcs.code, "cycle_time", 120, "operator:ani", timeout_s=0.5)
    assert failed.value.result.result == "failed"
    assert command_log(engine, atcs.device_id)[0]["result"] == "failed"


def test_the_command_line_confirms_and_reports(setup, monkeypatch, capsys) -> None:  # noqa: ANN001
    engine, sim, port, devices, url = setup
    atcs = devices["atcs_controller_v1"]
    args = ["command", atcs.layer, atcs.code, "signal_plan", "5", "--actor", "operator:ani", "--database-url", url]
    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    assert main(args) == 1 and sim.device(port, 2).state["signal_plan"] == 1
    assert main([*args, "--yes"]) == 0
    assert "ok: signal_plan 1" in capsys.readouterr().out and sim.device(port, 2).state["signal_plan"] == 5
    assert main([*args[:4], "9", *args[5:], "--yes"]) == 2
    assert "not in allowed" in capsys.readouterr().err
