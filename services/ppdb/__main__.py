"""Command line of PPDB zoning: `python -m services.ppdb zones [--force]`.

Run it after schools change outside the pages (a bulk `webgis layers import
schools ...`); the PPDB pages also recompute stale zones before drawing them.
"""

from __future__ import annotations

import sys

import click


@click.group()
def main() -> None:
    """PPDB school zoning."""


@main.command()
@click.option("--force", is_flag=True, help="recompute every zone, not only those whose school changed")
def zones(force: bool) -> None:
    """Recompute the school_zones layer from the schools layer."""
    from config import database_url
    from layers import engine_for
    from services.ppdb.zones import recompute_zones

    click.echo(str(recompute_zones(engine_for(database_url()), force=force)))


if __name__ == "__main__":
    sys.exit(main())
