"""The staff's steps on a report and citizens' support, over the service engine.

The states, which step is allowed from which state and for which role, the due times, the
notices and the audit are the engine's, read from services/complaints/declaration.yaml:
change_status, comment and assign check what is complaints' own wording of bad input
(Open311 clients and the desk read English), whose report it is (403 for another agency's,
as the desk always answered), then hand the step to services.engine.steps, the one path
that moves a case: the row locked, the transition checked against the declaration, one
version written through layers/ (core.feature_history keeps it; the database derives
complaints_public), an event in engine.case_events, the reporter's notice queued, all in
one transaction. A +1 is not a step of the workflow: support() stays complaints' own.
The timeline below is read back from the layer's history.
"""

from __future__ import annotations

from typing import Any

from layers import feature_history
from layers.access import Principal, row_visible
from layers.registry import get_registry
from layers.tables import Bind, transaction
from services.complaints import queries
from services.complaints.records import NotFound, find_complaint, update_report
from services.engine import said, steps
from services.engine.model import ServiceSpec
from services.engine.queue import steps_for
from services.engine.registry import get_services
from services.errors import ServiceError

SERVICE = "complaints"
# Open311 knows two statuses; the detail goes to status_notes. A state the declaration adds
# later is "closed" when nothing follows it, else "open" (open311_status).
OPEN311_STATUS = {"open": "open", "acknowledged": "open", "in_progress": "open",
                  "resolved": "closed", "rejected": "closed", "closed": "closed"}
STAFF_ROLES = ("staff", "admin")
MAX_NOTE = 2000


class Forbidden(ServiceError):
    status = 403


class TransitionNotAllowed(ServiceError):
    status = 409


def declaration() -> ServiceSpec:
    """services/complaints/declaration.yaml, as the engine's registry loaded and checked it."""
    return get_services().get(SERVICE)


def statuses() -> tuple[str, ...]:
    """The declared states, in the declaration's order."""
    return tuple(s.id for s in declaration().states)


def state_titles() -> dict[str, dict[str, str]]:
    """Each declared state's title, {"id": ..., "en": ...}."""
    return {s.id: {"id": s.title.id, "en": s.title.en} for s in declaration().states}


def open311_status(state: str) -> str:
    if state in OPEN311_STATUS:
        return OPEN311_STATUS[state]
    return "closed" if state in declaration().final_states else "open"


def internal_statuses(open311: str) -> list[str]:
    return [s for s in statuses() if open311_status(s) == open311]


def next_statuses(row: dict[str, Any], principal: Principal) -> list[str]:
    """The states this principal may move the report to (the desk's choices), as declared."""
    return [step.to for step in steps_for(declaration(), row, principal)]


def check_staff(principal: Principal, row: dict[str, Any] | None = None) -> None:
    """Staff or admin; for a given report, one the layer's row rule lets it reach (layers.access:
    staff of the report's agency)."""
    if not principal.has_any(STAFF_ROLES):
        raise Forbidden("only staff of the agencies (SKPD) may do this")
    if row is not None and not row_visible(get_registry().get("complaints"), principal, row):
        raise Forbidden(f"this report belongs to {row['agency']}; you act for "
                        f"{', '.join(sorted(principal.agencies)) or 'no agency'}")


def report_for_staff(bind: Bind, principal: Principal, service_request_id: str) -> dict[str, Any]:
    """A report as the staff desk and the staff API read it: NotFound (404) when there is none,
    Forbidden (403) when the principal may not reach it (check_staff)."""
    row = find_complaint(bind, service_request_id)
    if row is None:
        raise NotFound(f"tidak ada laporan / no service request {service_request_id!r}")
    check_staff(principal, row)
    return row


