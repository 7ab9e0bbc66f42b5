"""Long-running processes that `webgis up` starts beside the web server.

Each room that has them (devices: simulator and poller; the notification worker) exposes
`background_commands(database_url) -> list[(name, argv)]`; the web room only
starts and stops them, so it knows nothing of what they do.
"""

from __future__ import annotations

import importlib

ROOMS_WITH_BACKGROUND_PROCESSES = ("devices", "services.engine.notify")


def background_commands(database_url: str) -> list[tuple[str, list[str]]]:
    commands: list[tuple[str, list[str]]] = []
    for room in ROOMS_WITH_BACKGROUND_PROCESSES:
        module = importlib.import_module(room)
        provider = getattr(module, "background_commands", None)
        if provider is not None:
            commands.extend(provider(database_url))
    return commands
