"""Users, their roles and agencies (SKPD), in schema `auth` (Flask-free).

Services, the CLI and the web call these; none of them writes SQL for users.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from layers.access import Principal
from layers.model import ROLES
from webgis.accounts import passwords, sessions

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class AccountError(ValueError):
    """A refused account operation; the message is safe to show."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    active: bool
    session_epoch: int
    roles: frozenset[str] = field(default_factory=frozenset)
    agencies: frozenset[str] = field(default_factory=frozenset)
    heads: frozenset[str] = field(default_factory=frozenset)  # the agencies it heads (layers/access.py)

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    def principal(self) -> Principal:
        return Principal(actor=self.actor, roles=self.roles, agencies=self.agencies, user_id=self.id,
                         heads=self.heads)


_SELECT_USER = """
    SELECT u.id, u.username, u.display_name, u.active, u.session_epoch, u.password_hash,
           coalesce((SELECT array_agg(role ORDER BY role) FROM auth.user_roles r WHERE r.user_id = u.id), '{}') AS roles,
           coalesce((SELECT array_agg(agency ORDER BY agency) FROM auth.user_agencies a WHERE a.user_id = u.id), '{}') AS agencies,
           coalesce((SELECT array_agg(agency ORDER BY agency) FROM auth.user_agencies a
                     WHERE a.user_id = u.id AND a.head), '{}') AS heads
    FROM auth.users u
"""


def _user(row) -> User:  # noqa: ANN001
    return User(id=row.id, username=row.username, display_name=row.display_name, active=row.active,
                session_epoch=row.session_epoch, roles=frozenset(row.roles), agencies=frozenset(row.agencies),
                heads=frozenset(row.heads))


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(roles)
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise AccountError(f"unknown roles {unknown}; known: {', '.join(ROLES)}")
    return roles


def normalise_username(username: str) -> str:
    return username.strip().lower()


def create_user(
    bind: Engine, username: str, password: str, *, roles: Iterable[str] = ("citizen",),
    agencies: Iterable[str] = (), display_name: str = "",
) -> User:
    username = normalise_username(username)
    if not USERNAME.match(username):
        raise AccountError("a username is 2-63 characters: lower-case letters, digits, '.', '_' or '-'")
    roles = _check_roles(roles)
    try:
        passwords.check_policy(password, username)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from exc
    password_hash = passwords.hash_password(password)
    with bind.begin() as conn:
        if conn.execute(text("SELECT 1 FROM auth.users WHERE lower(username) = :u"), {"u": username}).first():
            raise AccountError(f"user {username!r} already exists")
        user_id = conn.execute(
            text("INSERT INTO auth.users (username, display_name, password_hash) VALUES (:u, :d, :h) RETURNING id"),
            {"u": username, "d": display_name, "h": password_hash},
        ).scalar_one()
        _add(conn, "user_roles", user_id, roles)
        _add(conn, "user_agencies", user_id, agencies)
    return get_user(bind, user_id=user_id)  # type: ignore[return-value]


_INSERTS = {
    "user_roles": text("INSERT INTO auth.user_roles (user_id, role) VALUES (:id, :v) ON CONFLICT DO NOTHING"),
    "user_agencies": text("INSERT INTO auth.user_agencies (user_id, agency) VALUES (:id, :v) ON CONFLICT DO NOTHING"),
}


def _add(conn: Connection, table: str, user_id: int, values: Iterable[str]) -> None:
    for value in values:
        conn.execute(_INSERTS[table], {"id": user_id, "v": value})


def get_user(bind: Engine | Connection, *, user_id: int | None = None, username: str | None = None) -> User | None:
    row = _get_row(bind, user_id=user_id, username=username)
    return _user(row) if row else None


def _get_row(bind: Engine | Connection, *, user_id: int | None = None, username: str | None = None):  # noqa: ANN202
    if user_id is not None:
        sql, params = _SELECT_USER + " WHERE u.id = :id", {"id": user_id}
    else:
        sql, params = _SELECT_USER + " WHERE lower(u.username) = :u", {"u": normalise_username(username or "")}
    if isinstance(bind, Connection):
        return bind.execute(text(sql), params).first()
    with bind.connect() as conn:
        return conn.execute(text(sql), params).first()


