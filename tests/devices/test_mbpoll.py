"""mbpoll (Debian package) reads the simulator: it speaks real Modbus TCP."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from devices.simulator import FleetEntry

pytestmark = pytest.mark.skipif(shutil.which("mbpoll") is None, reason="mbpoll not installed")


def _mbpoll(*args: str) -> str:
    # -1: poll once; -0: references are PDU addresses (0-based), like the register maps.
    done = subprocess.run(["mbpoll", "-m", "tcp", "-0", "-1", "-o", "2", *args],
                          capture_output=True, text=True, timeout=15, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _values(out: str) -> dict[int, int]:
    return {int(a): int(v) for a, v in re.findall(r"^\[(\d+)\]:\s+(-?\d+)", out, re.M)}


def test_mbpoll_reads_holding_and_input_registers(simulator, ports) -> None:
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 7, "lpju_solar_v1")])
    sim.force(port, 7, "battery_voltage", 12.34)
    sim.force(port, 7, "battery_soc", 56.7)
    out = _mbpoll("-a", "7", "-t", "3", "-r", "0", "-c", "2", "-p", str(port), "127.0.0.1")
    assert _values(out) == {0: 1234, 1: 567}
    # Holding register 0 is dim_level (default 100 %).
    out = _mbpoll("-a", "7", "-t", "4", "-r", "0", "-c", "1", "-p", str(port), "127.0.0.1")
    assert _values(out) == {0: 100}


def test_mbpoll_one_based_addressing_is_off_by_one(simulator, ports) -> None:
    (port,) = ports(1)
    sim = simulator([FleetEntry(port, 1, "lpju_solar_v1")])
    sim.force(port, 1, "battery_soc", 42.0)
    # Without -0, mbpoll counts from 1 (Modicon style): reference 2 is PDU address 1.
    done = subprocess.run(["mbpoll", "-m", "tcp", "-1", "-o", "2", "-a", "1", "-t", "3", "-r", "2",
                           "-c", "1", "-p", str(port), "127.0.0.1"],
                          capture_output=True, text=True, timeout=15, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _values(done.stdout) == {2: 420}
