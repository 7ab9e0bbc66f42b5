"""Regional performance indicators (issue 19 item 7): declared once, computed from the layers,
kept in a summary table for the dashboard, each figure with its provenance."""

import sys


def background_commands(database_url: str) -> list[tuple[str, list[str]]]:
    """What `webgis up` (./medan run) starts: the summary refreshed every 15 minutes, so the figures
    fed after the first run (attendance punches, bed reports, PPDB decisions) reach /dasbor.
    The database comes from DATABASE_URL."""
    return [("indicators refresher", [sys.executable, "-m", "services", "indicators", "run"])]
