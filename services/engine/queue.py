"""Reading cases: one case as its applicant or the handling staff see it, the desk's list, overdue.

What a principal sees of a case is what the case layer's declaration lets it see
(layers/access.py: private fields for the layer's writers only, rows by agency or
account); the applicant's timeline holds the public steps only, staff see every event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from layers.access import Principal, filter_properties, row_scope, row_visible
from layers.registry import get_registry
from layers.tables import Bind, reading
from services.engine import attachments, media, queries, seams
from services.engine.cases import STAFF_ROLES, now_utc, service_spec
from services.engine.model import ServiceSpec
from services.engine.said import CaseNotFound, Said


@dataclass(frozen=True)
class Step:
    to: str
    label: dict[str, str]
    note_required: bool


def is_overdue(spec: ServiceSpec, row: Mapping[str, Any], now: datetime | None = None) -> bool:
    """Past the due time of its state, in a state that has one (not a final or an untimed one)."""
    due = row.get("due_at")
    return due is not None and row["status"] not in spec.untimed_states and due < (now or now_utc())


def steps_for(spec: ServiceSpec, row: Mapping[str, Any], principal: Principal) -> list[Step]:
    """The transitions this principal may make from the case's state (the desk's and the applicant's buttons)."""
    return [Step(t.to, {"id": t.label.id, "en": t.label.en}, t.note_required)
            for t in spec.transitions_from(row["status"]) if principal.has_any(t.roles)]


def _visible(spec: ServiceSpec, row: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
    case_spec = get_registry().get(spec.case_layer)
    properties = {k: v for k, v in row.items() if k in case_spec.property_names}
    return filter_properties(case_spec, principal, properties)


def case_for(bind: Bind, service_id: str, case_ref: str, principal: Principal,
             now: datetime | None = None) -> dict[str, Any]:
    """One case as this principal may see it; CaseNotFound when it may not reach it."""
    spec = service_spec(service_id)
    case_spec = get_registry().get(spec.case_layer)
    staff = principal.has_any(STAFF_ROLES)
    with reading(bind) as conn:
        row = conn.execute(queries.select_case(spec, case_ref)).mappings().one_or_none()
        if row is None or not row_visible(case_spec, principal, row):
            raise CaseNotFound(Said(f"permohonan {case_ref} tidak ditemukan", f"no application {case_ref}"))
        row = spec.columns.engine_row(row, spec.id)
        events = [dict(e) for e in conn.execute(queries.select_events(public_only=not staff),
                                                {"service": spec.id, "case_ref": case_ref}).mappings()]
        bills = seams.bills_for(conn, service=spec.id, case_ref=case_ref)
        documents = seams.documents_for(conn, service=spec.id, case_ref=case_ref)
    for event in events:
        if not staff:
            event["actor"] = "pemohon" if event["actor"].startswith("citizen:") else "petugas"
            event.pop("photo", None)
    properties = _visible(spec, row, principal)
    return {
        "service": spec.id, "case_ref": case_ref, "fid": row["fid"], "properties": properties,
        "geometry": json.loads(row["geometry_json"]), "lon": row["lon"], "lat": row["lat"],
        "state": {"id": row["status"], "title": spec.state(row["status"]).title.model_dump()},
        "overdue": is_overdue(spec, row, now), "final": row["status"] in spec.final_states,
        "findings": json.loads(row["findings"]) if row.get("findings") else None,
        "steps": [s.__dict__ for s in steps_for(spec, row, principal)], "events": events,
        "bills": [getattr(b, "__dict__", b) for b in bills], "documents": [getattr(d, "__dict__", d) for d in documents],
        "attachments": json.loads(row["attachment_files"]) if staff and row.get("attachment_files") else {},
    }


def list_cases(bind: Bind, service_ids: Sequence[str], principal: Principal, *, statuses: Sequence[str] = (),
               overdue_only: bool = False, now: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Cases of these services (sharing one case layer) the principal reaches, newest first."""
    specs = [service_spec(s) for s in service_ids]
    if not specs:
        return []
    layer = specs[0].case_layer
    if any(s.case_layer != layer for s in specs):
        raise ValueError("list_cases lists services of one case layer at a time")
    now = now or now_utc()
    finals = sorted({f for s in specs for f in s.untimed_states})
    scope = row_scope(get_registry().get(layer), principal)
    query = queries.select_cases(specs, scope, statuses=statuses,
                                 overdue_at=now if overdue_only else None, finals=finals, limit=limit)
    by_id = {s.id: s for s in specs}
    with reading(bind) as conn:
        rows = [specs[0].columns.engine_row(r, specs[0].id) for r in conn.execute(query).mappings()]
    out = []
    for row in rows:
        spec = by_id[row["service"]]
        # The engine's names beside the layer's own (the same values; none of them private).
        names = {k: row[k] for k in ("case_ref", "service", "status", "submitted_at", "due_at", "state_since")}
        out.append({**_visible(spec, row, principal), **names, "lon": row["lon"], "lat": row["lat"],
                    "geometry": json.loads(row["geometry_json"]), "overdue": is_overdue(spec, row, now),
                    "state_title": spec.state(row["status"]).title.model_dump()})
    return out


def services_of(principal: Principal) -> list[ServiceSpec]:
    """The declared services whose cases this principal handles (its agencies'; admins all)."""
    from services.engine.registry import get_services

    return [s for s in get_services() if principal.is_admin or handling_agencies(s) & principal.agencies]


def handling_agencies(spec: ServiceSpec) -> set[str]:
    """The agencies whose staff handle the service's cases: its agency, or those its routing names."""
    from services.engine.cases import rule

    return set(rule(spec.routing)()) if spec.routing else {spec.agency}


def staff_file(bind: Bind, service_id: str, case_ref: str, principal: Principal, *,
               attachment: str | None = None, event_id: int | None = None) -> tuple[Path, str]:
    """An application's attachment or a field visit's photo, for the handling staff only."""
    if not principal.has_any(STAFF_ROLES):
        raise CaseNotFound(Said("berkas tidak ditemukan", "no such file"))
    case = case_for(bind, service_id, case_ref, principal)
    name = case["attachments"].get(attachment) if attachment else None
    if event_id is not None:
        with reading(bind) as conn:
            name = conn.execute(queries.select_event_photo(), {"service": service_id, "case_ref": case_ref,
                                                               "event_id": event_id}).scalar_one_or_none()
    if not name:
        raise CaseNotFound(Said("berkas tidak ditemukan", "no such file"))
    path, mime = attachments.stored_path(name) if attachment else media.photo_path(name)
    return Path(path), mime
