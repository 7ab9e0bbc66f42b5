"""`tokens create|revoke|list`: API tokens for scripts and notebooks."""

from __future__ import annotations

import click

from webgis.cli.common import ROLE, actor, engine, fail


@click.group("tokens")
def tokens() -> None:
    """API tokens for scripts and notebooks."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, type=ROLE, help="scope (default: all the user's roles)")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None)
def tokens_create(username: str, name: str, roles: tuple[str, ...], expires_days: int | None) -> None:
    """Create a token for USERNAME; the secret is printed once, on standard output."""
    from webgis.accounts import manage, store
    from webgis.accounts.store import AccountError

    db = engine()
    owner = store.get_user(db, username=username)
    if owner is None:
        fail(f"no user {username!r}")
    try:
        token = manage.create_token(db, actor(), None, owner, name, roles=list(roles) or None,
                                    expires_in_days=expires_days)
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"token #{token.id} for {username} ({', '.join(token.roles)}); shown once:", err=True)
    click.echo(token.secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    from layers.access import Principal
    from webgis.accounts import manage
    from webgis.accounts.store import AccountError

    # The CLI runs with the database's own rights, so it acts as an admin.
    admin = Principal(actor=actor(), roles=frozenset({"admin"}))
    try:
        manage.revoke_token(engine(), None, token_id, admin)
    except AccountError:
        fail(f"no token #{token_id}")
    click.echo(f"token #{token_id} revoked")


@tokens.command("list")
@click.argument("username", required=False)
def tokens_list(username: str | None) -> None:
    from webgis.accounts import store
    from webgis.accounts.tokens import list_tokens

    db = engine()
    user_id = None
    if username:
        user = store.get_user(db, username=username)
        if user is None:
            fail(f"no user {username!r}")
        user_id = user.id
    for t in list_tokens(db, user_id):
        state = "revoked" if t["revoked_at"] else "active"
        click.echo(f"#{t['id']:<5} {t['owner']:<20} {t['name']:<24} {t['prefix']}…  {','.join(t['roles']):<24} {state}")
