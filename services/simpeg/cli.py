"""`python -m services simpeg seed|import|agency|rebuild`: staff records and attendance from the command line."""

from __future__ import annotations

from pathlib import Path

import click


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group("simpeg")
def simpeg() -> None:
    """SIMPEG: staff records, leave, attendance from the machines' punches."""


@simpeg.command("seed")
def seed() -> None:
    """The synthetic staff of the kecamatan and kelurahan offices (idempotent)."""
    from services.simpeg.seed import seed_staff

    click.echo(f"{seed_staff(_engine())} synthetic staff records")


@simpeg.command("rebuild")
def rebuild() -> None:
    """Recompute the attendance roll-ups from every stored punch (after punches were deleted by hand)."""
    from services.simpeg.queries import rebuild_roll_ups

    with _engine().begin() as conn:
        click.echo(f"{rebuild_roll_ups(conn)} person-days")


@simpeg.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", required=True, help="who imports, for the history (e.g. user:ani)")
def import_file(path: Path, actor: str) -> None:
    """Staff from a CSV or XLSX export: every row is checked; all are stored, or none."""
    from services.errors import ServiceError
    from services.simpeg.importer import ImportRefused, import_staff

    try:
        report = import_staff(_engine(), path.read_bytes(), path.name, actor=actor)
    except ImportRefused as exc:
        for row, problems in exc.report.errors.items():
            click.echo(f"row {row}: {'; '.join(problems)}", err=True)
        raise click.ClickException(str(exc) if not exc.report.errors else "nothing stored") from None
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{report.stored} staff records stored from {report.rows} rows")


@simpeg.command("agency")
@click.argument("agency")
@click.option("--from", "start", help="YYYY-MM-DD (default: the first of this month)")
@click.option("--to", "end", help="YYYY-MM-DD (default: today)")
def agency(agency: str, start: str | None, end: str | None) -> None:
    """An agency's attendance per working day (as the public sees it)."""
    from services.simpeg import attendance

    first, last = attendance.period(start, end)
    for row in attendance.agency_figures(_engine(), first, last, agency=agency):
        click.echo(f"{row['tanggal']}  staff {row['pegawai']}  present {row['hadir']}  late {row['terlambat']}  "
                   f"absent {row['tidak_hadir']}  leave {row['cuti']}  {row['tingkat_kehadiran']} %  "
                   f"{row['catatan'] or ''}")
