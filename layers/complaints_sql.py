"""The spatial SQL of the complaints service, next to the data it reads.

Built with SQLAlchemy Core on the registry's tables: identifiers come from the
declarations, every value is a bound parameter. Writes do not happen here;
services/complaints writes through the layers API (history by triggers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Table, and_, bindparam, func, select
from sqlalchemy.sql import ColumnElement

from layers.registry import get_registry
from layers.tables import Bind, layer_table, reading

# Statuses still being handled: a new report near one of these is likely the same problem.
ACTIVE_STATUSES = ("open", "acknowledged", "in_progress")
# ~1 km in degrees at Medan's latitude: a box the GiST index can use before the
# exact geography distance decides (the geography cast alone cannot use it).
INDEX_BOX_DEG = 0.01
NEAREST_CANDIDATES = 8


def _point(lon: float, lat: float) -> ColumnElement:
    return func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", lon, type_=Float), bindparam("lat", lat, type_=Float)), 4326)


def _metres(table: Table, point: ColumnElement) -> ColumnElement:
    return func.ST_Distance(func.geography(table.c.geom), func.geography(point))


def nearest_device(bind: Bind, layer_id: str, lon: float, lat: float, within_m: float) -> dict[str, Any] | None:
    """The nearest feature of a device layer within `within_m` metres: {code, distance_m}, or None.

    The index orders candidates by planar distance; the true distance re-ranks
    the few nearest (see layers/here.py for why that is enough at 3.6° N).
    """
    spec = get_registry().get(layer_id)
    table = layer_table(layer_id)
    point = _point(lon, lat)
    candidates = (select(table.c[spec.key].label("code"), table.c.geom)
                  .order_by(table.c.geom.op("<->")(point)).limit(NEAREST_CANDIDATES).subquery())
    distance = func.ST_Distance(func.geography(candidates.c.geom), func.geography(point))
    query = (select(candidates.c.code, distance.label("distance_m"))
             .where(distance <= bindparam("within", within_m, type_=Float))
             .order_by(distance).limit(1))
    with reading(bind) as conn:
        row = conn.execute(query).mappings().one_or_none()
    return None if row is None else {"code": row["code"], "distance_m": round(float(row["distance_m"]), 1)}


def possible_duplicates(
    bind: Bind, service_code: str, lon: float, lat: float, *, since: datetime,
    radius_m: float = 50.0, statuses: Sequence[str] = ACTIVE_STATUSES, limit: int = 5,
) -> list[dict[str, Any]]:
    """Reports of the same category within `radius_m` of the point since `since`, nearest first."""
    table = layer_table("complaints")
    point = _point(lon, lat)
    distance = _metres(table, point)
    query = (
        select(table.c.service_request_id, table.c.status, table.c.requested_datetime, table.c.supporters,
               table.c.kode_kel, table.c.nama_kel, distance.label("distance_m"),
               func.ST_X(table.c.geom).label("lon"), func.ST_Y(table.c.geom).label("lat"))
        .where(and_(
            table.c.service_code == bindparam("code", service_code),
            table.c.status.in_(list(statuses)),
            table.c.requested_datetime >= bindparam("since", since),
            table.c.geom.op("&&")(func.ST_Expand(point, INDEX_BOX_DEG)),
            func.ST_DWithin(func.geography(table.c.geom), func.geography(point), bindparam("radius", radius_m, type_=Float)),
        ))
        .order_by(distance, table.c.requested_datetime.desc()).limit(limit)
    )
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _columns(table: Table) -> list[Any]:
    names = [c for c in table.c if c.name != "geom"]
    return [*names, func.ST_X(table.c.geom).label("lon"), func.ST_Y(table.c.geom).label("lat")]


def find_complaint(bind: Bind, service_request_id: str, *, layer_id: str = "complaints",
                   for_update: bool = False) -> dict[str, Any] | None:
    """One report's row (all columns, lon/lat) by its service_request_id; locked with for_update."""
    table = layer_table(layer_id)
    query = select(*_columns(table)).where(table.c.service_request_id == bindparam("id", service_request_id))
    if for_update:
        query = query.with_for_update(of=table)
    with reading(bind) as conn:
        row = conn.execute(query).mappings().one_or_none()
    return None if row is None else dict(row)


