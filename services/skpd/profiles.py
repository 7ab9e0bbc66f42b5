"""An agency's public profile: who it is, what it does, what it runs, where its offices are, how it
keeps its due times. The same dicts serve the pages, the JSON API and notebooks (Flask-free)."""

from __future__ import annotations

import re
from typing import Any

from layers.tables import Bind, reading
from services.errors import NotFound
from services.skpd import queries
from services.skpd.agencies import Agency, get_agencies, services_run_by
from services.skpd.performance import agency_performance

CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,19}$")


class UnknownAgency(NotFound):
    """No agency has this code."""


def agency_of(code: str) -> Agency:
    """The agency for a code as typed in a URL (any case); UnknownAgency (404) otherwise."""
    agency = get_agencies().get(code.upper()) if CODE.match(code) else None
    if agency is None:
        raise UnknownAgency(f"SKPD {code[:20]!r} tidak dikenal; lihat daftar SKPD di /skpd "
                            f"(unknown agency; see the list at /skpd)")
    return agency


def _summary(agency: Agency, offices: int) -> dict[str, Any]:
    return {"code": agency.code, "short": agency.short, "kind": agency.kind, "name": dict(agency.name),
            "offices": offices, "services": len(services_run_by(agency.code))}


def agency_list(bind: Bind) -> list[dict[str, Any]]:
    """Every agency with how many offices and services it has, in the vocabulary's order."""
    with reading(bind) as conn:
        counts = {r.agency: r.n for r in conn.execute(queries.office_counts())}
    return [_summary(a, counts.get(a.code, 0)) for a in get_agencies()]


def agency_offices(bind: Bind, code: str) -> dict[str, Any]:
    """The agency's offices as a GeoJSON FeatureCollection of their public properties."""
    with reading(bind) as conn:
        rows = [dict(r) for r in conn.execute(queries.offices_of(code)).mappings()]
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.pop("lon"), r.pop("lat")]},
                 "properties": r} for r in rows]
    return {"type": "FeatureCollection", "features": features}


def agency_profile(bind: Bind, code: str) -> dict[str, Any]:
    """Everything the public profile shows (UnknownAgency for a code nobody has)."""
    agency = agency_of(code)
    offices = agency_offices(bind, agency.code)
    runs = [{"kind": s.kind, "id": s.id, "title": s.title, "areas": list(s.areas)} for s in services_run_by(agency.code)]
    contact = agency.contact.model_dump(exclude_none=True)
    return {**_summary(agency, len(offices["features"])), "tasks": agency.tasks.model_dump(), "contact": contact,
            "runs": runs, "office_features": offices, "performance": agency_performance(bind, agency.code)}
