"""`python -m services indicators ...`: refresh the summary, list the indicators, load synthetic years."""

from __future__ import annotations

import click


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group()
def indicators() -> None:
    """Regional performance indicators (services/*/indicators.yaml) and their summary."""


@indicators.command("list")
def list_indicators() -> None:
    from services.indicators.registry import get_indicators

    for spec in get_indicators():
        click.echo(f"{spec.id}\t{spec.unit}\t{spec.better}\t{spec.compute}\t{spec.title.id}")


@indicators.command()
@click.argument("ids", nargs=-1)
def refresh(ids: tuple[str, ...]) -> None:
    """Recompute the summary of the named indicators (all when none), each in one transaction."""
    from services.indicators.summary import refresh as run

    for done in run(_engine(), ids or None):
        click.echo(f"{done.indicator}\t{done.rows} rows\t{done.seconds:.2f} s")


@indicators.command("run")
@click.option("--every", "every_s", default=900.0, show_default=True, help="seconds between refreshes")
@click.option("--passes", type=click.IntRange(1), default=None, help="stop after this many (default: run until stopped)")
def run_refresher(every_s: float, passes: int | None) -> None:
    """Keep the summary current: refresh every indicator each --every seconds (`./medan run` starts this)."""
    import contextlib
    import logging

    from services.indicators.summary import refresh_every

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C on ./medan run reaches every child
        refresh_every(_engine(), every_s, passes=passes)


@indicators.command()
@click.option("--scale", default=1.0, show_default=True, help="1 = ~290 000 features over 5 years")
def synthetic(scale: float) -> None:
    """Load 5 years of synthetic complaints, permits, PPDB registrations and PBB bills (not seeded by default)."""
    from services.indicators.synthetic import generate

    click.echo(str(generate(_engine(), scale=scale)))
