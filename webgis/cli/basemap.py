"""`basemap import FILE.osm.pbf`: streets, places and points of interest from OpenStreetMap."""

from __future__ import annotations

from pathlib import Path

import click

from webgis.cli.common import actor, engine, fail_on_layer_errors


@click.group()
def basemap() -> None:
    """The offline basemap's streets and places (OpenStreetMap, ODbL)."""


@basemap.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", "who", default=actor)
@fail_on_layer_errors
def import_(path: Path, who: str) -> None:
    """Replace the streets, places and points of interest with those of an .osm.pbf or .osm
    extract that lie inside Kota Medan (all three layers or none)."""
    from geodata.osm import import_extract

    reports = import_extract(engine(), path, actor=who)
    for layer, report in reports.items():
        click.echo(f"{layer}: {report.inserted} features loaded, {report.deleted} replaced")
    click.echo("© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)")
