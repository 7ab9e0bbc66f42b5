"""`db replica add|list|start|stop|remove`: streaming replicas of the local cluster (geodata/replicas.py),
and `db pooler`: PgBouncer in transaction mode in front of the primary and its replicas (pooler.py)."""

from __future__ import annotations

import click

from config.settings import get_settings
from webgis.cli.common import fail, running_database_url


@click.group()
def replica() -> None:
    """Streaming read replicas of the local cluster, on loopback."""


def _local_primary():  # noqa: ANN202
    settings = get_settings()
    if not settings.uses_local_cluster:
        fail("DATABASE_URL is set: replicas of an external server are made by its administrator; "
             "list them in WEBGIS_DB_REPLICAS")
    running_database_url()  # the primary runs, with its database
    return settings.pg


@replica.command("add")
@click.option("--port", type=int, default=None, help="port of the replica (default: the first free one after the primary's)")
def replica_add(port: int | None) -> None:
    """Copy the primary with pg_basebackup and start it as a streaming replica."""
    from geodata.cluster import ClusterError
    from geodata.replicas import add_replica

    primary = _local_primary()
    port = port or _free_port_after(primary.port)
    try:
        replica_cluster = add_replica(primary, port)
    except ClusterError as exc:
        fail(str(exc))
    click.echo(f"replica running: {replica_cluster.url()} (reads go to it once the web is restarted)")


@replica.command("list")
def replica_list() -> None:
    """The primary and each replica, with its replay position."""
    from geodata.replicas import replica_states

    settings = get_settings()
    click.echo(f"primary  {settings.effective_database_url}")
    if not settings.uses_local_cluster:
        for url in settings.replica_urls:
            click.echo(f"replica  {url}")
        return
    for state in replica_states(settings.pg):
        status = f"running, replayed up to {state.replay_lsn}" if state.running else "stopped"
        click.echo(f"replica  postgresql://{settings.pg.user}@{settings.pg.host}:{state.port}/{settings.pg.database}"
                   f"  {status}")


@replica.command("start")
@click.argument("port", type=int)
def replica_start(port: int) -> None:
    """Start a stopped replica (it catches up from its slot on the primary)."""
    from geodata.replicas import replica_cluster

    cluster = replica_cluster(_local_primary(), port)
    if not cluster.is_initialised():
        fail(f"no replica on port {port}")
    cluster.start()
    click.echo(f"replica on port {port} running")


@replica.command("stop")
@click.argument("port", type=int)
def replica_stop(port: int) -> None:
    """Stop a replica (reads go elsewhere; its slot keeps the WAL it will need)."""
    from geodata.replicas import replica_cluster

    stopped = replica_cluster(get_settings().pg, port).stop()
    click.echo(f"replica on port {port} {'stopped' if stopped else 'was not running'}")


@replica.command("remove")
@click.argument("port", type=int)
def replica_remove(port: int) -> None:
    """Stop a replica, delete its files and drop its replication slot."""
    from geodata.replicas import remove_replica

    remove_replica(_local_primary(), port)
    click.echo(f"replica on port {port} removed")


def _free_port_after(port: int) -> int:
    import socket

    for candidate in range(port + 1, port + 50):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    fail(f"no free port in {port + 1}..{port + 49}: give one with --port")
