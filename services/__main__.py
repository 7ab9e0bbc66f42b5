"""Command line of the services: `python -m services analyse [all|risk|food|...]`.

    python -m services analyse all              # every analysis, in dependency order
    python -m services analyse risk --hazard other.tif
    python -m services gtfs export angkot.zip   # the angkot layers as GTFS
    python -m services gtfs import feed.zip     # replace routes and stops with a feed
    python -m services angkot 98.672,3.595 98.650,3.540
    python -m services runs                     # provenance of the latest runs
    python -m services hazard                   # rebuild the synthetic flood-prone raster
    python -m services payments --help          # the sandbox gateway, callbacks, reconciliation
    python -m services pbb terbit --tahun 2026  # PBB-P2: SPPTs, `lihat NOP`, `realisasi` (services/pbb/cli.py)
    python -m services ppdb allocate --round 2026-smp  # PPDB rounds, zones (services/ppdb/__main__.py)
    python -m services simpeg seed|import F|agency X  # staff records and attendance (services/simpeg/cli.py)
    python -m services sirs token issue R1275644  # a hospital's bed-report token (services/sirs/cli.py)
    python -m services proyek terlambat         # projects: delay flags; `impor apbd|sirup FILE` (services/projects/cli.py)
    python -m services notify run               # the notification worker (./medan run starts it)
    python -m services layanan                  # the declared services and which engine rooms are present
    python -m services layanan overdue pbg      # a service's cases past their state's due time
    python -m services skpd probe [--once]      # the WAN probe of the offices' sites (services/skpd/cli.py)
    python -m services indicators refresh       # the indicators' summary (services/indicators/cli.py)
    python -m services perpustakaan seed|expire # the library's catalogue; reservations not picked up (services/library/cli.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from services.analysis.common import AnalysisError
from services.engine.notify.cli import notify


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group()
def main() -> None:
    """Medan WebGIS services."""


ORDER = ["poverty", "risk", "hazard_zones", "food", "transit", "access"]


@main.command()
@click.argument("which", nargs=-1, type=click.Choice(["all", *ORDER]))
@click.option("--hazard", type=click.Path(exists=True, path_type=Path), help="hazard raster for risk and hazard_zones")
def analyse(which: tuple[str, ...], hazard: Path | None) -> None:
    """Run analyses and publish their result layers with provenance.

    The heavy ones (risk, transit, access) run their parts on dask.distributed:
    the scheduler at WEBGIS_DASK_SCHEDULER, else a local cluster for this run.
    """
    from services.analysis import access, food, hazard_zones, poverty, risk, transit
    from services.analysis.distributed import analysis_runner

    runners = {"poverty": poverty.run_poverty, "risk": risk.run_risk, "food": food.run_food,
               "transit": transit.run_transit_coverage, "access": access.run_access,
               "hazard_zones": hazard_zones.run_hazard_zones}
    spread = {"risk", "transit", "access"}
    chosen = ORDER if not which or "all" in which else [n for n in ORDER if n in which]
    engine = _engine()
    bar = _ProgressBar()
    with analysis_runner(progress=bar.update) as runner:
        for name in chosen:
            options = {"hazard_path": hazard} if name in ("risk", "hazard_zones") and hazard else {}
            options |= {"runner": runner} if name in spread else {}
            bar.start(name)
            try:
                report = runners[name](engine, **options)
            except AnalysisError as exc:
                raise click.ClickException(f"{name}: {exc}") from None
            finally:
                bar.close()
            click.echo(str(report))


class _ProgressBar:
    """A tqdm bar per analysis on stderr, advanced as its parts finish (silent when not a terminal)."""

    def __init__(self) -> None:
        self._bar = None
        self._name = ""

    def start(self, name: str) -> None:
        self._name = name

    def update(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self._bar is None or done == 1:
            self.close()
            self._bar = tqdm(desc=self._name, total=total, unit=" parts", file=sys.stderr, disable=None)
        self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@main.group()
def gtfs() -> None:
    """GTFS import and export of the angkot layers."""


@gtfs.command("export")
@click.argument("path", type=click.Path(path_type=Path))
def gtfs_export(path: Path) -> None:
    from services.analysis.gtfs import export_gtfs

    click.echo(f"wrote {export_gtfs(_engine(), path)}")


@gtfs.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def gtfs_import(path: Path) -> None:
    from services.analysis.gtfs import import_gtfs

    try:
        click.echo(str(import_gtfs(_engine(), path)))
    except AnalysisError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("origin")
@click.argument("destination")
@click.option("--walk", default=400.0, help="walking radius in metres")
def angkot(origin: str, destination: str, walk: float) -> None:
    """Which angkot from ORIGIN to DESTINATION (lon,lat), at most one transfer (services/angkot)."""
    from services.angkot.describe import no_trip_message, trip_dict
    from services.angkot.planner import TripError, parse_point, plan_trip

    try:
        plan = plan_trip(_engine(), parse_point("dari", origin), parse_point("ke", destination), walk_m=walk)
    except TripError as exc:
        raise click.ClickException(str(exc)) from None
    if not plan.trips:
        click.echo(no_trip_message(plan))
    for trip in plan.trips:
        described = trip_dict(trip)
        click.echo(f"{described['label']}: jalan {described['jalan_m']} m, naik {described['naik_m'] / 1000:.1f} km, "
                   f"± {described['menit']} menit")
        for step in described["langkah"]:
            click.echo(f"  - {step['teks']}")


@main.command()
@click.option("--analysis", default=None)
def runs(analysis: str | None) -> None:
    """Provenance of the latest analysis runs."""
    from services.analysis.common import latest_runs

    for run in latest_runs(_engine(), analysis, limit=10):
        click.echo(f"{run['id']:>5} {run['analysis']:<12} {run['finished_at']:%Y-%m-%d %H:%M:%S} "
                   f"{run['actor']} outputs={run['outputs']}")


@main.command()
def hazard() -> None:
    """Rebuild the synthetic flood-prone index raster from the river file."""
    from services.analysis.hazard import write_flood_index

    click.echo(f"wrote {write_flood_index()}")


@main.group(invoke_without_command=True)
@click.pass_context
def layanan(context: click.Context) -> None:
    """Declared services (services/engine): list them, or list a service's overdue cases."""
    if context.invoked_subcommand is not None:
        return
    from services.engine import seams
    from services.engine.registry import get_services

    for spec in get_services():
        click.echo(f"{spec.id}\t{spec.agency}\t{spec.title.id}\tstates: {', '.join(s.id for s in spec.states)}")
    present = seams.available()
    click.echo("engine rooms present: " + ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in present.items()))


