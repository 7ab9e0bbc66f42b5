"""Who may read and write which layer and see which properties: the one rule.

Every path that serves or changes features (OGC API, tiles and their cache,
search, "what is here?", downloads, notebooks) asks these functions; nothing
else interprets `access:` in a declaration. Flask-free: the web turns a
request into a `Principal` (webgis/accounts), notebooks and the CLI build one.

The rule, from a declaration's `access: {read, write, private}`:
- 'admin' may do everything.
- read: anyone when `read: public`, else a principal with one of the listed
  roles. A role that may write a layer may also read it (changing what you
  cannot see makes no sense, and hiding it would only push people to guess).
- write: a principal with one of the `write` roles.
- data declared `purpose: testing` (benchmark points, fixtures) is read only
  by admins and by those who may write it, whatever `read` lists: it is never
  listed to the public or to citizens on any path. Tests and benchmarks reach
  it as an admin, or through the Python API without a principal.
- private properties: only principals that may write the layer see them (an
  operator sees a device's Modbus address, the public never does).
- history (every version of a feature, who changed what): staff and those
  who may write the layer, on layers they may read; restoring a version is a
  write, so it needs can_write.
Every principal, logged in or not, also holds the role 'public'.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layers.model import ROLES, LayerSpec
from layers.registry import Registry, get_registry

PUBLIC = "public"
ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (by session) or an API token, with its roles and agencies (SKPD).

    `actor` is what history and the audit log record ("user:ani", "token:12").
    """

    actor: str = "anonymous"
    roles: frozenset[str] = field(default_factory=lambda: frozenset({PUBLIC}))
    agencies: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    token_id: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; known: {ROLES}")
        # Frozen dataclass: normalise through object.__setattr__ so that every
        # principal holds 'public' whatever its caller passed.
        object.__setattr__(self, "roles", frozenset(self.roles) | {PUBLIC})
        object.__setattr__(self, "agencies", frozenset(self.agencies))

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.token_id is None and self.roles == {PUBLIC}

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    def has_any(self, roles: object) -> bool:
        return self.is_admin or bool(self.roles & set(roles))  # type: ignore[arg-type]


ANONYMOUS = Principal()


def with_roles(actor: str, *roles: str, **kwargs: object) -> Principal:
    """A principal for scripts, notebooks and tests: `with_roles("planner:ani", "planner")`."""
    return Principal(actor=actor, roles=frozenset(roles), **kwargs)  # type: ignore[arg-type]


def can_write(spec: LayerSpec, principal: Principal) -> bool:
    return principal.is_admin or bool(principal.roles & set(spec.access.write))


def can_read(spec: LayerSpec, principal: Principal) -> bool:
    if spec.purpose == "testing":
        return can_write(spec, principal)
    if principal.is_admin or spec.access.is_public:
        return True
    return bool(principal.roles & set(spec.access.read)) or can_write(spec, principal)


HISTORY_ROLES = frozenset({"staff"})


def can_view_history(spec: LayerSpec, principal: Principal) -> bool:
    return can_read(spec, principal) and (can_write(spec, principal) or bool(principal.roles & HISTORY_ROLES))


def can_see_private(spec: LayerSpec, principal: Principal) -> bool:
    return can_write(spec, principal)


def readable_properties(spec: LayerSpec, principal: Principal) -> list[str]:
    """The property names this principal may see, in declaration order; [] when it may not read the layer."""
    if not can_read(spec, principal):
        return []
    if can_see_private(spec, principal):
        return list(spec.property_names)
    private = set(spec.access.private)
    return [name for name in spec.property_names if name not in private]


def hidden_properties(spec: LayerSpec, principal: Principal) -> list[str]:
    """The declared properties this principal must not see (to strip them from a response)."""
    visible = set(readable_properties(spec, principal))
    return [name for name in spec.property_names if name not in visible]


def readable_layers(principal: Principal, registry: Registry | None = None) -> list[LayerSpec]:
    return [spec for spec in (registry or get_registry()) if can_read(spec, principal)]


def writable_layers(principal: Principal, registry: Registry | None = None) -> list[LayerSpec]:
    return [spec for spec in (registry or get_registry()) if can_write(spec, principal)]


def filter_properties(spec: LayerSpec, principal: Principal, properties: dict) -> dict:
    """A feature's properties without those the principal may not see (non-declared keys kept)."""
    hidden = set(hidden_properties(spec, principal))
    return {k: v for k, v in properties.items() if k not in hidden}
