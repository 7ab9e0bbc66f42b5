"""`db start|stop|status|url|migrate|revision`: the PostGIS database (backup and restore: backup.py)."""

from __future__ import annotations

import sys

import click

from config.settings import get_settings
from webgis.cli.common import local_cluster, running_database_url


@click.group()
def db() -> None:
    """The PostGIS database (project-local unless DATABASE_URL is set)."""


@db.command()
def start() -> None:
    """Start the local cluster (initdb on first use) and create the database."""
    if not get_settings().uses_local_cluster:
        click.echo("DATABASE_URL is set: using that server, nothing to start")
        return
    running_database_url()
    click.echo(f"local PostGIS is running: {get_settings().effective_database_url}")


@db.command()
def stop() -> None:
    """Stop the local cluster."""
    if get_settings().uses_local_cluster and local_cluster().stop():
        click.echo("local PostGIS stopped")
    else:
        click.echo("local PostGIS was not running")


@db.command()
def status() -> None:
    """Say which database is used and whether it runs."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        click.echo(f"external database: {settings.effective_database_url}")
        return
    running = local_cluster().is_running()
    click.echo(f"local PostGIS {'running' if running else 'stopped'}: {settings.effective_database_url}")
    sys.exit(0 if running else 3)


@db.command()
def url() -> None:
    """Print the database URL (for psql, QGIS or notebooks)."""
    click.echo(get_settings().effective_database_url)


@db.command()
def migrate() -> None:
    """Bring the schema up to date (Alembic)."""
    from geodata.migrate import upgrade

    upgrade(running_database_url())
    click.echo("schema is up to date")


@db.command()
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a migration for what the layer declarations changed."""
    from geodata.migrate import autogenerate

    autogenerate(running_database_url(), message)
