"""The registry read path and `simulate --from-db` + `poll --from-db` as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

import devices
from config.settings import PROJECT_ROOT
from devices.registry import device_layers, read_fleet, simulator_fleet
from layers import load_frame, read_layer
from layers.db import engine_for
from layers.registry import get_registry

ROOT = PROJECT_ROOT
KEEP_ACTIVE = 2  # per device layer: enough to prove the path, light enough for a busy machine


def test_every_device_layer_is_found_by_its_properties() -> None:
    ids = {spec.id for spec in device_layers()}
    assert {"cctv", "atcs_intersections", "street_lights", "attendance_machines", "wifi_access_points"} <= ids
    assert "device_alarms" not in ids and "schools" not in ids


def test_the_fleet_is_the_active_devices_with_their_modbus_address(database_url) -> None:  # noqa: ANN001
    engine = engine_for(database_url)
    fleet = read_fleet(engine)
    everything = read_fleet(engine, active_only=False)
    assert 0 < len(fleet) < len(everything)
    assert all(r.status == "aktif" for r in fleet)
    lights = [r for r in fleet if r.layer == "street_lights"]
    # devices/addressing.py's plan: port base + i // 247, unit i % 247 + 1.
    assert all(15022 <= r.port <= 15024 and 1 <= r.unit <= 247 for r in lights)
    offices = [r for r in everything if r.layer == "attendance_machines"]
    assert {r.port for r in offices} == {15030} and {r.model for r in offices} == {"attendance_v1"}
    entries = simulator_fleet(fleet)
    assert len(entries) == len({(r.port, r.unit) for r in fleet})


def test_background_commands_start_simulator_and_poller_from_the_database() -> None:
    commands = dict(devices.background_commands("postgresql://webgis@127.0.0.1:54329/medan"))
    assert commands["device simulator"][1:] == ["-m", "devices", "simulate", "--from-db", "--database-url",
                                                "postgresql://webgis@127.0.0.1:54329/medan"]
    assert commands["device poller"][3:5] == ["poll", "--from-db"]
    secret = dict(devices.background_commands("postgresql://webgis:s3cret@db/medan"))
    assert not any("s3cret" in arg for argv in secret.values() for arg in argv)


def test_several_pollers_are_started_as_a_group_each_with_its_own_metrics_port() -> None:
    one = dict(devices.background_commands("postgresql://webgis@127.0.0.1:54329/medan"))
    assert "--group" not in one["device poller"]  # one poller by default, no leases to renew
    three = devices.background_commands("postgresql://webgis@127.0.0.1:54329/medan", pollers=3)
    pollers = [argv for name, argv in three if name.startswith("device poller")]
    assert len(pollers) == 3 and all("--group" in argv for argv in pollers)
    ports = {argv[argv.index("--metrics-port") + 1] for argv in pollers}
    assert len(ports) == 3


def _readdress(engine, free_ports) -> dict[str, int]:  # noqa: ANN001
    """Keep a few devices per layer active on free ports, retire the rest (layers API, with history)."""
    active: dict[str, int] = {}
    layers = device_layers()
    ports = free_ports(len(layers))
    for spec, port in zip(layers, ports, strict=True):
        frame = read_layer(engine, spec.id, include_private=True)
        frame["status"] = "nonaktif"
        keep = frame.index[:KEEP_ACTIVE]
        frame.loc[keep, "status"] = "aktif"
        frame["modbus_port"] = port
        frame["modbus_unit"] = range(1, len(frame) + 1)
        frame.loc[frame["modbus_unit"] > 247, "modbus_unit"] = 247  # retired anyway
        frame["poll_interval_s"] = 0.5
        load_frame(engine, spec.id, frame.reset_index(drop=True), actor="test:devices", mode="upsert")
        for code in frame.loc[keep, spec.key]:
            active[f"{spec.id}/{code}"] = port
    return active


def test_simulate_and_poll_from_db_fill_telemetry_and_latest_state(isolated_database_url, ports,  # noqa: ANN001
                                                                   tmp_path: Path) -> None:
    engine = engine_for(isolated_database_url)
    active = _readdress(engine, ports)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    base = [sys.executable, "-m", "devices"]
    url = ["--from-db", "--database-url", isolated_database_url]
    log = tmp_path / "poll.log"
    sim = subprocess.Popen([*base, "simulate", *url], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    poll = None
    try:
        assert "simulating" in (sim.stdout.readline() if sim.stdout else "")
        # A file, not a pipe: a chatty poller must never block on a full pipe buffer.
        poll = subprocess.Popen([*base, "poll", *url, "--timeout", "0.5"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log.open("w"))
        deadline = time.monotonic() + 30
        online: set[str] = set()
        while time.monotonic() < deadline and online != set(active):
            time.sleep(0.5)
            with engine.connect() as conn:
                online = set(conn.execute(text(
                    "SELECT device_id FROM devices.device_state WHERE status = 'online'")).scalars())
        time.sleep(2)  # a few more polls per device
    finally:
        for proc in (poll, sim):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=20) for p in (poll, sim) if p is not None]
    assert online == set(active), (online, log.read_text())
    assert codes == [0, 0]
    with engine.connect() as conn:
        per_device = dict(conn.execute(text(
            "SELECT device_id, count(*) FROM devices.telemetry GROUP BY device_id")).all())
        state = {r.device_id: r for r in conn.execute(text("SELECT * FROM devices.device_state"))}
    assert set(per_device) == set(active)
    assert min(per_device.values()) >= 3
    assert {(r.layer, r.code) for r in state.values()} == {tuple(d.split("/", 1)) for d in active}
    layer_models = {spec.id: spec.prop("model").allowed[0] for spec in device_layers()
                    if spec.prop("model").allowed}
    assert all(r.model == layer_models[r.layer] for r in state.values())
    assert len(get_registry().ids) > len(layer_models)
