"""A service declaration, validated: what `services/<name>/declaration.yaml` may say.

One declaration gives the form, the states and who moves a case from one to the next
(with a due time per state), the public register, the fees rule and the documents
issued. Cross-checks against the case layer's declaration (fields exist, states are
the layer's allowed statuses) are made by the registry (registry.py), which sees both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.model import ROLES, Text

IDENT = r"^[a-z][a-z0-9_]*$"
IMPORT_PATH = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"
LocationKind = Literal["point", "polygon", "parcel", "address"]
AttachmentKind = Literal["image", "pdf"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormField(Strict):
    """A field of the form: a property of the case layer (its type, allowed values and limits
    come from the layer's declaration), asked with this label."""

    name: str = Field(pattern=IDENT)
    label: Text
    required: bool = False
    help: Text | None = None


class Attachment(Strict):
    """A file the applicant sends, checked by its content (not its name or Content-Type)."""

    name: str = Field(pattern=IDENT)
    label: Text
    kinds: list[AttachmentKind] = Field(min_length=1)
    required: bool = False


class Location(Strict):
    """Where the case's geometry comes from: a map click (point), a plot drawn (polygon), a
    feature of `parcel_layer` picked on the map (parcel), or an address naming the kelurahan."""

    kinds: list[LocationKind] = Field(min_length=1)
    parcel_layer: str | None = None
    label: Text

    @model_validator(mode="after")
    def _parcel_needs_layer(self) -> Location:
        if ("parcel" in self.kinds) != (self.parcel_layer is not None):
            raise ValueError("location: 'parcel' and parcel_layer go together")
        return self


class Form(Strict):
    fields: list[FormField]
    attachments: list[Attachment] = Field(default_factory=list)
    location: Location


class State(Strict):
    id: str = Field(pattern=IDENT)
    title: Text
    due_days: float | None = Field(default=None, gt=0)  # how long a case may stay here; None: no limit (final)
    # A state that is not final yet has no due time, said on purpose: a resolved complaint waits for
    # the reporter's word or the desk's tidying, and nobody is late for it.
    untimed: bool = False

    @model_validator(mode="after")
    def _timed_or_not(self) -> State:
        if self.untimed and self.due_days is not None:
            raise ValueError(f"state {self.id}: untimed and due_days exclude each other")
        return self


class Transition(Strict):
    """`from` -> `to`, by a principal holding one of `roles` (staff: of the case's agency;
    citizen: the applicant). `note_required`: a refusal or rejection says why."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    source: str = Field(alias="from")
    to: str
    roles: list[str] = Field(min_length=1)
    label: Text
    note_required: bool = False
    # Properties of the case that must hold a value for this step (a construction stage needs its
    # contractor and contract value): checked by every path that moves a case, the generic desk included.
    requires: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_roles(self) -> Transition:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"transition {self.source} -> {self.to}: unknown roles {sorted(unknown)}")
        return self


class PublicRegister(Strict):
    """What the public sees: the derived `layer` (kept by the database from the case layer),
    holding the cases in `states`."""

    layer: str
    states: list[str] = Field(min_length=1)


class Fees(Strict):
    rule: str = Field(pattern=IMPORT_PATH)  # f(case properties) -> rupiah (int)
    bill_on: str  # the state in which the bill is opened (entering it)
    paid_to: str | None = None  # the state a paid bill moves the case to (when the declaration allows that step)
    expires_days: int = Field(default=14, gt=0)


class CaseColumns(Strict):
    """Where the engine's columns are in the case layer, when a layer older than the engine names
    them otherwise (complaints: Open311's `service_request_id`, `requested_datetime`, `status_notes`).
    A column mapped to None is one the layer does not have: `service` None means the layer holds
    this service's cases only; `attachment_files`, `findings`, `fee` None: the service has none.
    `updated_at`, when named, is stamped with the time of every write (Open311's updated_datetime)."""

    case_ref: str = "case_ref"
    service: str | None = "service"
    submitted_at: str = "submitted_at"
    public_note: str = "public_note"
    akun_pemohon: str = "akun_pemohon"
    email_pemohon: str = "email_pemohon"
    attachment_files: str | None = "attachment_files"
    findings: str | None = "findings"
    fee: str | None = "fee"
    updated_at: str | None = None

    def renamed(self) -> dict[str, str]:
        """engine name -> layer column, for the columns the layer names otherwise."""
        return {k: v for k, v in self.model_dump().items() if v is not None and v != k and k != "updated_at"}

    def engine_row(self, row: Mapping[str, Any], service_id: str) -> dict[str, Any]:
        """A case row read from the layer, with the engine's names beside the layer's own."""
        out = dict(row)
        for engine_name, column in self.renamed().items():
            if column in out:
                out[engine_name] = out[column]
        if self.service is None:
            out["service"] = service_id
        return out

    def to_layer(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Changes named as the engine names them, as the layer's columns."""
        renamed = self.renamed()
        return {renamed.get(k, k): v for k, v in changes.items()}


class Document(Strict):
    kind: str = Field(pattern=IDENT)
    title: Text
    when: str  # the state whose entry issues it
    holder: str = "nama_pemohon"  # the case property naming whom it is issued to (a birth certificate: the child)
    valid_years: int | None = Field(default=None, gt=0)


class ServiceSpec(Strict):
    id: str = Field(pattern=IDENT)
    title: Text
    description: Text
    agency: str  # the SKPD code that handles every case (staff of it reach the cases)
    # f() -> agency codes, when cases go to several agencies (complaints: by category and area; the case
    # layer's row rule then gives each agency its own); the desk lists the service to each of them.
    routing: str | None = Field(default=None, pattern=IMPORT_PATH)
    # Who opens a case: a citizen applying (the layanan pages), or staff of the owning agency through the
    # service's own functions (a city project is planned by its agency, never filed by the public).
    filed_by: Literal["citizen", "staff"] = "citizen"
    ref_prefix: str = Field(pattern=r"^[A-Z]{2,5}$")
    case_layer: str
    form: Form
    checks: str | None = Field(default=None, pattern=IMPORT_PATH)  # f(conn, geometry, fields) -> findings
    # f(fields) -> list[Said]: the service's own refusals of the form's typed values (an NIK's structure,
    # dates not in the future); any problem refuses the application, nothing is written.
    form_rules: str | None = Field(default=None, pattern=IMPORT_PATH)
    states: list[State] = Field(min_length=2)
    initial: str
    transitions: list[Transition]
    public: PublicRegister | None = None
    fees: Fees | None = None
    documents: list[Document] = Field(default_factory=list)
    columns: CaseColumns = Field(default_factory=CaseColumns)
    # f(spec, state_id, case, since) -> datetime | None: the service's own due time of a state, in place
    # of `since + due_days` (a complaint's target is its category's, counted from when it was filed);
    # a state without due_days has none either way.
    due_rule: str | None = Field(default=None, pattern=IMPORT_PATH)
    # Cases filed by the service's own intake (complaints: Open311, the /lapor page, device alarms), at
    # this page; the engine's own form then only says what that intake asks, and the engine files no case.
    intake_page: str | None = Field(default=None, pattern=r"^/[a-z0-9/_-]*$")

    @model_validator(mode="after")
    def _states_are_known(self) -> ServiceSpec:
        known = {s.id for s in self.states}
        if len(known) != len(self.states):
            raise ValueError(f"service {self.id}: duplicate state ids")
        named = [self.initial, *(t.source for t in self.transitions), *(t.to for t in self.transitions)]
        named += (self.public.states if self.public else []) + [d.when for d in self.documents]
        named += [self.fees.bill_on, *([self.fees.paid_to] if self.fees.paid_to else [])] if self.fees else []
        unknown = sorted(set(named) - known)
        if unknown:
            raise ValueError(f"service {self.id}: unknown states {unknown}; declared: {sorted(known)}")
        pairs = [(t.source, t.to) for t in self.transitions]
        if len(pairs) != len(set(pairs)):
            raise ValueError(f"service {self.id}: a transition is declared twice")
        return self

    def state(self, state_id: str) -> State:
        return next(s for s in self.states if s.id == state_id)

    def transitions_from(self, state_id: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state_id]

    def transition(self, source: str, to: str) -> Transition | None:
        return next((t for t in self.transitions if t.source == source and t.to == to), None)

    @property
    def untimed_states(self) -> list[str]:
        """States without a due time (the final ones, and those declared untimed): never overdue."""
        return [s.id for s in self.states if s.due_days is None]

    @property
    def final_states(self) -> list[str]:
        return [s.id for s in self.states if not self.transitions_from(s.id)]
