"""Command line of PPDB: `python -m services ppdb zones [--force]`, `... doubtful [--csv FILE]`, and the
rounds of PPDB online: `... round --id 2026-smp --level SMP --opens ... --closes ... --reregister-by ...`,
`... allocate --round 2026-smp`, `... release --round 2026-smp`, `... quotas --round 2026-smp`.

Run it after schools change outside the pages (a bulk `webgis layers import
schools ...`); the PPDB pages also recompute stale zones before drawing them.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from layers.access import Principal


@click.group()
def main() -> None:
    """PPDB: school zoning and the rounds of PPDB online."""


@main.command()
@click.option("--force", is_flag=True, help="recompute every zone, not only those whose school changed")
def zones(force: bool) -> None:
    """Recompute the school_zones layer from the schools layer."""
    from config import database_url
    from layers import engine_for
    from services.ppdb.zones import recompute_zones

    click.echo(str(recompute_zones(engine_for(database_url()), force=force)))



@main.command()
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="also write the list to this CSV file (for staff to fill in corrections)")
def doubtful(csv_path: Path | None) -> None:
    """List the schools whose point lies outside Medan (lokasi_diragukan): left out of zoning until corrected."""
    from config import database_url
    from layers import engine_for
    from services.ppdb.locations import doubtful_schools

    schools = doubtful_schools(engine_for(database_url()))
    for fid, row in schools.iterrows():
        click.echo(f"{fid}\t{row['npsn']}\t{row['jenjang']}\t{row['nama']}\t{row['kecamatan_sumber'] or '-'}\t"
                   f"{row['lon']:.6f},{row['lat']:.6f}\t{row['catatan_lokasi']}")
    if csv_path is not None:
        schools.drop(columns="geometry").rename_axis("fid").to_csv(csv_path)
    click.echo(f"{len(schools)} schools with a doubtful location", err=True)


def _operator() -> Principal:
    """The command line acts as the education office's operator (whoever may run it holds the database)."""
    return Principal(actor=f"cli:{getpass.getuser()}", roles=frozenset({"staff"}), agencies=frozenset({"DISDIK"}))


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


def _said(call):  # noqa: ANN001, ANN202
    """Run a round step; a refusal is the command's error message (exit 1), not a traceback."""
    from services.engine.said import EngineError

    try:
        return call()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from None


def _when(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is Medan's clock (WIB)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Jakarta"))


@main.command("round")
@click.option("--id", "round_id", required=True)
@click.option("--level", required=True, type=click.Choice(["SD", "SMP", "SMA", "SMK"]))
@click.option("--opens", required=True, help="registration opens (ISO 8601, WIB without an offset)")
@click.option("--closes", required=True)
@click.option("--reregister-by", required=True)
@click.option("--share", type=float, default=None, help="zonasi share of each school's capacity (default: the rule's)")
@click.option("--no-second-stage", is_flag=True, help="released seats are not offered to the next in line")
def create(round_id: str, level: str, opens: str, closes: str, reregister_by: str, share: float | None,
           no_second_stage: bool) -> None:
    """Open a PPDB round with its quotas."""
    from services.ppdb.rounds import create_round

    schools = _said(lambda: create_round(
        _engine(), round_id=round_id, level=level, opens_at=_when(opens), closes_at=_when(closes),
        reregister_by=_when(reregister_by), principal=_operator(), zonasi_share=share,
        second_stage=not no_second_stage))
    click.echo(f"round {round_id}: {schools} schools")


@main.command()
@click.option("--round", "round_id", required=True)
def allocate(round_id: str) -> None:
    """Run a round's allocation (once, after registration closed) and store every applicant's result."""
    from services.ppdb.rounds import allocate_round

    click.echo(str(_said(lambda: allocate_round(_engine(), round_id, _operator()))))


@main.command()
@click.option("--round", "round_id", required=True)
def release(round_id: str) -> None:
    """Release the seats not re-registered by their deadline (and offer them to the next in line)."""
    from services.ppdb.rounds import release_expired

    click.echo(str(_said(lambda: release_expired(_engine(), round_id, _operator()))))


@main.command()
@click.option("--round", "round_id", required=True)
def quotas(round_id: str) -> None:
    """Seats and fill per school of a round."""
    from services.ppdb.rounds import quotas as round_quotas

    for q in round_quotas(_engine(), round_id):
        click.echo(f"{q['npsn']}\t{q['nama']}\t{q['filled']}/{q['seats']}\tconfirmed {q['confirmed']}\t"
                   f"released {q['released']}")


if __name__ == "__main__":
    sys.exit(main())
