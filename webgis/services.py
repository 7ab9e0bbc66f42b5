"""Long-running processes that `webgis up` starts beside the web server.

Each room that has them (devices: simulator and poller; the notification worker) exposes
`background_commands(database_url) -> list[(name, argv)]`; the web room only
starts and stops them, so it knows nothing of what they do.
"""

from __future__ import annotations

import importlib
import inspect

ROOMS_WITH_BACKGROUND_PROCESSES = ("devices", "services.engine.notify", "services.skpd", "services.indicators",
                                   "services.library")


def background_commands(database_url: str, **options: object) -> list[tuple[str, list[str]]]:
    """Every room's processes; `options` (e.g. pollers=3) go to the rooms that take them."""
    commands: list[tuple[str, list[str]]] = []
    for room in ROOMS_WITH_BACKGROUND_PROCESSES:
        module = importlib.import_module(room)
        provider = getattr(module, "background_commands", None)
        if provider is not None:
            wanted = {k: v for k, v in options.items() if k in inspect.signature(provider).parameters}
            commands.extend(provider(database_url, **wanted))
    return commands
