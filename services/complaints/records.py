"""How a report is written and shown: both layers in one transaction, the public projection.

`complaints` holds the whole report (staff only). `complaints_public` holds
what anyone may see: category, status, dates, kelurahan, agency, supporters,
the staff's public note, and the point rounded to a ~50 m grid. Every write
goes to both in one transaction, so the public map never shows a report the
staff layer does not have, nor a stale status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from layers import FeatureNotFound, insert_features, update_feature
from layers.complaints_sql import find_complaint
from layers.registry import get_registry
from layers.tables import Bind, transaction
from services.errors import ServiceError

# 0.00045° is ~50 m of latitude and, at 3.6° N, ~50 m of longitude: the public point
# says which block, not which house.
PUBLIC_GRID_DEG = 0.00045


class NotFound(ServiceError):
    status = 404


def now_utc() -> datetime:
    return datetime.now(UTC)


def rounded(lon: float, lat: float) -> tuple[float, float]:
    """A point snapped to the public ~50 m grid."""
    return (round(round(lon / PUBLIC_GRID_DEG) * PUBLIC_GRID_DEG, 6),
            round(round(lat / PUBLIC_GRID_DEG) * PUBLIC_GRID_DEG, 6))


def public_property_names() -> list[str]:
    return get_registry().get("complaints_public").property_names


def public_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """The subset of a report's properties the public layer carries (nothing else can leak)."""
    names = public_property_names()
    return {k: v for k, v in properties.items() if k in names}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def insert_report(bind: Bind, properties: dict[str, Any], lon: float, lat: float, *, actor: str,
                  source: str = "api") -> int:
    """Insert one report into both layers in one transaction; returns its fid in `complaints`."""
    public = {"type": "Feature", "geometry": point(*rounded(lon, lat)), "properties": public_properties(properties)}
    full = {"type": "Feature", "geometry": point(lon, lat), "properties": properties}
    with transaction(bind, actor) as conn:
        (fid,) = insert_features(conn, "complaints", [full], actor=actor, source=source)
        insert_features(conn, "complaints_public", [public], actor=actor, source=source)
    return fid


def update_report(bind: Bind, service_request_id: str, changes: dict[str, Any], *, actor: str,
                  check: Any = None) -> dict[str, Any]:
    """Change a report in both layers in one transaction, the row locked meanwhile.

    `check(row)` runs on the locked row before anything is written (the
    workflow's rules) and may raise. Returns the row as it was before.
    """
    with transaction(bind, actor) as conn:
        row = find_complaint(conn, service_request_id, for_update=True)
        if row is None:
            raise NotFound(f"no service request {service_request_id!r}")
        if check is not None:
            check(row)
        changes = {**changes, "updated_datetime": now_utc()}
        update_feature(conn, "complaints", row["fid"], {"type": "Feature", "properties": changes},
                       actor=actor, partial=True)
        public_row = find_complaint(conn, service_request_id, layer_id="complaints_public", for_update=True)
        if public_row is None:
            raise FeatureNotFound(f"service request {service_request_id} has no public record")
        update_feature(conn, "complaints_public", public_row["fid"],
                       {"type": "Feature", "properties": public_properties(changes)}, actor=actor, partial=True)
    return row
