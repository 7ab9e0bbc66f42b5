"""`basemap import FILE.osm.pbf`: streets, places and points of interest from OpenStreetMap;
`basemap graph`: rebuild the driving graph (services/routing) from the streets loaded."""

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
    extract that lie inside Kota Medan (all three layers or none), and rebuild the driving
    graph from the new streets in the same transaction."""
    from geodata.osm import import_extract
    from layers.tables import transaction
    from services.routing.graph import rebuild

    with transaction(engine(), who) as conn:
        reports = import_extract(conn, path, actor=who)
        build = rebuild(conn, actor=who)
    for layer, report in reports.items():
        click.echo(f"{layer}: {report.inserted} features loaded, {report.deleted} replaced")
    click.echo(f"driving graph: {build.edges} edges, {build.vertices} junctions")
    click.echo("© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)")


@basemap.command("graph")
@click.option("--actor", "who", default=actor)
@fail_on_layer_errors
def graph(who: str) -> None:
    """Rebuild the driving graph (pgRouting) from the streets loaded."""
    from services.routing.graph import rebuild

    build = rebuild(engine(), actor=who)
    click.echo(f"driving graph: {build.edges} edges, {build.vertices} junctions from {build.roads} streets")
