"""`seed [LAYER ...]`: load Medan's data into the layers."""

from __future__ import annotations

import click

from webgis.cli.common import engine, fail_on_layer_errors


@click.command()
@click.argument("layer_ids", nargs=-1)
@fail_on_layer_errors
def seed(layer_ids: tuple[str, ...]) -> None:
    """Load Medan's data into the layers (idempotent)."""
    from geodata.seed import seed_all

    click.echo("seeding layers:")
    seed_all(engine(), only=list(layer_ids) or None, echo=click.echo)
