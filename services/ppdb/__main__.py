"""Command line of PPDB zoning: `python -m services.ppdb zones [--force]`, `... doubtful [--csv FILE]`.

Run it after schools change outside the pages (a bulk `webgis layers import
schools ...`); the PPDB pages also recompute stale zones before drawing them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group()
def main() -> None:
    """PPDB school zoning."""


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


if __name__ == "__main__":
    sys.exit(main())
