"""The SQL of the complaints service: its reports, and the layers intake tags them from.

SQLAlchemy Core builders on the registry's tables: identifiers come from the
declarations, every value is a bound parameter. Each builder returns a
statement that the service's modules run (records.py, intake.py, alarms.py).
Writes do not happen here: records.py writes through the layers API
(history by triggers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Float,
    Select,
    Table,
    TextClause,
    and_,
    bindparam,
    func,
    select,
    text,
    true,
)
from sqlalchemy.sql import ColumnElement

from layers.registry import get_registry
from layers.tables import layer_table

COMPLAINTS = "complaints"
PUBLIC = "complaints_public"  # what anyone may see (services/complaints/records.py)
KELURAHAN = "kelurahan"
RISK_ZONES = "disaster_risk_zones"
# Statuses still being handled: a new report near one of these is likely the same problem.
ACTIVE_STATUSES = ("open", "acknowledged", "in_progress")
# ~1 km in degrees at Medan's latitude: a box the GiST index can use before the
# exact geography distance decides (the geography cast alone cannot use it).
INDEX_BOX_DEG = 0.01
# As in layers/here.py: planar KNN candidates re-ranked by true distance.
NEAREST_CANDIDATES = 8


def _point(lon: float, lat: float) -> ColumnElement:
    return func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", lon, type_=Float), bindparam("lat", lat, type_=Float)), 4326)


def _columns(table: Table) -> list[Any]:
    names = [c for c in table.c if c.name != "geom"]
    return [*names, func.ST_X(table.c.geom).label("lon"), func.ST_Y(table.c.geom).label("lat")]


def select_complaint(service_request_id: str, *, layer_id: str = COMPLAINTS, for_update: bool = False) -> Select:
    """One report's row (all columns, lon/lat) by its service_request_id; locked with for_update."""
    table = layer_table(layer_id)
    query = select(*_columns(table)).where(table.c.service_request_id == bindparam("id", service_request_id))
    return query.with_for_update(of=table) if for_update else query


def select_by_token(token: str) -> Select:
    """The service_request_id a (private) Open311 token stands for."""
    table = layer_table(COMPLAINTS)
    return select(table.c.service_request_id).where(table.c.token == bindparam("token", token))


def select_photos(ids: Sequence[str]) -> Select:
    """(service_request_id, media) of the given reports that came with a photo."""
    table = layer_table(COMPLAINTS)
    return select(table.c.service_request_id, table.c.media).where(
        table.c.service_request_id.in_(bindparam("ids", list(ids), expanding=True)), table.c.media.is_not(None))


