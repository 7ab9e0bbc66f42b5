"""`python -m services skpd ...`: the agencies' vocabulary and the network probe.

    python -m services skpd probe --once          # probe every office's site once, store, print a summary
    python -m services skpd probe                 # a pass every --interval seconds (Ctrl-C stops)
    python -m services skpd agencies              # the agency codes and the services each runs
"""

from __future__ import annotations

import contextlib
import logging

import click


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group("skpd")
def skpd() -> None:
    """Agencies (SKPD), their offices and the WAN between them."""


@skpd.command("probe")
@click.option("--once", is_flag=True, help="one pass, then exit")
@click.option("--interval", type=click.FloatRange(5, 3600), default=60.0, show_default=True, help="seconds between passes")
@click.option("--tries", type=click.IntRange(1, 20), default=3, show_default=True, help="TCP connections per site and pass")
@click.option("--timeout", type=click.FloatRange(0.05, 30), default=2.0, show_default=True, help="seconds per try")
@click.option("--slow-ms", type=click.FloatRange(1, 60000), default=300.0, show_default=True,
              help="median latency above which a site is degraded")
@click.option("--alert-after", type=click.FloatRange(0, 86400), default=300.0, show_default=True,
              help="seconds a site may be down before its outage is raised to operators")
def probe(once: bool, interval: float, tries: int, timeout: float, slow_ms: float, alert_after: float) -> None:
    """Probe each office's monitoring address (TCP connect, no ICMP) and store the results."""
    from services.skpd.network import probe_once, run_forever
    from services.skpd.probe import ProbeSettings

    settings = ProbeSettings(tries=tries, timeout_s=timeout, slow_ms=slow_ms)
    if once:
        click.echo(str(probe_once(_engine(), settings, alert_after_s=alert_after)))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        run_forever(_engine(), settings, interval_s=interval, alert_after_s=alert_after)


@skpd.command("agencies")
def agencies() -> None:
    """Each agency code, its name and the services it runs (derived from the declarations)."""
    from services.skpd.agencies import get_agencies, services_run_by

    for agency in get_agencies():
        runs = ", ".join(s.id for s in services_run_by(agency.code)) or "-"
        click.echo(f"{agency.code}\t{agency.name.id}\t{runs}")
