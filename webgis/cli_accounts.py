"""Command line for accounts, tokens and backups (registered in webgis/cli.py).

    users create USERNAME --role admin [--agency DISHUB] [--password-stdin]
    users roles USERNAME --add ROLE --remove ROLE
    users list
    tokens create USERNAME --name NAME [--role ROLE] [--expires-days N]
    tokens revoke TOKEN_ID
    tokens list [USERNAME]
    db backup FILE
    db restore FILE DATABASE_URL

The first admin is made here (`users create ana --role admin`): the platform
ships with no account and no default password. The password is prompted for
(twice, hidden) or read from standard input with --password-stdin.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from layers.model import ROLES


def _engine():  # noqa: ANN202
    from webgis.cli import _engine as engine

    return engine()


def _actor() -> str:
    return f"cli:{os.environ.get('USER', 'unknown')}"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


ROLE = click.Choice([r for r in ROLES if r != "public"])


@click.group("users")
def users() -> None:
    """Create users, give and take roles, list users."""


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=ROLE, default=("citizen",), show_default=True)
@click.option("--agency", "agencies", multiple=True, help="SKPD the user belongs to (repeatable)")
@click.option("--name", "display_name", default="")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input (for scripts)")
def users_create(username: str, roles: tuple[str, ...], agencies: tuple[str, ...], display_name: str,
                 password_stdin: bool) -> None:
    """Create a user; the password is prompted for, never given on the command line."""
    from webgis.accounts import manage
    from webgis.accounts.store import AccountError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = manage.create_user(_engine(), _actor(), None, username, password, roles=roles, agencies=agencies,
                                  display_name=display_name)
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"created {user.username} with roles {', '.join(sorted(user.roles))}")


@users.command("roles")
@click.argument("username")
@click.option("--add", "add", multiple=True, type=ROLE)
@click.option("--remove", "remove", multiple=True, type=ROLE)
def users_roles(username: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Give (--add) or take (--remove) roles; prints the user's roles."""
    from webgis.accounts import manage
    from webgis.accounts.store import AccountError

    try:
        roles = manage.change_roles(_engine(), _actor(), None, username, add=add, remove=remove)
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"{username}: {', '.join(sorted(roles)) or '(no roles)'}")


@users.command("list")
def users_list() -> None:
    from webgis.accounts.store import list_users

    for user in list_users(_engine()):
        state = "" if user.active else "  (deactivated)"
        click.echo(f"{user.username:<24} {','.join(sorted(user.roles)):<32} {','.join(sorted(user.agencies))}{state}")


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

    engine = _engine()
    owner = store.get_user(engine, username=username)
    if owner is None:
        _fail(f"no user {username!r}")
    try:
        token = manage.create_token(engine, _actor(), None, owner, name, roles=list(roles) or None,
                                    expires_in_days=expires_days)
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"token #{token.id} for {username} ({', '.join(token.roles)}); shown once:", err=True)
    click.echo(token.secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    from layers.access import Principal
    from webgis.accounts import manage
    from webgis.accounts.store import AccountError

    # The CLI runs with the database's own rights, so it acts as an admin.
    admin = Principal(actor=_actor(), roles=frozenset({"admin"}))
    try:
        manage.revoke_token(_engine(), None, token_id, admin)
    except AccountError:
        _fail(f"no token #{token_id}")
    click.echo(f"token #{token_id} revoked")


@tokens.command("list")
@click.argument("username", required=False)
def tokens_list(username: str | None) -> None:
    from webgis.accounts import store
    from webgis.accounts.tokens import list_tokens

    engine = _engine()
    user_id = None
    if username:
        user = store.get_user(engine, username=username)
        if user is None:
            _fail(f"no user {username!r}")
        user_id = user.id
    for t in list_tokens(engine, user_id):
        state = "revoked" if t["revoked_at"] else "active"
        click.echo(f"#{t['id']:<5} {t['owner']:<20} {t['name']:<24} {t['prefix']}…  {','.join(t['roles']):<24} {state}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_dump(path: Path) -> None:
    from webgis.backup import BackupError, dump
    from webgis.cli import database_url

    try:
        dump(database_url(), path)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"dumped to {path} ({path.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target_url")
def backup_restore(path: Path, target_url: str) -> None:
    """Restore PATH into the empty database TARGET_URL (created if missing)."""
    from webgis.backup import BackupError, restore

    try:
        restore(path, target_url)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"restored {path} into {target_url}")


def register(main: click.Group) -> None:
    """Add `users`, `tokens`, `db backup` and `db restore` to the platform's command line."""
    main.add_command(users)
    main.add_command(tokens)
    db = main.commands["db"]
    assert isinstance(db, click.Group)
    db.add_command(backup_dump)
    db.add_command(backup_restore)
