"""`python -m services payments ...`: the sandbox gateway and the ledger from the command line.

    python -m services payments pay 8890812345678901 [--late] [--duplicates 1]
    python -m services payments deliver --url http://127.0.0.1:5000/api/pembayaran/callback/sandbox
    python -m services payments reconcile 2026-12-07 [--apply-missing]
    python -m services payments expire
    python -m services payments receipt <code> receipt.pdf

`deliver` is the sandbox notifier's pass: it posts every due callback (the web's sandbox page
starts one in the background; callbacks left undelivered, e.g. after a restart, go out here).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group("payments")
def payments_cli() -> None:
    """Payments: the sandbox gateway, callbacks, reconciliation."""


@payments_cli.command()
@click.argument("reference")
@click.option("--channel", type=click.Choice(["bank_transfer", "qris"]), default="bank_transfer")
@click.option("--late", is_flag=True, help="settle even though the charge expired")
@click.option("--duplicates", type=int, default=0, help="send the notification this many more times")
def pay(reference: str, channel: str, late: bool, duplicates: int) -> None:
    """Pay a virtual account (or bill number) at the sandbox gateway."""
    from services.engine.payments import PaymentError, sandbox

    try:
        paid = sandbox.pay(_engine(), reference, channel=channel, late=late, duplicates=duplicates)
    except PaymentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"paid {paid.order_id}: transaction {paid.transaction_id}, {paid.amount} rupiah, "
               f"{paid.deliveries} callback(s) queued")


@payments_cli.command()
@click.option("--url", default="", help="the platform's callback URL (default: settings, else 127.0.0.1:5000)")
def deliver(url: str) -> None:
    """Post the sandbox's due callbacks, signed; failures are retried by a later pass."""
    from config import get_settings
    from services.engine.payments import sandbox

    web = get_settings().web
    target = url or sandbox.callback_url(f"{web.public_base_url}/api/pembayaran/callback/sandbox")
    click.echo(str(sandbox.deliver_due(_engine(), sandbox.http_sender(), target)))


@payments_cli.command()
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--provider", default="sandbox")
@click.option("--apply-missing", is_flag=True, help="apply settlements the ledger lacks, as their callback would")
def reconcile(day, provider: str, apply_missing: bool) -> None:  # noqa: ANN001
    """The gateway's settlements of DAY (WIB) against the ledger."""
    from services.engine.payments import reconcile as run

    result = run(_engine(), provider=provider, day=date(day.year, day.month, day.day), apply_missing=apply_missing)
    click.echo(f"{result.day} {result.provider}: settled {result.settled} ({result.settled_amount} rupiah), "
               f"in the ledger {result.recorded} ({result.recorded_amount} rupiah), matched {result.matched}")
    for m in result.mismatches:
        click.echo(f"  {m.kind}: transaction {m.transaction_id}, bill {m.order_id}, gateway {m.gateway_amount}, "
                   f"ledger {m.ledger_amount} {m.detail}")
    for transaction_id in result.applied_now:
        click.echo(f"  applied now: {transaction_id}")
    if not result.ok:
        raise SystemExit(1)


@payments_cli.command()
def expire() -> None:
    """Mark open bills past their expiry expired."""
    from services.engine.payments import expire_due

    with _engine().begin() as conn:
        click.echo(f"{expire_due(conn)} bill(s) expired")


@payments_cli.command()
@click.argument("code")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def receipt(code: str, path: Path) -> None:
    """Write an issued document's PDF (a receipt, a permit, an SPPT) to PATH."""
    from services.engine import documents

    try:
        path.write_bytes(documents.pdf_bytes(_engine(), code))
    except documents.DocumentNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {path}")
