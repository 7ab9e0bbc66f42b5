"""The digital library (issue 20 item 5): the city library's branches and the mobile library's stops
on the map, a catalogue with a typo-tolerant search, membership, and reservations picked up at a
chosen branch. Flask-free; the /perpustakaan pages, the CLI and notebooks call the same functions."""

import sys

EXPIRY_PASS_S = 300  # a reservation past its deadline is closed (and its copy freed) within 5 minutes


def background_commands(database_url: str) -> list[tuple[str, list[str]]]:
    """What `webgis up` (./medan run) starts beside the web server: the reservations' expiry pass.
    The database comes from DATABASE_URL, which the caller exports (kept off the command line)."""
    return [("library reservation expiry",
             [sys.executable, "-m", "services", "perpustakaan", "expire", "--every", str(EXPIRY_PASS_S)])]
