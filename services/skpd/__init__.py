"""Agencies (SKPD): the vocabulary of agency codes, their offices, public profiles with due-time
performance, and the city WAN between the offices with its probe (issue 19, item 3)."""

from __future__ import annotations

import sys


def background_commands(database_url: str) -> list[tuple[str, list[str]]]:
    """What `webgis up` (./medan run) starts: the network probe, only when WEBGIS_NETPROBE_ENABLED
    is set (config/settings.py says why it is off by default). The database comes from DATABASE_URL."""
    from config.settings import get_settings

    if not get_settings().netprobe.enabled:
        return []
    return [("network probe", [sys.executable, "-m", "services", "skpd", "probe"])]