@layanan.command()
@click.argument("service")
def overdue(service: str) -> None:
    """The cases of SERVICE past their state's due time (as an admin sees them)."""
    from layers.access import with_roles
    from services.engine import queue

    rows = queue.list_cases(_engine(), [service], with_roles("cli", "admin"), overdue_only=True)
    for row in rows:
        click.echo(f"{row['case_ref']}\t{row['status']}\tdue {row['due_at']:%Y-%m-%d %H:%M}\t{row.get('nama_kel') or ''}")
    click.echo(f"{len(rows)} overdue")


def _add_engine_commands() -> None:
    from services.engine.payments.cli import payments_cli
    from services.indicators.cli import indicators
    from services.library.cli import perpustakaan
    from services.pbb.cli import pbb
    from services.ppdb.__main__ import main as ppdb
    from services.projects.cli import proyek
    from services.simpeg.cli import simpeg
    from services.sirs.cli import sirs
    from services.skpd.cli import skpd

    main.add_command(ppdb, name="ppdb")
    main.add_command(simpeg)
    main.add_command(proyek)
    main.add_command(payments_cli)
    main.add_command(pbb)
    main.add_command(notify)
    main.add_command(skpd)
    main.add_command(sirs)
    main.add_command(indicators)
    main.add_command(perpustakaan)


_add_engine_commands()

if __name__ == "__main__":
    sys.exit(main())
