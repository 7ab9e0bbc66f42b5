"""`python -m services perpustakaan ...`: seed the catalogue, expire reservations not picked up."""

from __future__ import annotations

import click


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group()
def perpustakaan() -> None:
    """The digital library: catalogue seed, reservation expiry."""


@perpustakaan.command()
def seed() -> None:
    """The synthetic catalogue and its copies at their home branches (idempotent)."""
    from services.library.seed import seed_catalogue

    click.echo(f"perpustakaan: {seed_catalogue(_engine())} judul sintetis")


@perpustakaan.command()
@click.option("--every", type=click.IntRange(min=10), default=None,
              help="Repeat every N seconds until stopped (./medan run starts it with 300).")
def expire(every: int | None) -> None:
    """Close the reservations past their pickup deadline and tell the members."""
    import time

    from services.library.reservations import expire_due

    while True:
        done = expire_due(_engine())
        click.echo(f"perpustakaan: {len(done)} pesanan kedaluwarsa" + (f" ({', '.join(done)})" if done else ""))
        if every is None:
            return
        time.sleep(every)
