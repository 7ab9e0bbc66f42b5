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
@click.option("--interval", type=click.FloatRange(5, 3600), default=None, help="seconds between passes [60]")
@click.option("--tries", type=click.IntRange(1, 20), default=None, help="TCP connections per site and pass [3]")
@click.option("--timeout", type=click.FloatRange(0.05, 30), default=None, help="seconds per try [2]")
@click.option("--slow-ms", type=click.FloatRange(1, 60000), default=None,
              help="median latency above which a site is degraded [300]")
@click.option("--alert-after", type=click.FloatRange(0, 86400), default=None,
              help="seconds a site may be down before its outage is raised to operators [300]")
def probe(once: bool, interval: float | None, tries: int | None, timeout: float | None, slow_ms: float | None,
          alert_after: float | None) -> None:
    """Probe each office's monitoring address (TCP connect, no ICMP) and store the results.

    Defaults come from the settings (WEBGIS_NETPROBE_*); options override them."""
    from config.settings import get_settings
    from services.skpd.network import probe_once, run_forever
    from services.skpd.probe import ProbeSettings

    configured = get_settings().netprobe
    settings = ProbeSettings(tries=tries or configured.tries, timeout_s=timeout or configured.timeout_s,
                             slow_ms=slow_ms or configured.slow_ms)
    alert_after_s = configured.alert_after_s if alert_after is None else alert_after
    if once:
        click.echo(str(probe_once(_engine(), settings, alert_after_s=alert_after_s)))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        run_forever(_engine(), settings, interval_s=interval or configured.interval_s, alert_after_s=alert_after_s)


@skpd.command("agencies")
def agencies() -> None:
    """Each agency code, its name and the services it runs (derived from the declarations)."""
    from services.skpd.agencies import get_agencies, services_run_by

    for agency in get_agencies():
        runs = ", ".join(s.id for s in services_run_by(agency.code)) or "-"
        click.echo(f"{agency.code}\t{agency.name.id}\t{runs}")
