"""`python -m services sirs ...`: seed the synthetic beds, issue and revoke hospitals' report tokens."""

from __future__ import annotations

import click


def _engine():  # noqa: ANN202
    from config import database_url
    from layers import engine_for

    return engine_for(database_url())


@click.group()
def sirs() -> None:
    """Hospital beds (SIRS): seed, tokens."""


@sirs.command()
def seed() -> None:
    """Synthetic capacities and three days of reports for every hospital (idempotent)."""
    from services.sirs.seed import seed as run

    click.echo(f"sirs: {run(_engine())} rumah sakit diisi data sintetis")


@sirs.group()
def token() -> None:
    """A hospital's own report tokens."""


@token.command("issue")
@click.argument("kode_faskes")
@click.option("--label", default="SIMRS", help="what the token is for (the hospital's system)")
@click.option("--actor", default="cli", help="who issues it (recorded)")
def token_issue(kode_faskes: str, label: str, actor: str) -> None:
    """Issue a token for KODE_FASKES; the secret is printed once."""
    from services.sirs import tokens

    issued = tokens.issue(_engine(), kode_faskes, label=label, actor=actor)
    click.echo(f"token {issued.id} for {issued.kode_faskes}: {issued.secret}")


@token.command("revoke")
@click.argument("token_id", type=int)
@click.option("--actor", default="cli")
def token_revoke(token_id: int, actor: str) -> None:
    from services.sirs import tokens

    click.echo(str(tokens.revoke(_engine(), token_id, actor=actor)))


@token.command("list")
@click.option("--kode", default=None)
def token_list(kode: str | None) -> None:
    from services.sirs import tokens

    for row in tokens.list_tokens(_engine(), kode):
        state = f" revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else ""
        click.echo(f"{row['id']:>5} {row['kode_faskes']} {row['prefix']}… {row['label']}{state}")
