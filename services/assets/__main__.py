"""`python -m services.assets ...`: SIMBADA from the command line.

    python -m services.assets import KIB_B_DISHUB.xlsx --opd DISHUB --actor user:ani   # an agency's KIB sheet
    python -m services.assets tanya --kib A --bahaya flood --kelas high              # a planner's question
    python -m services.assets riwayat C.DISDIK.2019.000123                            # transfers and conditions
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from services.errors import ServiceError


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group()
def main() -> None:
    """SIMBADA: the city's assets."""


@main.command("import")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--opd", "agency", default=None, help="agency code for rows without an OPD column (e.g. DISDIK)")
@click.option("--actor", default="cli", help="who imports (recorded in history)")
def import_sheet(sheet: Path, agency: str | None, actor: str) -> None:
    """Register every asset of a KIB sheet (CSV or XLSX), all or nothing."""
    from services.assets.importer import ImportRejected, import_kib

    try:
        report = import_kib(_engine(), sheet, actor=actor, agency=agency)
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(str(exc).split(":")[0]) from None
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(report.codes)} aset didaftarkan")


@main.command("tanya")
@click.option("--kib", default=None)
@click.option("--kondisi", default=None, help="baik, rusak_ringan, rusak_berat or poor")
@click.option("--bahaya", "hazard", default=None, help="flood")
@click.option("--kelas", "min_class", default="high")
@click.option("--dekat", "near", default=None, help="schools, health_facilities")
@click.option("--jarak", "within_m", type=float, default=None, help="metres")
def ask(kib: str | None, kondisi: str | None, hazard: str | None, min_class: str, near: str | None,
        within_m: float | None) -> None:
    """The assets that answer a planner's question, as CSV on stdout."""
    from services.assets.queries import PlannerQueryError, assets_in

    try:
        found = assets_in(_engine(), kib=kib, condition=kondisi, hazard=hazard, min_class=min_class, near=near,
                          within_m=within_m)
    except PlannerQueryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(found.drop(columns="geometry").to_csv(index=False), nl=False)


@main.command("riwayat")
@click.argument("kode_aset")
def history(kode_aset: str) -> None:
    """An asset's transfers between agencies and changes of condition."""
    from services.assets.records import asset_history

    try:
        found = asset_history(_engine(), kode_aset)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    for kind, events in found.items():
        for event in events:
            click.echo(f"{kind}\t{event['at']}\t{event['from']} -> {event['to']}\t{event['actor']}\t{event['note'] or ''}")


if __name__ == "__main__":
    sys.exit(main())
