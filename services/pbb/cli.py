"""`python -m services pbb ...`: issue a year's SPPTs, see collection, pay in the sandbox.

    python -m services pbb terbit --tahun 2026            # every parcel's SPPT, with progress
    python -m services pbb lihat 12.71.001.001.001-0001.0  # a parcel's SPPTs and what is owed today
    python -m services pbb realisasi --tahun 2026          # collection per kelurahan
"""

from __future__ import annotations

import click

from services.errors import ServiceError


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group("pbb")
def pbb() -> None:
    """PBB-P2: SPPTs, what is owed, collection."""


@pbb.command("terbit")
@click.option("--tahun", type=click.IntRange(2000, 2100), required=True, help="tax year")
@click.option("--kelurahan", "kode_kel", default=None, help="only this kelurahan (code 12.71.KK.1DDD)")
def issue(tahun: int, kode_kel: str | None) -> None:
    """Issue the year's SPPT for every parcel not yet issued (safe to run again)."""
    from services.pbb.billing import issue_year

    with click.progressbar(length=1, label=f"SPPT {tahun}") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        report = issue_year(_engine(), tahun, kode_kel=kode_kel, progress=progress)
    click.echo(str(report))
    for nop in report.without_zone[:10]:
        click.echo(f"  tanpa ZNT (tidak diterbitkan): {nop}")


@pbb.command("lihat")
@click.argument("nop")
def show(nop: str) -> None:
    """A parcel's SPPTs, newest first, and what paying each costs today."""
    from services.engine.documents.formats import rupiah
    from services.pbb.billing import sppts

    try:
        found = sppts(_engine(), nop)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    for sppt in found:
        state = "lunas" if sppt.lunas else ("tunggakan" if sppt.tunggakan else "belum dibayar")
        click.echo(f"{sppt.tahun}  {rupiah(sppt.pbb_terutang):>16}  {state:<14} "
                   f"bayar hari ini {rupiah(sppt.harus_dibayar)}  SPPT {sppt.document_code}")


@pbb.command("realisasi")
@click.option("--tahun", type=click.IntRange(2000, 2100), required=True)
def collected(tahun: int) -> None:
    """Collection per kelurahan: SPPTs, paid, assessed and paid rupiah, rate."""
    from services.pbb.billing import collection

    result = collection(_engine(), tahun)
    for row in result.per_kelurahan.itertuples():
        click.echo(f"{row.kode_kel}  {row.lunas:>5}/{row.sppt:<5}  {row.persen:6.2f} %")
    click.echo(f"Kota Medan {tahun}: {result.persen_kota:.2f} %")
