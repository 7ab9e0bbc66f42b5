"""Long-running processes that `webgis up` starts beside the web server."""

from __future__ import annotations

import importlib.util
import sys


def background_commands() -> list[tuple[str, list[str]]]:
    """(name, argv) of each background process; a room that is not there yet starts nothing."""
    commands = []
    if importlib.util.find_spec("devices.__main__") is not None:
        commands.append(("device simulator", [sys.executable, "-m", "devices", "simulate", "--from-db"]))
        commands.append(("device poller", [sys.executable, "-m", "devices", "poll"]))
    return commands
