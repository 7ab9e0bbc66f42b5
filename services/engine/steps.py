"""The steps after submission: transition, assign, comment, field visit; each one transaction.

Who may act: a transition names its roles in the declaration (staff act on their agencies'
cases, a citizen on its own: the case layer's row rule, layers/access.py); assigning,
commenting and recording a field visit are the handling agency's staff's. A case the
principal may not reach does not exist for it (404); a step the declaration does not allow
from the case's state, or not for the principal's roles, is refused (409 / 403) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from layers import update_feature
from layers.access import Principal, row_visible
from layers.registry import get_registry
from layers.tables import Bind, transaction
from services.engine import media, queries, seams
from services.engine.cases import (
    MAX_NOTE,
    STAFF_ROLES,
    VISIT_RADIUS_M,
    _after_entering,
    _event,
    due_at,
    now_utc,
    service_spec,
)
from services.engine.model import ServiceSpec, Transition
from services.engine.said import CaseNotFound, Forbidden, FormRejected, Said, TransitionNotAllowed


def _locked_case(conn: Connection, spec: ServiceSpec, case_ref: str, principal: Principal) -> dict[str, Any]:
    row = conn.execute(queries.select_case(spec, case_ref, for_update=True)).mappings().one_or_none()
    if row is None or not row_visible(get_registry().get(spec.case_layer), principal, row):
        raise CaseNotFound(Said(f"permohonan {case_ref} tidak ditemukan", f"no application {case_ref}"))
    return spec.columns.engine_row(row, spec.id)


def _note(text: str | None, *, required: bool = False) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise FormRejected(Said(f"catatan: paling banyak {MAX_NOTE} karakter", f"note: at most {MAX_NOTE} characters"))
    if required and not text:
        raise FormRejected(Said("catatan: tuliskan alasannya", "note: say why"))
    return text or None


def _staff_only(principal: Principal) -> None:
    if not principal.has_any(STAFF_ROLES):
        raise Forbidden(Said("hanya petugas SKPD yang menangani yang boleh melakukan ini",
                             "only staff of the handling agency may do this"))


def _write(conn: Connection, spec: ServiceSpec, row: Mapping[str, Any], changes: dict[str, Any], actor: str) -> None:
    """Write `changes` (by the engine's names) as one new version of the case."""
    stored = spec.columns.to_layer(changes)
    if spec.columns.updated_at is not None:
        stored[spec.columns.updated_at] = now_utc()
    update_feature(conn, spec.case_layer, row["fid"], {"type": "Feature", "properties": stored},
                   actor=actor, partial=True)


def _move(conn: Connection, spec: ServiceSpec, row: Mapping[str, Any], to: str, actor: str, note: str | None,
          at: datetime, extra: Mapping[str, Any] | None = None, *, note_public: bool = True) -> None:
    """Write the case into `to` (its due time restarts), audit it, and set off what entering `to` does.
    `extra`: the service's own properties written in the same version (a PPDB placement). An internal
    note (`note_public` False) goes to staff's notes and to a staff-only event, not on the public step."""
    changes: dict[str, Any] = {"status": to, "state_since": at, "due_at": due_at(spec, to, at, row)}
    if note:
        changes["public_note" if note_public else "internal_notes"] = note
    changes.update(extra or {})
    _write(conn, spec, row, changes, actor)
    _event(conn, spec, row["case_ref"], at, actor, "transition", from_state=row["status"], to_state=to,
           note=note if note_public else None, public=True)
    if note and not note_public:
        _event(conn, spec, row["case_ref"], at, actor, "comment", note=note, public=False)
    _after_entering(conn, spec, {**row, **changes}, to, at)


def _refuse_missing(allowed: Transition, case: Mapping[str, Any]) -> None:
    """A step whose declared `requires` are not all filled in on the case is refused (nothing written)."""
    missing = [name for name in allowed.requires if case.get(name) in (None, "")]
    if missing:
        raise FormRejected(Said(f"langkah {allowed.source} → {allowed.to} memerlukan: {', '.join(missing)}",
                                f"the step {allowed.source} -> {allowed.to} requires: {', '.join(missing)}"),
                           [Said(f"{name}: wajib diisi untuk langkah ini", f"{name}: required for this step")
                            for name in missing])


def locked_case(conn: Connection, service_id: str, case_ref: str, principal: Principal) -> dict[str, Any]:
    """The case locked for a step in the caller's transaction; CaseNotFound when `principal` may not reach it."""
    return _locked_case(conn, service_spec(service_id), case_ref, principal)


def move_within(conn: Connection, service_id: str, row: Mapping[str, Any], to: str, actor: str, *,
                note: str | None = None, extra: Mapping[str, Any] | None = None, at: datetime | None = None) -> None:
    """A declared step made by a service's own logic inside the caller's transaction (a PPDB allocation
    moves every registration of a round in one). The transition must be declared from the case's state;
    the caller has checked who may run its logic. TransitionNotAllowed (nothing written) otherwise."""
    spec = service_spec(service_id)
    allowed = spec.transition(row["status"], to)
    if allowed is None:
        raise TransitionNotAllowed(Said(f"permohonan berstatus {row['status']} tidak dapat menjadi {to}",
                                        f"an application that is {row['status']} cannot become {to}"))
    _refuse_missing(allowed, {**row, **(extra or {})})
    _move(conn, spec, row, to, actor, note, at or now_utc(), extra)


def on_bill_paid(conn: Connection, bill: Any) -> None:
    """The engine's handler of paid bills (payments calls it inside the transaction that marks the bill
    paid): the case moves to the declaration's `fees.paid_to` when that step is allowed from its state.
    A case that has moved on already (or a bill of no declared service) is left as it is."""
    from services.engine.registry import get_services

    services = get_services()
    spec = services.get(bill.service) if bill.service in services else None
    if spec is None or spec.fees is None or spec.fees.paid_to is None:
        return
    row = conn.execute(queries.select_case(spec, bill.case_ref, for_update=True)).mappings().one_or_none()
    row = None if row is None else spec.columns.engine_row(row, spec.id)
    if row is None or spec.transition(row["status"], spec.fees.paid_to) is None:
        return
    _move(conn, spec, row, spec.fees.paid_to, f"payments:{bill.provider}",
          f"Pembayaran {bill.number} diterima / payment received", now_utc())


def install_payment_handler() -> bool:
    """Register on_bill_paid with the payments package (False when this tree has none); idempotent in effect."""
    return seams.on_paid(on_bill_paid)


def _step(bind: Bind, service_id: str, case_ref: str, principal: Principal,
          act: Callable[[Connection, ServiceSpec, dict[str, Any]], Any]) -> Any:
    spec = service_spec(service_id)
    with transaction(bind, principal.actor) as conn:
        row = _locked_case(conn, spec, case_ref, principal)
        return act(conn, spec, row)


def transition(bind: Bind, service_id: str, case_ref: str, to: str, principal: Principal, *,
               note: str | None = None, now: datetime | None = None, note_public: bool = True) -> str:
    """Move a case to `to`; returns the state it left. `note_public` False: the note is for staff only."""

    def act(conn: Connection, spec: ServiceSpec, row: dict[str, Any]) -> str:
        allowed = spec.transition(row["status"], to)
        if allowed is None:
            targets = ", ".join(t.to for t in spec.transitions_from(row["status"])) or "tidak ada (status akhir)"
            raise TransitionNotAllowed(
                Said(f"permohonan berstatus {row['status']} tidak dapat menjadi {to}; yang mungkin: {targets}",
                     f"an application that is {row['status']} cannot become {to}; possible: {targets}"))
        if not principal.has_any(allowed.roles):
            raise Forbidden(Said(f"langkah {row['status']} → {to} hanya untuk peran {', '.join(allowed.roles)}",
                                 f"the step {row['status']} -> {to} is for the roles {', '.join(allowed.roles)} only"))
        _refuse_missing(allowed, row)
        _move(conn, spec, row, to, principal.actor, _note(note, required=allowed.note_required), now or now_utc(),
              note_public=note_public)
        return row["status"]

    return _step(bind, service_id, case_ref, principal, act)


def assign(bind: Bind, service_id: str, case_ref: str, assignee: str, principal: Principal) -> None:
    _staff_only(principal)
    assignee = (assignee or "").strip()
    if not assignee or len(assignee) > 100:
        raise FormRejected(Said("petugas: nama paling banyak 100 karakter", "assignee: a name of at most 100 characters"))

    def act(conn: Connection, spec: ServiceSpec, row: dict[str, Any]) -> None:
        _write(conn, spec, row, {"assigned_to": assignee}, principal.actor)
        _event(conn, spec, case_ref, now_utc(), principal.actor, "assign", note=assignee)

    _step(bind, service_id, case_ref, principal, act)


def comment(bind: Bind, service_id: str, case_ref: str, text: str, principal: Principal, *, public: bool) -> None:
    """A staff note: a public one is the applicant's to read (public_note), an internal one staff's only."""
    _staff_only(principal)
    note = _note(text, required=True)

    def act(conn: Connection, spec: ServiceSpec, row: dict[str, Any]) -> None:
        _write(conn, spec, row, {"public_note" if public else "internal_notes": note}, principal.actor)
        event = _event(conn, spec, case_ref, now_utc(), principal.actor, "comment", note=note, public=public)
        if public:  # a note to the applicant reaches them like a step does
            seams.notify(conn, recipient=row.get("email_pemohon"), subject=f"{spec.title.id} {case_ref}: catatan",
                         body=f"Catatan petugas / note from staff:\n{note}", dedupe_key=f"engine:{spec.id}:{case_ref}:"
                         f"comment:{event}", origin=f"engine:{spec.id}")

    _step(bind, service_id, case_ref, principal, act)


def record_visit(bind: Bind, service_id: str, case_ref: str, principal: Principal, *, lon: Any, lat: Any,
                 note: str | None, photo: bytes | None) -> int:
    """A field visit: where staff stood (a point at the plot), what they saw, a photo. Returns the event id.

    The photo is checked as a complaint's is (services/engine/media.py) and kept for staff."""
    _staff_only(principal)
    text = _note(note, required=True)
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise FormRejected(Said("kunjungan: tandai titik kunjungan di peta", "visit: mark where you stood on the map")) from None
    if photo is None or not photo:
        raise FormRejected(Said("kunjungan: lampirkan foto lapangan", "visit: attach a photo of the site"))
    try:
        media.check_photo(photo)
    except media.ServiceError as exc:
        raise FormRejected(Said(f"kunjungan: foto tidak sah ({exc})", f"visit: not a valid photo ({exc})")) from None

    def act(conn: Connection, spec: ServiceSpec, row: dict[str, Any]) -> int:
        if row["status"] in spec.final_states:
            raise TransitionNotAllowed(Said(f"permohonan sudah {row['status']}; kunjungan tidak dicatat lagi",
                                            f"the application is {row['status']}; no more visits are recorded"))
        distance = conn.execute(queries.select_distance_to_case(),
                                {"lon": x, "lat": y, "geometry": row["geometry_json"]}).scalar_one()
        if distance is None or distance > VISIT_RADIUS_M:
            raise FormRejected(Said(f"kunjungan: titik berjarak {distance or 0:,.0f} m dari bidang; paling jauh "
                                    f"{VISIT_RADIUS_M:.0f} m", f"visit: the point is {distance or 0:,.0f} m from the "
                                    f"plot; at most {VISIT_RADIUS_M:.0f} m"))
        stored = media.store_photo(photo)
        try:
            event = _event(conn, spec, case_ref, now_utc(), principal.actor, "visit", note=text, photo=stored,
                           lon=x, lat=y)
            _write(conn, spec, row, {"internal_notes": f"Kunjungan lapangan: {text}"}, principal.actor)
        except BaseException:
            media.remove_photo(stored)
            raise
        return event

    return _step(bind, service_id, case_ref, principal, act)


