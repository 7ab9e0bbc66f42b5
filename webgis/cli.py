"""The platform's command line: `python -m webgis ...`.

    db start|stop|status|migrate|url|revision   the database
    seed [LAYER ...]                             load Medan's data
    layers list|import|export|history|restore    work with layers
    serve [--dev]                                the web server
    up                                           all of the above, then serve
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from tqdm import tqdm

from config.settings import PROJECT_ROOT, get_settings


def _cluster():  # noqa: ANN202
    from geodata.cluster import LocalCluster

    return LocalCluster(get_settings().pg)


def database_url(start: bool = True) -> str:
    """The database to use; with no DATABASE_URL the local cluster, started if needed."""
    settings = get_settings()
    if settings.uses_local_cluster and start:
        from geodata.cluster import ensure_database

        cluster = _cluster()
        if cluster.start():
            click.echo(f"started local PostGIS on {settings.pg.host}:{settings.pg.port} ({cluster.data_dir})", err=True)
        ensure_database(cluster.url("postgres"), settings.pg.database)
    return settings.effective_database_url


def _engine():  # noqa: ANN202
    from layers.db import engine_for

    return engine_for(database_url())


def _fail_on_layer_errors(fn):  # noqa: ANN001, ANN202
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        from layers.errors import LayerError

        try:
            return fn(*args, **kwargs)
        except LayerError as exc:
            click.echo(f"error: {exc.message}", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            sys.exit(2)

    return wrapper


@click.group()
def main() -> None:
    """Medan WebGIS."""


# ---------------------------------------------------------------- db
@main.group()
def db() -> None:
    """The PostGIS database (project-local unless DATABASE_URL is set)."""


@db.command()
def start() -> None:
    """Start the local cluster (initdb on first use) and create the database."""
    if not get_settings().uses_local_cluster:
        click.echo("DATABASE_URL is set: using that server, nothing to start")
        return
    database_url()
    click.echo(f"local PostGIS is running: {get_settings().effective_database_url}")


@db.command()
def stop() -> None:
    """Stop the local cluster."""
    if get_settings().uses_local_cluster and _cluster().stop():
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
    running = _cluster().is_running()
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

    upgrade(database_url())
    click.echo("schema is up to date")


@db.command()
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a migration for what the layer declarations changed."""
    from geodata.migrate import autogenerate

    autogenerate(database_url(), message)


# ---------------------------------------------------------------- seed
@main.command()
@click.argument("layer_ids", nargs=-1)
@_fail_on_layer_errors
def seed(layer_ids: tuple[str, ...]) -> None:
    """Load Medan's data into the layers (idempotent)."""
    from geodata.seed import seed_all

    click.echo("seeding layers:")
    seed_all(_engine(), only=list(layer_ids) or None, echo=click.echo)


# ---------------------------------------------------------------- layers
@main.group()
def layers() -> None:
    """List, import, export layers; see and restore feature history."""


@layers.command("list")
def list_layers() -> None:
    from layers import count_features
    from layers.registry import get_registry

    engine = _engine()
    for spec in get_registry():
        click.echo(f"{spec.id:<22} {spec.geometry:<16} {count_features(engine, spec.id):>8}  {spec.title.id}")


def _progress_bar(description: str):  # noqa: ANN202
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
@click.option("--actor", default=lambda: f"cli:{os.environ.get('USER', 'unknown')}")
@_fail_on_layer_errors
def import_(layer_id: str, path: Path, mode: str, crs: str | None, repair: bool, actor: str) -> None:
    """Load a GeoJSON, GeoPackage, zipped Shapefile or CSV into a layer (all or nothing)."""
    from layers.files import import_file

    bar, progress = _progress_bar(f"import {path.name}")
    report = import_file(_engine(), layer_id, path, actor=actor, mode=mode, crs=crs, repair=repair, progress=progress)
    bar.close()
    for warning in report.repaired:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{layer_id}: {report.rows} rows read, {report.inserted} inserted, "
               f"{report.updated} updated, {report.deleted} deleted")


@layers.command("export")
@click.argument("layer_id")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "shapefile", "csv"]))
@_fail_on_layer_errors
def export(layer_id: str, path: Path, fmt: str | None) -> None:
    """Write a layer to a file (format from the suffix unless given)."""
    from layers.files import export_layer

    count = export_layer(_engine(), layer_id, path, fmt=fmt)
    click.echo(f"{layer_id}: {count} features written to {path}")


