"""`serve [--dev] [--instances N] [--pooled]`, `up` (database, migrations, seed, background services,
then serve; same options) and
`assets`: running the platform, and how it is served (gunicorn_command, also used by benchmarks/)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click

from config.settings import PROJECT_ROOT, get_settings
from webgis.cli.common import engine, running_database_url
from webgis.cli.db import migrate
from webgis.cli.seed import seed


@click.command()
def assets() -> None:
    """Copy the front-end packages (installed by npm ci) into webgis/static/vendor."""
    from webgis.assets import vendor_assets

    for line in vendor_assets():
        click.echo(line)


INSTANCES = click.option("--instances", type=click.IntRange(1, 16), default=1,
                         help="gunicorn instances behind HAProxy on the web port (webgis/cli/fleet.py)")
POOLED = click.option("--pooled", is_flag=True, help="the instances reach PostgreSQL through PgBouncer (transaction mode)")
WORKERS = click.option("--workers", type=click.IntRange(1, 64), default=None,
                       help="workers per instance (default WEBGIS_WEB_WORKERS)")


@click.command()
@click.option("--dev", is_flag=True, help="Flask's development server (auto-reload) instead of gunicorn")
@INSTANCES
@POOLED
@WORKERS
def serve(dev: bool, instances: int, pooled: bool, workers: int | None) -> None:
    """Serve the WebGIS (gunicorn with several workers; --instances N: N of them behind HAProxy)."""
    settings = get_settings()
    env = {**os.environ, "DATABASE_URL": running_database_url()}
    if instances > 1 or pooled:
        from webgis.cli.fleet import plan_fleet, run_fleet

        plan = plan_fleet(settings, env["DATABASE_URL"], instances, pooled, workers)
        for port in (plan.port, *plan.instance_ports):
            _refuse_a_busy_port(settings.web.host if port == plan.port else "127.0.0.1", port)
        run_fleet(plan, gunicorn_command)
        return
    if dev:
        from webgis.app import create_app

        create_app().run(host=settings.web.host, port=settings.web.port, debug=True)
        return
    _refuse_a_busy_port(settings.web.host, settings.web.port)
    command = gunicorn_command(f"{settings.web.host}:{settings.web.port}", workers or settings.web.workers)
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
            "--worker-class", "gthread", "--threads", "4", "--reuse-port",
            # Prometheus multiprocess mode: the workers' metrics summed at /metrics (webgis/metrics.py).
            "--config", "python:webgis.gunicorn_hooks"]


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


@click.command()
@INSTANCES
@POOLED
@WORKERS
@click.option("--pollers", type=click.IntRange(1, 64), default=None,
              help="device poller processes sharing the fleet by leases (default: WEBGIS_POLLER_COUNT, else 1)")
@click.pass_context
def up(ctx: click.Context, instances: int, pooled: bool, workers: int | None, pollers: int | None) -> None:
    """Database, migrations, seed data, device simulator and poller(s), then serve."""
    ctx.invoke(migrate)
    ctx.invoke(seed)
    _issue_this_periods_bills()
    _seed_staff()
    _seed_service_figures()
    _refresh_indicators()  # after every seed it reads (hospital beds and school funds were missing before)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # stop children on `kill` too
    children = _start_background_services(pollers)
    env = {**os.environ, "DATABASE_URL": running_database_url()}
    serve_command = [sys.executable, "-m", "webgis", "serve", "--instances", str(instances)]
    serve_command += (["--pooled"] if pooled else []) + (["--workers", str(workers)] if workers else [])
    children.append(subprocess.Popen(serve_command, env=env, cwd=PROJECT_ROOT))
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


def _issue_this_periods_bills() -> None:
    """The tariff year's PBB bills (SPPT) and this month's waste fees for the seeded parcels and
    payers, so /pbb and /retribusi-sampah answer from the first run (idempotent: what is already
    issued is skipped)."""
    from services.pbb.billing import issue_year
    from services.pbb.rules import pbb_tariff
    from services.waste.billing import issue_month, this_month

    click.echo(str(issue_year(engine(), pbb_tariff().year)))
    click.echo(f"retribusi sampah {this_month()}: {issue_month(engine(), this_month())} tagihan terbit")


def _refresh_indicators() -> None:
    """The indicators' summary over what was just seeded and issued, so /dasbor has figures from the
    first run (then the refresher among the background services keeps it current)."""
    from services.indicators.summary import refresh

    for done in refresh(engine()):
        click.echo(f"indikator {done.indicator}: {done.rows} baris")


def _seed_staff() -> None:
    """SIMPEG's synthetic staff (idempotent), before the simulator enrols them on their offices' machines."""
    from services.simpeg.seed import seed_staff

    click.echo(f"simpeg: {seed_staff(engine())} pegawai (sintetis)")


def _seed_service_figures() -> None:
    """The synthetic figures of the services that keep no layer of their own, so their pages answer
    from the first run (hospital beds, school funds, counts per kelurahan); a seeded database is left alone."""
    from services.kelurahan_counts.seed import seed as seed_counts
    from services.library.seed import seed_catalogue
    from services.schoolfunds.seed import seed as seed_funds
    from services.sirs.seed import seed as seed_beds

    click.echo(f"sirs: {seed_beds(engine())} rumah sakit diisi data tempat tidur sintetis")
    click.echo(f"dana sekolah: {seed_funds(engine())} baris sintetis")
    click.echo(f"angka per kelurahan: {seed_counts(engine())} baris sintetis")
    click.echo(f"perpustakaan: {seed_catalogue(engine())} judul sintetis")


def _raise_keyboard_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _start_background_services(pollers: int | None = None) -> list[subprocess.Popen]:
    """Other rooms' long-running processes (device simulator and pollers) when present."""
    from webgis.services import background_commands

    env = {**os.environ, "DATABASE_URL": running_database_url()}
    children = []
    for name, command in background_commands(env["DATABASE_URL"], pollers=pollers):
        click.echo(f"starting {name}: {' '.join(command)}", err=True)
        children.append(subprocess.Popen(command, env=env, cwd=PROJECT_ROOT))
    return children
