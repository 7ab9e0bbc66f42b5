"""Where the demo city's devices answer: the Modbus addressing of the seed and the simulator.

The seed of the device layers gives each device its address by this plan and the
simulator's standard fleet (devices/simulator.py) follows it, so the simulator and the
poller meet on the same ports with or without the database.
"""

from __future__ import annotations

# Modbus addressing shared with the device simulator: device i of a kind answers on
# port BASE + i // 247 with unit id i % 247 + 1 (247 is the largest Modbus unit id).
MODBUS_HOST = "127.0.0.1"
MODBUS_UNITS_PER_PORT = 247
CCTV_PORT_BASE = 15020
ATCS_PORT_BASE = 15021
STREET_LIGHT_PORT_BASE = 15022
# Street lights take 15022.. (3 ports for the seed's 600); offices start well clear of them.
ATTENDANCE_PORT_BASE = 15030
# Park Wi-Fi access points (devices/wifischedule.py switches their radios).
WIFI_PORT_BASE = 15040


def modbus_port(port_base: int, index: int) -> int:
    """TCP port of the index-th device (0-based) of a kind whose first port is port_base."""
    return port_base + index // MODBUS_UNITS_PER_PORT


def modbus_unit(index: int) -> int:
    """Modbus unit id (1..247) of the index-th device (0-based) of a kind."""
    return index % MODBUS_UNITS_PER_PORT + 1


__all__ = ["ATCS_PORT_BASE", "ATTENDANCE_PORT_BASE", "CCTV_PORT_BASE", "MODBUS_HOST",
           "MODBUS_UNITS_PER_PORT", "STREET_LIGHT_PORT_BASE", "WIFI_PORT_BASE", "modbus_port", "modbus_unit"]