@layers.command()
@click.argument("layer_id")
@click.argument("fid", type=int)
@_fail_on_layer_errors
def history(layer_id: str, fid: int) -> None:
    """Show every recorded change of one feature."""
    from layers import feature_history

    for entry in feature_history(_engine(), layer_id, fid):
        click.echo(f"#{entry['id']:<8} {entry['at']:%Y-%m-%d %H:%M:%S} {entry['op']:<7} by {entry['actor']}")


@layers.command()
@click.argument("layer_id")
@click.argument("fid", type=int)
@click.argument("history_id", type=int)
@click.option("--actor", default=lambda: f"cli:{os.environ.get('USER', 'unknown')}")
@_fail_on_layer_errors
def restore(layer_id: str, fid: int, history_id: int, actor: str) -> None:
    """Bring a feature back to the state of history entry HISTORY_ID."""
    from layers import restore_feature

    version = restore_feature(_engine(), layer_id, fid, history_id, actor=actor)
    click.echo(f"{layer_id}/{fid} restored from #{history_id}, now version {version}")


# ---------------------------------------------------------------- front-end
@main.command()
def assets() -> None:
    """Copy the front-end packages (installed by npm ci) into webgis/static/vendor."""
    from webgis.assets import vendor_assets

    for line in vendor_assets():
        click.echo(line)


# ---------------------------------------------------------------- serve / up
@main.command()
@click.option("--dev", is_flag=True, help="Flask's development server (auto-reload) instead of gunicorn")
def serve(dev: bool) -> None:
    """Serve the WebGIS (gunicorn with several workers)."""
    settings = get_settings()
    env = {**os.environ, "DATABASE_URL": database_url()}
    if dev:
        from webgis.app import create_app

        create_app().run(host=settings.web.host, port=settings.web.port, debug=True)
        return
    _refuse_a_busy_port(settings.web.host, settings.web.port)
    command = gunicorn_command(f"{settings.web.host}:{settings.web.port}", settings.web.workers)
    command += ["--access-logfile", "-", "--timeout", "120", "--graceful-timeout", "10"]
    click.echo(f"serving Medan WebGIS at http://{settings.web.host}:{settings.web.port}", err=True)
    os.execve(sys.executable, command, env)


def gunicorn_command(bind: str, workers: int, app: str = "webgis.wsgi:app") -> list[str]:
    """How the platform is served, here and by the benchmarks: gunicorn, `workers`
    processes of 4 threads (a request waiting on PostgreSQL leaves the GIL to another).

    --reuse-port gives each worker its own listening socket, so the kernel spreads
    connections over them: with one shared socket a few keep-alive clients could all
    be accepted by one worker while the other idled (cached tiles at c=8 swung between
    ~520 and ~1,130 req/s from run to run with that split).
    """
    return [sys.executable, "-m", "gunicorn", app, "--bind", bind, "--workers", str(workers),
            "--worker-class", "gthread", "--threads", "4", "--reuse-port"]


def _refuse_a_busy_port(host: str, port: int) -> None:
    """With --reuse-port a second server on the same port would share it silently; fail instead."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # like gunicorn: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror}; "
                                       "is the WebGIS already running? (WEBGIS_WEB_PORT picks another port)") from None


@main.command()
@click.pass_context
def up(ctx: click.Context) -> None:
    """Database, migrations, seed data, device simulator and poller, then serve."""
    ctx.invoke(migrate)
    ctx.invoke(seed)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # stop children on `kill` too
    children = _start_background_services()
    env = {**os.environ, "DATABASE_URL": database_url()}
    children.append(subprocess.Popen([sys.executable, "-m", "webgis", "serve"], env=env, cwd=PROJECT_ROOT))
    try:
        children[-1].wait()
    except KeyboardInterrupt:
        click.echo("stopping", err=True)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def _raise_keyboard_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _start_background_services() -> list[subprocess.Popen]:
    """Other rooms' long-running processes (device simulator and poller) when present."""
    from webgis.services import background_commands

    env = {**os.environ, "DATABASE_URL": database_url()}
    children = []
    for name, command in background_commands(env["DATABASE_URL"]):
        click.echo(f"starting {name}: {' '.join(command)}", err=True)
        children.append(subprocess.Popen(command, env=env, cwd=PROJECT_ROOT))
    return children


from webgis.cli_accounts import register as _register_account_commands  # noqa: E402

_register_account_commands(main)