def select_complaints(
    layer_id: str, *, ids: Sequence[str] = (), codes: Sequence[str] = (),
    statuses: Sequence[str] = (), start: datetime | None = None, end: datetime | None = None,
    kode_kel: Sequence[str] = (), agencies: Sequence[str] | None = None,
    requested_before: datetime | None = None, overdue_at: datetime | None = None, finals: Sequence[str] = (),
    limit: int = 1000,
) -> Select:
    """Reports of `complaints` or `complaints_public`, newest first, filtered as Open311 and the staff queue ask.

    `agencies=None` means any agency; an empty list means none (a staff member without agencies).
    `overdue_at` keeps only reports past their due time (the engine's `due_at`) and not in one of
    `finals`: in SQL, so the newest-first limit cannot drop the old ones.
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
    if overdue_at is not None:
        where.append(and_(table.c.due_at < bindparam("overdue_at", overdue_at), table.c.status.not_in(list(finals))))
    return (select(*_columns(table)).where(and_(True, *where))
            .order_by(table.c.requested_datetime.desc(), table.c.fid.desc()).limit(limit))


def select_kelurahan_names() -> Select:
    """Every kelurahan's code, name and kecamatan (the staff desk's filter), by kecamatan and name."""
    kel = layer_table(KELURAHAN)
    return select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec).order_by(kel.c.nama_kec, kel.c.nama_kel)


def select_report_for_alarm(alarm_code: str) -> Select:
    """The service_request_id of the report a device alarm already opened, if any."""
    table = layer_table(COMPLAINTS)
    return (select(table.c.service_request_id).where(table.c.device_alarm == bindparam("alarm", alarm_code))
            .order_by(table.c.fid).limit(1))


def select_possible_duplicates(
    service_code: str, lon: float, lat: float, *, since: datetime,
    radius_m: float, statuses: Sequence[str] = ACTIVE_STATUSES, limit: int = 5,
) -> Select:
    """Reports of the same category within `radius_m` of the point since `since`, nearest first."""
    table = layer_table(COMPLAINTS)
    point = _point(lon, lat)
    distance = func.ST_Distance(func.geography(table.c.geom), func.geography(point))
    return (
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


def _public_filters(pub: Table, since: datetime | None, codes: Sequence[str]) -> list[Any]:
    where: list[Any] = []
    if since is not None:
        where.append(pub.c.requested_datetime >= bindparam("since", since))
    if codes:
        where.append(pub.c.service_code.in_(list(codes)))
    return where


def select_counts_per_kelurahan(*, since: datetime | None = None, codes: Sequence[str] = ()) -> Select:
    """Every kelurahan with its number of public reports (complaints_public only: no private field is read).

    The outline is simplified to ~10 m (0.0001°) for the choropleth: the map shows
    counts, not boundaries, and the document shrinks by an order of magnitude.
    """
    kel = layer_table(KELURAHAN)
    pub = layer_table(PUBLIC)
    # One pass over the reports grouped by kelurahan, joined once (not a count per kelurahan).
    counts = (select(pub.c.kode_kel, func.count().label("n")).where(and_(True, *_public_filters(pub, since, codes)))
              .group_by(pub.c.kode_kel).subquery("counts"))
    return (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec, func.coalesce(counts.c.n, 0).label("jumlah"),
                   func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(kel.c.geom, 0.0001), 5).label("geometry"))
            .select_from(kel.outerjoin(counts, counts.c.kode_kel == kel.c.kode_kel))
            .order_by(kel.c.kode_kel))


def select_public_points(*, since: datetime | None = None, codes: Sequence[str] = (), limit: int = 20000) -> Select:
    """(lon, lat, supporters) of public reports, newest first; the points are the public ~50 m grid."""
    pub = layer_table(PUBLIC)
    return (select(func.ST_X(pub.c.geom), func.ST_Y(pub.c.geom), pub.c.supporters)
            .where(and_(True, *_public_filters(pub, since, codes))).order_by(pub.c.fid.desc()).limit(limit))


# ---------------------------------------------------------------- intake's tagging statement
# "What is here?" (layers/here.py) asks every declared layer about a point (about
# twenty branches, most of them nearest-feature searches) when intake needs three
# answers: the kelurahan containing the point, the disaster-risk zone containing
# it, and, for device categories, the nearest device of one layer within a
# radius. This statement asks exactly that, in one round trip, with the same
# rules as layers/here.py (the smallest containing polygon; the nearest device by
# the index, re-ranked by true distance). Its values (lon, lat, within) are bound
# when it runs: it is built once per device layer.

def _point_parameter() -> ColumnElement:
    return func.ST_SetSRID(func.ST_MakePoint(bindparam("lon", type_=Float), bindparam("lat", type_=Float)), 4326)


@lru_cache(maxsize=16)
def select_intake_tags(device_layer: str | None) -> Select:
    """kode_kel, nama_kel, nama_kec, risk_class (+ device_code, device_distance_m with a device layer).

    Parameters lon, lat (and within, in metres, with a device layer). Built once
    per device layer: statement building costs more than running it.
    """
    point = _point_parameter()
    kel = layer_table(KELURAHAN)
    risk = layer_table(RISK_ZONES)
    kelurahan = (select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec)
                 .where(func.ST_Intersects(kel.c.geom, point))
                 .order_by(func.ST_Area(kel.c.geom)).limit(1).lateral("k"))
    zone = (select(risk.c.kelas).where(func.ST_Intersects(risk.c.geom, point))
            .order_by(func.ST_Area(risk.c.geom)).limit(1).lateral("r"))
    columns: list[Any] = [kelurahan.c.kode_kel, kelurahan.c.nama_kel, kelurahan.c.nama_kec,
                          zone.c.kelas.label("risk_class")]
    query = select(*columns).select_from(kelurahan).outerjoin(zone, true())
    if device_layer is None:
        return query
    spec = get_registry().get(device_layer)  # KeyError for a layer the registry does not declare
    table = layer_table(device_layer)
    candidates = (select(table.c[spec.key].label("code"), table.c.geom)
                  .order_by(table.c.geom.op("<->")(point)).limit(NEAREST_CANDIDATES).subquery("c"))
    distance = func.ST_Distance(func.geography(candidates.c.geom), func.geography(point))
    device = (select(candidates.c.code, distance.label("distance_m"))
              .where(distance <= bindparam("within", type_=Float))
              .order_by(distance).limit(1).lateral("d"))
    return (query.add_columns(device.c.code.label("device_code"), device.c.distance_m.label("device_distance_m"))
            .outerjoin(device, true()))


def select_earlier_duplicates(ids: Sequence[str], *, days: int, radius_m: float, limit: int = 5) -> Select:
    """For each report in `ids`: the reports of its category still being handled, filed within
    `days` before it and within `radius_m` of it, nearest first (what intake suggested when it came in)."""
    report, other = layer_table(COMPLAINTS).alias("report"), layer_table(COMPLAINTS).alias("other")
    distance = func.ST_Distance(func.geography(other.c.geom), func.geography(report.c.geom))
    earlier = (
        select(other.c.service_request_id.label("duplicate_id"), distance.label("distance_m"))
        .where(and_(
            other.c.service_code == report.c.service_code,
            other.c.service_request_id != report.c.service_request_id,
            other.c.status.in_(list(ACTIVE_STATUSES)),
            other.c.requested_datetime >= report.c.requested_datetime - func.make_interval(0, 0, 0, days),
            other.c.requested_datetime <= report.c.requested_datetime,
            other.c.geom.op("&&")(func.ST_Expand(report.c.geom, INDEX_BOX_DEG)),
            func.ST_DWithin(func.geography(other.c.geom), func.geography(report.c.geom),
                            bindparam("radius", radius_m, type_=Float)),
        ))
        .order_by(distance, other.c.requested_datetime.desc()).limit(limit)
        .lateral("earlier")
    )
    return (select(report.c.service_request_id, earlier.c.duplicate_id)
            .select_from(report.join(earlier, true()))
            .where(report.c.service_request_id.in_(list(ids)))
            .order_by(report.c.service_request_id, earlier.c.distance_m))


# One support per person (migration 0014): the service's own small table, outside the layers.
_RECORD_SUPPORTER = text(
    "INSERT INTO complaints.supporters (service_request_id, supporter) VALUES (:id, :who) "
    "ON CONFLICT DO NOTHING RETURNING 1")


def record_supporter() -> TextClause:
    """Insert (id, who) unless present; returns a row only when it was new."""
    return _RECORD_SUPPORTER


# A submission's idempotency key (migration 0025): recorded in the transaction that files the report.
_RECORD_SUBMISSION_KEY = text(
    "INSERT INTO complaints.submission_keys (idempotency_key, service_request_id) VALUES (:key, :id) "
    "ON CONFLICT DO NOTHING RETURNING 1")
_FILED_UNDER_KEY = text("SELECT service_request_id FROM complaints.submission_keys WHERE idempotency_key = :key")


def record_submission_key() -> TextClause:
    """Insert (key, id) unless the key is known; returns a row only when it was new. A concurrent
    insert of the same key waits for the other transaction, so two arrivals never both file."""
    return _RECORD_SUBMISSION_KEY


def select_filed_under_key() -> TextClause:
    """The service_request_id filed under an idempotency key, if any."""
    return _FILED_UNDER_KEY
