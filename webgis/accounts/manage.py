"""Account operations that must always be audited, shared by the web, the JSON API and the CLI.

Flask-free: the caller passes who acts (`actor`) and from where (`ip`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import Engine

from layers.access import Principal
from webgis.accounts import audit, store, tokens
from webgis.accounts.store import AccountError, User


def create_user(
    bind: Engine, actor: str, ip: str | None, username: str, password: str, *,
    roles: Iterable[str], agencies: Iterable[str] = (), display_name: str = "",
) -> User:
    user = store.create_user(bind, username, password, roles=roles, agencies=agencies, display_name=display_name)
    audit.record(bind, "user.created", actor, ip,
                 {"username": user.username, "roles": sorted(user.roles), "agencies": sorted(user.agencies)})
    return user


def change_roles(
    bind: Engine, actor: str, ip: str | None, username: str, *, add: Iterable[str] = (), remove: Iterable[str] = (),
) -> frozenset[str]:
    user = _user(bind, username)
    add, remove = set(add) - user.roles, set(remove) & user.roles
    # The platform must never lose its last active admin: nobody could then manage accounts from the web.
    if "admin" in remove and user.active and store.count_admins(bind) <= 1:
        raise AccountError("this is the last admin; make another admin first")
    roles = store.change_roles(bind, user.id, add=add, remove=remove)
    if add or remove:
        audit.record(bind, "user.roles_changed", actor, ip,
                     {"username": user.username, "added": sorted(add), "removed": sorted(remove),
                      "roles": sorted(roles)})
    return roles


def change_agencies(
    bind: Engine, actor: str, ip: str | None, username: str, *, add: Iterable[str] = (), remove: Iterable[str] = (),
) -> frozenset[str]:
    user = _user(bind, username)
    add, remove = set(add) - user.agencies, set(remove) & user.agencies
    agencies = store.change_agencies(bind, user.id, add=add, remove=remove)
    if add or remove:
        audit.record(bind, "user.agencies_changed", actor, ip,
                     {"username": user.username, "added": sorted(add), "removed": sorted(remove)})
    return agencies


def set_head(bind: Engine, actor: str, ip: str | None, username: str, agency: str, head: bool) -> None:
    """Make a user the head of one of its agencies (or no longer): who sees the agency's staff figures."""
    user = _user(bind, username)
    if (agency in user.heads) == head:
        return
    store.set_head(bind, user.id, agency, head)
    audit.record(bind, "user.head_changed", actor, ip, {"username": user.username, "agency": agency, "head": head})


def set_active(bind: Engine, actor: str, ip: str | None, username: str, active: bool) -> None:
    user = _user(bind, username)
    if user.active == active:
        return
    if not active and "admin" in user.roles and store.count_admins(bind) <= 1:
        raise AccountError("this is the last admin; make another admin first")
    store.set_active(bind, user.id, active)
    audit.record(bind, "user.activated" if active else "user.deactivated", actor, ip, {"username": user.username})


def create_token(
    bind: Engine, actor: str, ip: str | None, owner: User, name: str, *,
    roles: list[str] | None = None, expires_in_days: int | None = None,
) -> tokens.NewToken:
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise AccountError("a token expires after 1 to 3650 days")
    expires = timedelta(days=expires_in_days) if expires_in_days else None
    token = tokens.create_token(bind, owner, name, roles=roles, expires_in=expires)
    audit.record(bind, "token.created", actor, ip,
                 {"token_id": token.id, "owner": owner.username, "name": name, "roles": list(token.roles),
                  "prefix": token.prefix, "expires_at": token.expires_at})
    return token


def revoke_token(bind: Engine, ip: str | None, token_id: int, by: Principal) -> None:
    row = tokens.revoke_token(bind, token_id, by=by)
    audit.record(bind, "token.revoked", by.actor, ip, {"token_id": row["id"], "name": row["name"], "prefix": row["prefix"]})


def _user(bind: Engine, username: str) -> User:
    user = store.get_user(bind, username=username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user