def _note(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ServiceError(f"note: at most {MAX_NOTE} characters")
    return text or None


# The engine's refusals, in the words complaints' clients read: Indonesian / English.
_REFUSALS: dict[type[said.EngineError], type[ServiceError]] = {
    said.TransitionNotAllowed: TransitionNotAllowed, said.Forbidden: Forbidden, said.CaseNotFound: NotFound}


def _on_the_engine(step: Any) -> Any:
    try:
        return step()
    except said.EngineError as exc:
        text = exc.args[0] if exc.args else ""
        message = f"{text} / {text.en}" if isinstance(text, said.Said) else str(text)
        raise _REFUSALS.get(type(exc), ServiceError)(message, [str(p) for p in exc.problems]) from None


def change_status(bind: Bind, service_request_id: str, new_status: str, principal: Principal, *,
                  note: str | None = None, public: bool = True) -> str:
    """Move a report along the declared workflow; returns the status it left."""
    if new_status not in statuses():
        raise ServiceError(f"status: {new_status!r} is not one of {', '.join(statuses())}")
    note = _note(note)
    report_for_staff(bind, principal, service_request_id)
    return _on_the_engine(lambda: steps.transition(bind, SERVICE, service_request_id, new_status, principal,
                                                   note=note, note_public=public))


def comment(bind: Bind, service_request_id: str, text: str, principal: Principal, *, public: bool) -> None:
    """A staff note: public ones are shown to the citizen (and the map), internal ones to staff only."""
    note = _note(text)
    if not note:
        raise ServiceError("note: empty")
    report_for_staff(bind, principal, service_request_id)
    _on_the_engine(lambda: steps.comment(bind, SERVICE, service_request_id, note, principal, public=public))


def assign(bind: Bind, service_request_id: str, assignee: str, principal: Principal) -> None:
    assignee = assignee.strip()
    if not assignee or len(assignee) > 100:
        raise ServiceError("assignee: a name of at most 100 characters")
    report_for_staff(bind, principal, service_request_id)
    _on_the_engine(lambda: steps.assign(bind, SERVICE, service_request_id, assignee, principal))


class AlreadySupported(ServiceError):
    status = 409


def support(bind: Bind, service_request_id: str, *, actor: str = "open311:anonymous",
            supporter: str | None = None) -> int:
    """A citizen's +1 on a report still being handled; returns the new count.

    `supporter` (an account `user:<id>`, or an anonymous citizen's cookie id
    `anon:<id>`) counts once per report: a second +1 is AlreadySupported and
    changes nothing. None is for trusted callers that count otherwise."""
    changes: dict[str, Any] = {}
    with transaction(bind, actor) as conn:

        # The count is read under the row lock (update_report runs this first), so
        # concurrent +1s never lose one, and the supporter is recorded in the same transaction.
        def bump(row: dict[str, Any]) -> None:
            if open311_status(row["status"]) != "open":
                raise TransitionNotAllowed(f"report {service_request_id} is {row['status']}; it takes no more support")
            if supporter is not None and conn.execute(
                    queries.record_supporter(), {"id": service_request_id, "who": supporter}).first() is None:
                raise AlreadySupported(f"you already support report {service_request_id}; "
                                       f"it has {row['supporters']} supporter(s)")
            changes["supporters"] = row["supporters"] + 1

        update_report(conn, service_request_id, changes, actor=actor, check=bump)
    return changes["supporters"]


# What each kind of change means on the timeline, and who may see it.
PUBLIC_FIELDS = ("status", "status_notes", "supporters")
STAFF_FIELDS = ("internal_notes", "assigned_to")


def timeline(bind: Bind, service_request_id: str, *, staff: bool) -> list[dict[str, Any]]:
    """The report's history, oldest first, from core.feature_history.

    For the public: when, the status, public notes and support, and "who" only
    as a role ("warga"/"petugas"), never a name or another citizen's data.
    """
    row = find_complaint(bind, service_request_id)
    if row is None:
        raise NotFound(f"no service request {service_request_id!r}")
    events = []
    for entry in feature_history(bind, "complaints", row["fid"]):
        old, new = entry["old"] or {}, entry["new"] or {}
        fields = PUBLIC_FIELDS + (STAFF_FIELDS if staff else ())
        changed = {f: new.get(f) for f in fields if entry["op"] == "insert" or old.get(f) != new.get(f)}
        if entry["op"] == "update" and not changed:
            continue
        event = {"at": entry["at"], "op": entry["op"], **changed}
        if entry["op"] == "insert":
            event = {"at": entry["at"], "op": "insert", "status": new.get("status")}
        event["by"] = entry["actor"] if staff else _public_actor(entry, changed)
        events.append(event)
    return events


def _public_actor(entry: dict[str, Any], changed: dict[str, Any]) -> str:
    """Who did it, as a role: citizens submit and support, devices may open, staff do the rest."""
    if (entry["actor"] or "").startswith("device"):
        return "sistem"
    if entry["op"] == "insert" or set(changed) == {"supporters"}:
        return "warga"
    return "petugas"
