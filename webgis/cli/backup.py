"""`db backup FILE` and `db restore FILE DATABASE_URL` (added to the db group in __init__.py)."""

from __future__ import annotations

from pathlib import Path

import click

from webgis.cli.common import fail, running_database_url


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_dump(path: Path) -> None:
    from webgis.backup import BackupError, dump

    try:
        dump(running_database_url(), path)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"dumped to {path} ({path.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target_url")
def backup_restore(path: Path, target_url: str) -> None:
    """Restore PATH into the empty database TARGET_URL (created if missing)."""
    from webgis.backup import BackupError, restore

    try:
        restore(path, target_url)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"restored {path} into {target_url}")
