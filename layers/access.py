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
  may write are those its agency, head and account rules admit (`write_scope`).
  A row outside the scope does not exist for the principal
  on any path (items, item pages, tiles and their cache key, history, search,
  "what is here?", downloads, the catalogue's counts, Open311); a write may
  neither touch such a row nor move a row out of the scope.
  Writing has its own scope, reckoned over the `write` roles only: on a layer
  anyone may read (a public register, like the city's assets) staff still
  reach every row to read it, but change, create, delete or restore only rows
  their rule admits (403 for a row they see but may not write), and a write
  role no rule names is what lifts the limit, not `public`.
- workflow (`workflow: {service, state}`): the generic layer API writes the
  rows' other properties only; creating, deleting or changing the state is the
  owning service's (it calls layers.features without a principal).
- derived layers (`derived_from`): the database keeps them; nobody writes them.
- issued documents (a permit, a tax bill, a receipt: services/engine/documents): anyone may
  verify one by its code (what, to whom masked, valid or not); its PDF, which carries the
  holder's name and details, only the holder (the account it was issued to), staff and admins.
- heads of agency (issue 19, SIMPEG): a principal may head some of its agencies
  (`Principal.heads`, kept as `auth.user_agencies.head`). Heading is an attribute of a
  staff member's tie to one agency, not a role: a head is staff like the others on every
  other path, and a role would have to be named by every route of the matrix. A row rule
  `holds: headed_agency` admits the rows of the agencies a principal heads.
- individual figures of a staff member (attendance, performance: services/simpeg): the
  person themself (the account linked to the staff record), the head of the staff member's
  agency, and admins; nobody else, staff of the same agency included. The public sees
  agency-level figures only, aggregated, with small groups suppressed
  (`can_see_staff_member`, `MIN_PUBLIC_GROUP`).
- work units (a hospital reporting its beds, a school's treasurer entering its funds): a staff
  member acts for a unit when it holds the unit's code among its agencies (`RS-<kode_faskes>`,
  `SEKOLAH-<npsn>`, like the UPT codes of the offices) or the agency that oversees such units
  (DINKES for hospitals, DISDIK for schools); admins act for every unit. What a unit publishes
  (beds free, public money) is public; only writing is scoped.
- counts from medical records and education history (services/kelurahan_counts): never public;
  a principal reads an indicator's counts per kelurahan when it holds one of the roles the indicator
  declares (admins always); no path serves a person or a point of them.
- library members (services/library): a member's record (name, contacts) and reservations are
  read by the member (the account it belongs to), library staff (staff of the library agency,
  or of a branch: the work-unit rule with `PERPUS-<kode_cabang>`) and admins; a branch's pickup
  queue and hand-over are its staff's, the agency's and admins'. The public sees the catalogue
  and counts of copies per branch only, never who reserved what (`can_see_library_member`).
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
    heads: frozenset[str] = field(default_factory=frozenset)  # the agencies (among `agencies`) it heads

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; known: {ROLES}")
        # Frozen dataclass: normalise through object.__setattr__ so that every
        # principal holds 'public' whatever its caller passed.
        object.__setattr__(self, "roles", frozenset(self.roles) | {PUBLIC})
        object.__setattr__(self, "agencies", frozenset(self.agencies))
        # One heads only an agency one belongs to: a head removed from the agency heads nothing.
        object.__setattr__(self, "heads", frozenset(self.heads) & self.agencies)

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


# ---------------------------------------------------------------- staff members' own figures

# Agency figures shown to the public cover at least this many staff; a smaller group's
# figures would tell the public about the few people in it.
MIN_PUBLIC_GROUP = 10


def heads_agency(principal: Principal, agency: str) -> bool:
    """Whether the principal heads `agency` (admins count as heads of every agency)."""
    return principal.is_admin or agency in principal.heads


def can_see_staff_member(principal: Principal, *, agency: str, user_id: int | None) -> bool:
    """Whether the principal may see one staff member's individual figures (attendance, performance):
    the person (their linked account, `user_id`), the head of their agency, admins."""
    if heads_agency(principal, agency):
        return True
    return user_id is not None and principal.user_id == user_id


# ---------------------------------------------------------------- work units

UNIT_STAFF_ROLES = frozenset({"staff"})


def unit_code(kind: str, key: str) -> str:
    """The code a staff member holds to act for one work unit: unit_code("SEKOLAH", "10210871")."""
    return f"{kind}-{key}"


def acts_for_unit(principal: Principal, unit: str, overseers: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether the principal may write for the work unit `unit` (see the rule above)."""
    if principal.is_admin:
        return True
    if not principal.roles & UNIT_STAFF_ROLES:
        return False
    return unit in principal.agencies or bool(principal.agencies & set(overseers))


def can_see_library_member(principal: Principal, user_id: int | None, agency: str) -> bool:
    """Whether the principal may see a library member's personal data and reservations (the rule above):
    the member's own account, staff of the library `agency` or any of its branches, admins."""
    if principal.is_admin or (user_id is not None and principal.user_id == user_id):
        return True
    return bool(principal.roles & UNIT_STAFF_ROLES) and any(
        a == agency or a.startswith(unit_code("PERPUS", "")) for a in principal.agencies)


def can_read_counts(principal: Principal, readers: tuple[str, ...] | list[str]) -> bool:
    """Whether the principal reads counts declared for `readers` (never the public: see the rule above)."""
    return principal.is_admin or bool(principal.roles & (set(readers) - {PUBLIC}))


# ---------------------------------------------------------------- audiences

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
    if rule.holds == "headed_agency":
        return tuple(sorted(principal.heads))
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
    return _scope_of(rules, principal)


def write_scope(spec: LayerSpec, principal: Principal) -> RowScope | None:
    """The rows of `spec` this principal may write; None means every row.

    Like row_scope, but only the layer's write roles count: every principal holds `public`,
    which reaches every row of a public layer for reading and must not lift the rule for writing.
    """
    rules = spec.access.rows
    if principal.is_admin or not rules:
        return None
    limited = {role for rule in rules for role in rule.roles}
    if (principal.roles & set(spec.access.write)) - limited:
        return None  # it writes the layer through a role no rule limits
    return _scope_of(rules, principal, writing=True)


def _scope_of(rules: list[RowRule], principal: Principal, *, writing: bool = False) -> RowScope:
    # A fixed-value rule (`holds: value`: an agenda's public events) lets one see rows, never own them.
    conditions = [(rule.property, _held(rule, principal)) for rule in rules
                  if principal.roles & set(rule.roles) and not (writing and rule.holds == "value")]
    merged: dict[str, set[str]] = {}
    for name, values in conditions:
        merged.setdefault(name, set()).update(values)
    return RowScope(tuple((name, tuple(sorted(values))) for name, values in sorted(merged.items()) if values))


def can_write_row(spec: LayerSpec, principal: Principal, row: Mapping[str, Any] | None) -> bool:
    """Whether the principal may change this existing row (a service's step on it, a page's edit button)."""
    if row is None or not can_write(spec, principal) or not row_visible(spec, principal, row):
        return False
    scope = write_scope(spec, principal)
    return scope is None or scope.admits(row)


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
    scope = write_scope(spec, principal)
    if scope is not None and any(row is not None and not scope.admits(row) for row in (old, new)):
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
