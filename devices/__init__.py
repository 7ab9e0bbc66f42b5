"""City devices over Modbus TCP: registry, register maps, simulator, poller, storage, alarms, commands.

`background_commands` is what `webgis up` (the README's `./medan run`) starts beside the
web server: the simulator standing in for the city's fleet and the poller writing its
telemetry to PostGIS, both reading the fleet from the device layers, the adaptive
signal loop (devices/adaptivectl.py), the punch poller (devices/punchpoller.py) and the park
Wi-Fi schedule (devices/wifischedule.py).
"""

from __future__ import annotations

import sys

from sqlalchemy.engine import make_url


def background_commands(database_url: str, pollers: int | None = None) -> list[tuple[str, list[str]]]:
    """(name, argv) of the long-running device processes for a database.

    One poller by default (settings: WEBGIS_POLLER_COUNT); several share the fleet with
    leases per gateway (`--group`), each serving its metrics on a port of its own.
    """
    from config.settings import get_settings

    settings = get_settings().poller
    pollers = pollers or settings.count
    # A URL with a password would show in `ps`; the caller also exports DATABASE_URL,
    # which --from-db falls back to, so such a URL stays off the command line.
    url_args = [] if make_url(database_url).password else ["--database-url", database_url]
    commands = [("device simulator", [sys.executable, "-m", "devices", "simulate", "--from-db", *url_args])]
    for i in range(pollers):
        options = ["--group"] if pollers > 1 else []
        if settings.metrics_port:
            options += ["--metrics-port", str(settings.metrics_port + i)]
        name = "device poller" if pollers == 1 else f"device poller {i + 1} of {pollers}"
        commands.append((name, [sys.executable, "-m", "devices", "poll", "--from-db", *url_args, *options]))
    # The adaptive signal loop: idle until an operator turns it on for an intersection.
    commands.append(("adaptive signal loop", [sys.executable, "-m", "devices", "adaptive", "run", *url_args]))
    # The attendance machines' punch logs into devices.attendance_punches (devices/punchpoller.py).
    commands.append(("punch poller", [sys.executable, "-m", "devices", "punches", "run", *url_args]))
    # The park Wi-Fi schedule (devices/wifischedule.py): radios on at 16:01, off at 23:00.
    commands.append(("wifi schedule", [sys.executable, "-m", "devices", "wifi-schedule", "run", *url_args]))
    return commands
