"""The staff workflow and citizens' support: who may change a report, to what, and its history.

    open -> acknowledged -> in_progress -> resolved -> closed
      \\________________\\_____________\\-> rejected -> closed

A report may be rejected at any step before it is resolved (a duplicate or a
report outside the city's duty is rejected at once, not after "in progress").
Each step is one write of both layers, so core.feature_history records who
did it and when; the timeline below is read back from that history. A staff
member acts only on reports of their own agencies (SKPD); admins on all.
"""

from __future__ import annotations

from typing import Any

from layers import feature_history
from layers.access import Principal, row_visible
from layers.registry import get_registry
from layers.tables import Bind, transaction
from services.complaints import queries
from services.complaints.records import NotFound, find_complaint, update_report
from services.errors import ServiceError

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "rejected"}),
    "acknowledged": frozenset({"in_progress", "rejected"}),
    "in_progress": frozenset({"resolved", "rejected"}),
    "resolved": frozenset({"closed"}),
    "rejected": frozenset({"closed"}),
    "closed": frozenset(),
}
STATUSES = tuple(TRANSITIONS)
# Open311 knows two statuses; the detail goes to status_notes.
OPEN311_STATUS = {"open": "open", "acknowledged": "open", "in_progress": "open",
                  "resolved": "closed", "rejected": "closed", "closed": "closed"}
STAFF_ROLES = ("staff", "admin")
MAX_NOTE = 2000


class Forbidden(ServiceError):
    status = 403


class TransitionNotAllowed(ServiceError):
    status = 409


def internal_statuses(open311_status: str) -> list[str]:
    return [s for s, o in OPEN311_STATUS.items() if o == open311_status]


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


def change_status(bind: Bind, service_request_id: str, new_status: str, principal: Principal, *,
                  note: str | None = None, public: bool = True) -> str:
    """Move a report along the workflow; returns the status it left."""
    if new_status not in TRANSITIONS:
        raise ServiceError(f"status: {new_status!r} is not one of {', '.join(STATUSES)}")
    note = _note(note)

    def allowed(row: dict[str, Any]) -> None:
        check_staff(principal, row)
        if new_status not in TRANSITIONS[row["status"]]:
            targets = ", ".join(sorted(TRANSITIONS[row["status"]])) or "nothing (it is final)"
            raise TransitionNotAllowed(f"a report that is {row['status']} cannot become {new_status}; "
                                       f"it can become {targets}")

    changes: dict[str, Any] = {"status": new_status}
    if note:
        changes["status_notes" if public else "internal_notes"] = note
    return update_report(bind, service_request_id, changes, actor=principal.actor, check=allowed)["status"]


def comment(bind: Bind, service_request_id: str, text: str, principal: Principal, *, public: bool) -> None:
    """A staff note: public ones are shown to the citizen (and the map), internal ones to staff only."""
    note = _note(text)
    if not note:
        raise ServiceError("note: empty")
    field = "status_notes" if public else "internal_notes"
    update_report(bind, service_request_id, {field: note}, actor=principal.actor,
                  check=lambda row: check_staff(principal, row))


def assign(bind: Bind, service_request_id: str, assignee: str, principal: Principal) -> None:
    assignee = assignee.strip()
    if not assignee or len(assignee) > 100:
        raise ServiceError("assignee: a name of at most 100 characters")
    update_report(bind, service_request_id, {"assigned_to": assignee}, actor=principal.actor,
                  check=lambda row: check_staff(principal, row))


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
            if OPEN311_STATUS[row["status"]] != "open":
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
