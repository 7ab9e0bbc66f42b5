"""How a report is written, found and shown, and its public projection.

`complaints` holds the whole report (staff only). `complaints_public` holds
what anyone may see: category, status, dates, kelurahan, agency, supporters,
the staff's public note, and the point rounded to a ~50 m grid. The service
writes `complaints` only; the database derives `complaints_public` from it in
the same transaction (a trigger, migration 0012), whatever path wrote it, so
the public map never shows a report the staff layer does not have, nor a
stale status. The reads here (one report,
a filtered list, the public map's counts and points) are what the web faces
call; their SQL is services/complaints/queries.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from layers import update_feature
from layers.tables import Bind, reading, transaction
from services.complaints import queries
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


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def find_complaint(bind: Bind, service_request_id: str, *, layer_id: str = "complaints",
                   for_update: bool = False) -> dict[str, Any] | None:
    """One report's row (all columns, lon/lat) by its service_request_id; locked with for_update."""
    query = queries.select_complaint(service_request_id, layer_id=layer_id, for_update=for_update)
    with reading(bind) as conn:
        row = conn.execute(query).mappings().one_or_none()
    return None if row is None else dict(row)


def find_by_token(bind: Bind, token: str) -> str | None:
    """The service_request_id a (private) Open311 token stands for."""
    with reading(bind) as conn:
        return conn.execute(queries.select_by_token(token)).scalar_one_or_none()


def list_complaints(
    bind: Bind, layer_id: str, *, ids: Sequence[str] = (), codes: Sequence[str] = (),
    statuses: Sequence[str] = (), start: datetime | None = None, end: datetime | None = None,
    kode_kel: Sequence[str] = (), agencies: Sequence[str] | None = None,
    requested_before: datetime | None = None, overdue_at: datetime | None = None, finals: Sequence[str] = (),
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Reports of `complaints` or `complaints_public`, newest first, filtered as Open311 and the staff queue ask.

    `agencies=None` means any agency; an empty list means none (a staff member without agencies).
    """
    query = queries.select_complaints(layer_id, ids=ids, codes=codes, statuses=statuses, start=start, end=end,
                                      kode_kel=kode_kel, agencies=agencies, requested_before=requested_before,
                                      overdue_at=overdue_at, finals=finals, limit=limit)
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def counts_per_kelurahan(bind: Bind, *, since: datetime | None = None,
                         codes: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every kelurahan with its number of public reports and a simplified outline (the choropleth)."""
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(queries.select_counts_per_kelurahan(since=since, codes=codes)).mappings()]


def public_points(bind: Bind, *, since: datetime | None = None, codes: Sequence[str] = (),
                  limit: int = 20000) -> list[tuple[float, float, int]]:
    """(lon, lat, supporters) of public reports, for the heat map; the points are the public ~50 m grid."""
    query = queries.select_public_points(since=since, codes=codes, limit=limit)
    with reading(bind) as conn:
        return [(round(float(x), 6), round(float(y), 6), int(s)) for x, y, s in conn.execute(query)]


def update_report(bind: Bind, service_request_id: str, changes: dict[str, Any], *, actor: str,
                  check: Any = None) -> dict[str, Any]:
    """Change a report in one transaction, the row locked meanwhile (the database derives its public record).

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
    return row
