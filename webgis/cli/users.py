"""`users create|roles|list`: accounts and their roles.

The first admin is made here (`users create ana --role admin`): the platform
ships with no account and no default password. The password is prompted for
(twice, hidden) or read from standard input with --password-stdin.
"""

from __future__ import annotations

import sys

import click

from webgis.cli.common import ROLE, actor, engine, fail


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
        user = manage.create_user(engine(), actor(), None, username, password, roles=roles, agencies=agencies,
                                  display_name=display_name)
    except AccountError as exc:
        fail(str(exc))
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
        roles = manage.change_roles(engine(), actor(), None, username, add=add, remove=remove)
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"{username}: {', '.join(sorted(roles)) or '(no roles)'}")


@users.command("head")
@click.argument("username")
@click.argument("agency")
@click.option("--off", is_flag=True, help="no longer the head")
def users_head(username: str, agency: str, off: bool) -> None:
    """Make USERNAME the head of AGENCY (one of its agencies): it sees the agency's staff figures."""
    from webgis.accounts import manage
    from webgis.accounts.store import AccountError

    try:
        manage.set_head(engine(), actor(), None, username, agency, not off)
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"{username}: {'no longer ' if off else ''}head of {agency}")


@users.command("list")
def users_list() -> None:
    from webgis.accounts.store import list_users

    for user in list_users(engine()):
        state = "" if user.active else "  (deactivated)"
        click.echo(f"{user.username:<24} {','.join(sorted(user.roles)):<32} {','.join(sorted(user.agencies))}{state}")
