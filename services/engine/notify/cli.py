"""`python -m services notify run|send|list|requeue`: the notification worker and its outbox."""

from __future__ import annotations

import logging
import signal
import threading

import click
from sqlalchemy import text


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group()
def notify() -> None:
    """Notifications: the outbox and its worker."""


@notify.command()
def run() -> None:
    """Send due notifications until stopped (SIGTERM or Ctrl-C finish the message in hand)."""
    from services.engine.notify.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _s, _f: stop.set())
    click.echo("notification worker running", err=True)
    run_worker(_engine(), stop_event=stop)


@notify.command()
@click.option("--limit", default=100, show_default=True)
def send(limit: int) -> None:
    """One pass: send what is due now."""
    from services.engine.notify.worker import send_due

    report = send_due(_engine(), limit=limit)
    click.echo(f"sent {len(report.sent)}, retry later {len(report.retried)}, dead {len(report.dead)}")


@notify.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]), default=None)
@click.option("--limit", default=20, show_default=True)
def list_outbox(status: str | None, limit: int) -> None:
    """The latest outbox rows (newest first)."""
    with _engine().connect() as conn:
        rows = conn.execute(text(
            "SELECT id, channel, recipient, status, attempts, created_at, coalesce(last_error, '') AS error "
            "FROM notify.outbox WHERE CAST(:status AS text) IS NULL OR status = :status "
            "ORDER BY id DESC LIMIT :limit"), {"status": status, "limit": limit}).all()
    for r in rows:
        click.echo(f"{r.id:>6} {r.channel:<8} {r.recipient:<32} {r.status:<7} {r.attempts:>2} "
                   f"{r.created_at:%Y-%m-%d %H:%M:%S} {r.error[:80]}")


@notify.command()
@click.argument("outbox_id", type=int)
def requeue(outbox_id: int) -> None:
    """Give a dead message a fresh set of attempts (after fixing its cause)."""
    from services.engine.notify.outbox import requeue_dead

    with _engine().begin() as conn:
        if not requeue_dead(conn, outbox_id):
            raise click.ClickException(f"message {outbox_id} is not dead")
    click.echo(f"message {outbox_id} is due again")
