"""`layers list|import|export|history|restore`: work with layers and their features' history."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from tqdm import tqdm

from webgis.cli.common import actor, engine, fail_on_layer_errors


@click.group()
def layers() -> None:
    """List, import, export layers; see and restore feature history."""


@layers.command("list")
def list_layers() -> None:
    from layers import count_features
    from layers.registry import get_registry

    db = engine()
    for spec in get_registry():
        click.echo(f"{spec.id:<22} {spec.geometry:<16} {count_features(db, spec.id):>8}  {spec.title.id}")


def _progress_bar(description: str) -> tuple[tqdm, Callable[[int, int], None]]:
    bar = tqdm(desc=description, unit=" rows", file=sys.stderr, disable=None)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return bar, update


@layers.command("import")
@click.argument("layer_id")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["append", "replace", "upsert"]), default="append")
@click.option("--crs", help="CRS of the file when it does not say (e.g. EPSG:32647)")
@click.option("--repair/--no-repair", default=False, help="repair invalid geometries (with a warning)")
@click.option("--actor", "who", default=actor)
@fail_on_layer_errors
def import_(layer_id: str, path: Path, mode: str, crs: str | None, repair: bool, who: str) -> None:
    """Load a GeoJSON, GeoPackage, zipped Shapefile or CSV into a layer (all or nothing)."""
    from layers.files import import_file

    bar, progress = _progress_bar(f"import {path.name}")
    report = import_file(engine(), layer_id, path, actor=who, mode=mode, crs=crs, repair=repair, progress=progress)
    bar.close()
    for warning in report.repaired:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{layer_id}: {report.rows} rows read, {report.inserted} inserted, "
               f"{report.updated} updated, {report.deleted} deleted")


@layers.command("export")
@click.argument("layer_id")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "shapefile", "csv"]))
@fail_on_layer_errors
def export(layer_id: str, path: Path, fmt: str | None) -> None:
    """Write a layer to a file (format from the suffix unless given)."""
    from layers.files import export_layer

    count = export_layer(engine(), layer_id, path, fmt=fmt)
    click.echo(f"{layer_id}: {count} features written to {path}")


@layers.command()
@click.argument("layer_id")
@click.argument("fid", type=int)
@fail_on_layer_errors
def history(layer_id: str, fid: int) -> None:
    """Show every recorded change of one feature."""
    from layers import feature_history

    for entry in feature_history(engine(), layer_id, fid):
        click.echo(f"#{entry['id']:<8} {entry['at']:%Y-%m-%d %H:%M:%S} {entry['op']:<7} by {entry['actor']}")


@layers.command()
@click.argument("layer_id")
@click.argument("fid", type=int)
@click.argument("history_id", type=int)
@click.option("--actor", "who", default=actor)
@fail_on_layer_errors
def restore(layer_id: str, fid: int, history_id: int, who: str) -> None:
    """Bring a feature back to the state of history entry HISTORY_ID."""
    from layers import restore_feature

    version = restore_feature(engine(), layer_id, fid, history_id, actor=who)
    click.echo(f"{layer_id}/{fid} restored from #{history_id}, now version {version}")