def authenticate(bind: Engine, username: str, password: str) -> User | None:
    """The user when the password is right and the account active, else None.

    One argon2 verification happens in every case (see passwords.verify), so an
    unknown user, a wrong password and a deactivated account take as long.
    """
    row = _get_row(bind, username=username) if USERNAME.match(normalise_username(username)) else None
    ok = passwords.verify(row.password_hash if row else None, password)
    if not (ok and row and row.active):
        return None
    if passwords.needs_rehash(row.password_hash):
        with bind.begin() as conn:
            conn.execute(text("UPDATE auth.users SET password_hash = :h WHERE id = :id"),
                         {"h": passwords.hash_password(password), "id": row.id})
    return _user(row)


def change_password(bind: Engine, user: User, current: str, new: str, *, keep_session: str | None = None) -> None:
    """Check the current password, set the new one, end every other session (`keep_session`: the caller's)."""
    row = _get_row(bind, user_id=user.id)
    if row is None or not passwords.verify(row.password_hash, current):
        raise AccountError("the current password is wrong")
    set_password(bind, user.id, new, username=user.username, keep_session=keep_session)


def set_password(bind: Engine, user_id: int, new: str, *, username: str = "", keep_session: str | None = None) -> None:
    try:
        passwords.check_policy(new, username)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from exc
    with bind.begin() as conn:
        conn.execute(text("UPDATE auth.users SET password_hash = :h, password_changed_at = now(), "
                          "session_epoch = session_epoch + 1 WHERE id = :id"),
                     {"h": passwords.hash_password(new), "id": user_id})
        sessions.end_all(conn, user_id, "password changed", keep=keep_session)


def change_roles(bind: Engine, user_id: int, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> frozenset[str]:
    add, remove = _check_roles(add), _check_roles(remove)
    with bind.begin() as conn:
        _add(conn, "user_roles", user_id, add)
        if remove:
            conn.execute(text("DELETE FROM auth.user_roles WHERE user_id = :id AND role = ANY(:roles)"),
                         {"id": user_id, "roles": list(remove)})
        if add or remove:  # who the user is changed: its sessions end, it logs in again as that
            sessions.end_all(conn, user_id, "roles changed")
        user = get_user(conn, user_id=user_id)
    if user is None:
        raise AccountError("no such user")
    return user.roles


def change_agencies(bind: Engine, user_id: int, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> frozenset[str]:
    add = [a.strip() for a in add if a.strip()]
    with bind.begin() as conn:
        _add(conn, "user_agencies", user_id, add)
        conn.execute(text("DELETE FROM auth.user_agencies WHERE user_id = :id AND agency = ANY(:a)"),
                     {"id": user_id, "a": list(remove)})
        if add or remove:
            sessions.end_all(conn, user_id, "agencies changed")
        user = get_user(conn, user_id=user_id)
    return user.agencies if user else frozenset()


def set_head(bind: Engine, user_id: int, agency: str, head: bool) -> None:
    """Make the user the head of one of its agencies, or no longer; its sessions end (it is someone else now)."""
    with bind.begin() as conn:
        changed = conn.execute(text("UPDATE auth.user_agencies SET head = :h WHERE user_id = :id AND agency = :a "
                                    "AND head <> :h"), {"h": head, "id": user_id, "a": agency}).rowcount
        if not changed and not conn.execute(text("SELECT 1 FROM auth.user_agencies WHERE user_id = :id "
                                                 "AND agency = :a"), {"id": user_id, "a": agency}).first():
            raise AccountError(f"the user does not belong to agency {agency}; add the agency first")
        if changed:
            sessions.end_all(conn, user_id, "head of agency changed")


def set_active(bind: Engine, user_id: int, active: bool) -> None:
    # Deactivating also ends the user's sessions (epoch + 1); its tokens stop at their next use.
    with bind.begin() as conn:
        conn.execute(text("UPDATE auth.users SET active = :a, session_epoch = session_epoch + 1 WHERE id = :id"),
                     {"a": active, "id": user_id})
        sessions.end_all(conn, user_id, "activated" if active else "deactivated")


def list_users(bind: Engine) -> list[User]:
    with bind.connect() as conn:
        return [_user(r) for r in conn.execute(text(_SELECT_USER + " ORDER BY u.username"))]


def count_admins(bind: Engine) -> int:
    with bind.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM auth.user_roles r JOIN auth.users u ON u.id = r.user_id "
                                 "WHERE r.role = 'admin' AND u.active")).scalar_one()
