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
- rows (`access.rows`, a list of RowRule): a principal that reaches the
  layer only through roles some rule names (staff, citizen) reaches only the
  rows one of its rules admits: those whose `agency` is one of its agencies,
  or whose `reporter` is its own account, or whose property holds a rule's fixed
  `value` (an agenda's public events). Admins, and roles no rule names,
  reach every row. A fixed-value rule grants reading only: the rows a principal
  may write are those its agency and account rules admit (`row_scope(...,
  writing=True)`). A row outside the scope does not exist for the principal
  on any path (items, item pages, tiles and their cache key, history, search,
  "what is here?", downloads, the catalogue's counts, Open311); a write may
  neither touch such a row nor move a row out of the scope.
- workflow (`workflow: {service, state}`): the generic layer API writes the
  rows' other properties only; creating, deleting or changing the state is the
  owning service's (it calls layers.features without a principal).
- derived layers (`derived_from`): the database keeps them; nobody writes them.
- issued documents (a permit, a tax bill, a receipt: services/engine/documents): anyone may
  verify one by its code (what, to whom masked, valid or not); its PDF, which carries the
  holder's name and details, only the holder (the account it was issued to), staff and admins.
- audiences (a page or tool declared for some people, not a layer: the indicators dashboard):
  a principal holding one of the declared roles, staff of one of the declared agencies, or an admin.
Every principal, logged in or not, also holds the role 'public'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from layers.errors import FeatureNotFound, LayerError
from layers.model import ROLES, LayerSpec, RowRule
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
    if spec.derived_from is not None:
        return False
    return principal.is_admin or bool(principal.roles & set(spec.access.write))


def can_read(spec: LayerSpec, principal: Principal) -> bool:
    if spec.purpose == "testing":
        return can_write(spec, principal)
    if principal.is_admin or spec.access.is_public:
        return True
    return bool(principal.roles & set(spec.access.read)) or can_write(spec, principal)


HISTORY_ROLES = frozenset({"staff"})


def can_view_history(spec: LayerSpec, principal: Principal) -> bool:
    return can_read(spec, principal) and (principal.is_admin or can_write(spec, principal)
                                          or bool(principal.roles & HISTORY_ROLES))


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


DOCUMENT_STAFF_ROLES = frozenset({"staff"})


def can_read_issued_document(principal: Principal, holder_ref: str) -> bool:
    """Whether the principal may have an issued document's PDF: its holder, staff, admins."""
    if principal.is_admin or principal.roles & DOCUMENT_STAFF_ROLES:
        return True
    return bool(holder_ref) and principal.user_id is not None and account_value(principal) == holder_ref


AUDIENCE_STAFF_ROLES = frozenset({"staff"})


def in_audience(principal: Principal, roles: object, agencies: object) -> bool:
    """Whether a declared audience ({roles, agencies}) includes the principal: one of `roles`,
    staff of one of `agencies` (SKPD codes), or an admin."""
    if principal.is_admin or principal.roles & set(roles):  # type: ignore[arg-type]
        return True
    return bool(principal.roles & AUDIENCE_STAFF_ROLES and principal.agencies & set(agencies))  # type: ignore[arg-type]


# ---------------------------------------------------------------- rows

@dataclass(frozen=True)
class RowScope:
    """The rows a principal reaches in one layer: those where any (property, allowed values) condition holds.

    No condition at all means no row (a staff member of no agency). Hashable,
    so statements built per scope can be cached; the tile cache key is a hash of
    a statement that spells the values out, so each scope has its own tiles.
    """

    conditions: tuple[tuple[str, tuple[str, ...]], ...]

    def admits(self, row: Mapping[str, Any]) -> bool:
        return any(row.get(name) in values for name, values in self.conditions)


def _held(rule: RowRule, principal: Principal) -> tuple[str, ...]:
    if rule.holds == "value":
        return (rule.value,) if rule.value is not None else ()
    if rule.holds == "agency":
        return tuple(sorted(principal.agencies))
    return (account_value(principal),) if principal.user_id is not None else ()


def account_value(principal: Principal) -> str:
    """What a row's account property holds for rows of this principal (a citizen's own reports)."""
    return f"user:{principal.user_id}"


def account_of(principal: Principal) -> str | None:
    """The account value to record on a row this principal files, None for the anonymous or a token."""
    return account_value(principal) if principal.user_id is not None else None


def _granting_roles(spec: LayerSpec) -> set[str]:
    readers = {PUBLIC} if spec.access.is_public else set(spec.access.read)
    return readers | set(spec.access.write)


def row_scope(spec: LayerSpec, principal: Principal, *, writing: bool = False) -> RowScope | None:
    """The rows of `spec` this principal reaches (`writing`: may change); None means every row."""
    rules = spec.access.rows
    if principal.is_admin or not rules:
        return None
    limited = {role for rule in rules for role in rule.roles}
    if (principal.roles & _granting_roles(spec)) - limited:
        return None  # it reaches the layer through a role no rule limits
    conditions = [(rule.property, _held(rule, principal)) for rule in rules
                  if principal.roles & set(rule.roles) and not (writing and rule.holds == "value")]
    merged: dict[str, set[str]] = {}
    for name, values in conditions:
        merged.setdefault(name, set()).update(values)
    return RowScope(tuple((name, tuple(sorted(values))) for name, values in sorted(merged.items()) if values))


def row_visible(spec: LayerSpec, principal: Principal, row: Mapping[str, Any] | None) -> bool:
    """Whether this (existing) row is one the principal reaches; None (no row) is not."""
    if row is None:
        return False
    scope = row_scope(spec, principal)
    return scope is None or scope.admits(row)


class RowOutOfScope(LayerError):
    """A write that would put a row where the principal's row rule does not reach."""

    status = 403


class WorkflowWrite(LayerError):
    """A generic write that would skip the transitions of a layer's workflow."""

    status = 409


def refuse_derived(spec: LayerSpec) -> None:
    """Any write of a derived layer, by anyone (the database keeps it; its guard trigger refuses too)."""
    if spec.derived_from is not None:
        raise WorkflowWrite(f"layer {spec.id} is derived from {spec.derived_from} by the database; "
                            f"change {spec.derived_from} instead")


def check_row_write(spec: LayerSpec, principal: Principal, fid: int | None,
                    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
    """Refuse a write through the generic layer API: `old` is the locked row (None for an insert),
    `new` the row as it would be (None for a delete). The caller already checked can_write."""
    refuse_derived(spec)
    if old is not None and not row_visible(spec, principal, old):
        raise FeatureNotFound(f"no feature {fid} in layer {spec.id}")  # as if missing: its existence is not confirmed
    scope = row_scope(spec, principal, writing=True)
    if old is not None and scope is not None and not scope.admits(old):
        raise RowOutOfScope(f"{principal.actor} may read this row of layer {spec.id} but not change it")
    if new is not None and scope is not None and not scope.admits(new):
        reach = "; ".join(f"{name} one of {', '.join(values)}" for name, values in scope.conditions) or "no rows"
        raise RowOutOfScope(f"{principal.actor} writes only rows of layer {spec.id} with {reach}")
    _check_workflow(spec, old, new)


def _check_workflow(spec: LayerSpec, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
    workflow = spec.workflow
    if workflow is None:
        return
    where = f"through its service ({workflow.service})"
    if old is None:
        raise WorkflowWrite(f"rows of {spec.id} follow a workflow: create them {where}")
    if new is None:
        raise WorkflowWrite(f"rows of {spec.id} follow a workflow: they are not deleted, only moved {where}")
    if new.get(workflow.state) != old.get(workflow.state):
        raise WorkflowWrite(f"{workflow.state} of {spec.id} moves only {where}, which checks the transition "
                            f"from {old.get(workflow.state)!r}")
