"""`db pitr setup|backup|info|restore`: WAL archiving and point-in-time recovery (geodata/pitr.py).

    python -m webgis db pitr setup                     # archive_command on, stanza, check
    python -m webgis db pitr backup [--type full]      # full, diff or incr
    python -m webgis db pitr info                      # backups and the earliest reachable moment
    python -m webgis db pitr restore --to "2026-12-07 16:30:00+07:00"              # in place
    python -m webgis db pitr restore --to "..." --into /srv/medan-copy --port 25519  # a copy beside it
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from config.settings import get_settings
from webgis.cli.common import fail, local_cluster


def _pitr():  # noqa: ANN202
    from geodata.pitr import Pitr

    if not get_settings().uses_local_cluster:
        fail("DATABASE_URL names an external server: configure WAL archiving (pgBackRest) on that server; "
             "these commands manage the project-local cluster")
    return Pitr(local_cluster())


def _moment(text: str) -> datetime:
    """An ISO 8601 moment; without a zone it is read as UTC (and said so)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"cannot read {text!r} as a moment; write e.g. 2026-12-07T16:30:00+07:00")
    if moment.tzinfo is None:
        click.echo(f"no time zone in {text!r}: read as UTC", err=True)
        moment = moment.replace(tzinfo=UTC)
    return moment


@click.group()
def pitr() -> None:
    """Point-in-time recovery of the local cluster with pgBackRest (beside `db backup`)."""


@pitr.command()
def setup() -> None:
    """Archive every WAL segment into the repository beside the cluster (restarts it once)."""
    from geodata.pitr import PitrError

    tool = _pitr()
    try:
        tool.setup()
    except PitrError as exc:
        fail(str(exc))
    click.echo(f"WAL archiving on; repository {tool.repository}. Take a full backup: db pitr backup")


@pitr.command()
@click.option("--type", "kind", type=click.Choice(["full", "diff", "incr"]), default="full", show_default=True)
def backup(kind: str) -> None:
    """Back up the running cluster into the repository."""
    from geodata.pitr import PitrError

    try:
        entry = _pitr().backup(kind)
    except PitrError as exc:
        fail(str(exc))
    stop = datetime.fromtimestamp(entry["timestamp"]["stop"], UTC)
    click.echo(f"{entry['type']} backup {entry['label']} ({entry['info']['size']} bytes), done {stop.isoformat()}")


@pitr.command()
def info() -> None:
    """The backups in the repository and the earliest moment a restore can reach."""
    from geodata.pitr import PitrError

    tool = _pitr()
    try:
        backups = tool.backups()
    except PitrError as exc:
        fail(str(exc))
    for entry in backups:
        stop = datetime.fromtimestamp(entry["timestamp"]["stop"], UTC)
        click.echo(f"{entry['label']:<36} {entry['type']:<5} {stop.isoformat()}  {entry['info']['size']} bytes")
    earliest = tool.reachable_from()
    click.echo(f"restorable from {earliest.isoformat()} to now" if earliest else "no backup yet")


@pitr.command()
@click.option("--to", "to", required=True, help="the moment to recover to, ISO 8601 (UTC if no zone given)")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="restore into this new directory instead of the cluster's own")
@click.option("--port", type=int, default=None, help="with --into: start the copy on 127.0.0.1:PORT")
@click.option("--yes", is_flag=True, help="in place: do not ask before stopping the cluster")
def restore(to: str, into: Path | None, port: int | None, yes: bool) -> None:
    """Recover the database to a moment: in place (the current data directory is kept aside) or as a copy."""
    from geodata.pitr import PitrError

    tool = _pitr()
    moment = _moment(to)
    if into is None and not yes:
        click.confirm(f"Stop the cluster and bring it back to {moment.isoformat()}? The current data directory "
                      "is moved aside, not deleted.", abort=True)
    try:
        report = tool.restore(moment, into=into)
        url = tool.start_copy(report.data_dir, port) if into is not None and port else None
    except PitrError as exc:
        fail(str(exc))
    click.echo(f"restored to {moment.isoformat()} in {report.seconds:.1f} s: {report.data_dir}")
    if report.set_aside:
        click.echo(f"the data directory as it was is in {report.set_aside} (delete it once satisfied)")
    if url:
        click.echo(f"the copy runs at {url}")