def find_by_token(bind: Bind, token: str) -> str | None:
    """The service_request_id a (private) Open311 token stands for."""
    table = layer_table("complaints")
    with reading(bind) as conn:
        return conn.execute(select(table.c.service_request_id)
                            .where(table.c.token == bindparam("token", token))).scalar_one_or_none()


def list_complaints(
    bind: Bind, layer_id: str, *, ids: Sequence[str] = (), codes: Sequence[str] = (),
    statuses: Sequence[str] = (), start: datetime | None = None, end: datetime | None = None,
    kode_kel: Sequence[str] = (), agencies: Sequence[str] | None = None,
    requested_before: datetime | None = None, limit: int = 1000,
) -> list[dict[str, Any]]:
    """Reports of `complaints` or `complaints_public`, newest first, filtered as Open311 and the staff queue ask.

    `agencies=None` means any agency; an empty list means none (a staff member without agencies).
    """
    table = layer_table(layer_id)
    where: list[Any] = []
    filters = [("service_request_id", ids), ("service_code", codes), ("status", statuses), ("kode_kel", kode_kel)]
    for column, values in filters:
        if values:
            where.append(table.c[column].in_(list(values)))
    if agencies is not None:
        where.append(table.c.agency.in_(list(agencies)))
    if start is not None:
        where.append(table.c.requested_datetime >= bindparam("start", start))
    if end is not None:
        where.append(table.c.requested_datetime <= bindparam("end", end))
    if requested_before is not None:
        where.append(table.c.requested_datetime < bindparam("before", requested_before))
    query = (select(*_columns(table)).where(and_(True, *where))
             .order_by(table.c.requested_datetime.desc(), table.c.fid.desc()).limit(limit))
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def report_for_alarm(bind: Bind, alarm_code: str) -> str | None:
    """The service_request_id of the report a device alarm already opened, if any."""
    table = layer_table("complaints")
    with reading(bind) as conn:
        return conn.execute(select(table.c.service_request_id)
                            .where(table.c.device_alarm == bindparam("alarm", alarm_code))
                            .order_by(table.c.fid).limit(1)).scalar_one_or_none()


def counts_per_kelurahan(bind: Bind, *, since: datetime | None = None, codes: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every kelurahan with its number of public reports (complaints_public only: no private field is read).

    The outline is simplified to ~10 m (0.0001°) for the choropleth: the map shows
    counts, not boundaries, and the document shrinks by an order of magnitude.
    """
    kel = layer_table("kelurahan")
    pub = layer_table("complaints_public")
    where: list[Any] = []
    if since is not None:
        where.append(pub.c.requested_datetime >= bindparam("since", since))
    if codes:
        where.append(pub.c.service_code.in_(list(codes)))
    # One pass over the reports grouped by kelurahan, joined once (not a count per kelurahan).
    counts = (select(pub.c.kode_kel, func.count().label("n")).where(and_(True, *where))
              .group_by(pub.c.kode_kel).subquery("counts"))
    query = (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec, func.coalesce(counts.c.n, 0).label("jumlah"),
                    func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(kel.c.geom, 0.0001), 5).label("geometry"))
             .select_from(kel.outerjoin(counts, counts.c.kode_kel == kel.c.kode_kel))
             .order_by(kel.c.kode_kel))
    with reading(bind) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def public_points(bind: Bind, *, since: datetime | None = None, codes: Sequence[str] = (),
                  limit: int = 20000) -> list[tuple[float, float, int]]:
    """(lon, lat, supporters) of public reports, for the heat map; the points are the public ~50 m grid."""
    pub = layer_table("complaints_public")
    where: list[Any] = []
    if since is not None:
        where.append(pub.c.requested_datetime >= bindparam("since", since))
    if codes:
        where.append(pub.c.service_code.in_(list(codes)))
    query = (select(func.ST_X(pub.c.geom), func.ST_Y(pub.c.geom), pub.c.supporters)
             .where(and_(True, *where)).order_by(pub.c.fid.desc()).limit(limit))
    with reading(bind) as conn:
        return [(round(float(x), 6), round(float(y), 6), int(s)) for x, y, s in conn.execute(query)]
