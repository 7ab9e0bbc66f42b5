"""`python -m services proyek ...`: the projects service from the command line (an agency's nightly job).

    python -m services proyek terlambat                       # recompute planned progress and delay flags
    python -m services proyek impor apbd APBD-2027.xlsx --sebagai user:ani --skpd DISDIK
    python -m services proyek impor sirup SiRUP-2027.csv --sebagai user:ani --skpd DISDIK
"""

from __future__ import annotations

from pathlib import Path

import click

from layers.access import Principal
from services.engine.said import EngineError
from services.projects import importer, lifecycle


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group(name="proyek")
def proyek() -> None:
    """City projects: delay flags, APBD/SiRUP imports."""


@proyek.command(name="terlambat")
def refresh() -> None:
    """Recompute every construction project's planned S-curve value and delay flag as of today."""
    click.echo(f"{lifecycle.refresh_delays(_engine())} project(s) changed")


@proyek.command(name="impor")
@click.argument("kind", type=click.Choice(["apbd", "sirup"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sebagai", "actor", required=True, help="who imports (recorded in history), e.g. user:ani")
@click.option("--skpd", "agencies", multiple=True, required=True, help="the importer's agency (repeatable)")
def load(kind: str, path: Path, actor: str, agencies: tuple[str, ...]) -> None:
    """Load a CSV/XLSX export whole or not at all; each wrong row is named."""
    who = Principal(actor=actor, roles=frozenset({"staff"}), agencies=frozenset(a.upper() for a in agencies))
    run = importer.import_sirup if kind == "sirup" else importer.import_apbd
    try:
        report = run(_engine(), path.read_bytes(), path.name, who)
    except EngineError as exc:
        raise click.ClickException("\n".join([str(exc.args[0]), *map(str, exc.problems)])) from None
    click.echo(f"{report.kind}: {report.rows} row(s), projects {', '.join(report.projects)}")
