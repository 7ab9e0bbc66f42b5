"""The engine's SQL: small builders over the case layers (sqlalchemy Table objects of the registry,
so identifiers are quoted by SQLAlchemy) and the engine's own tables; values are always bound."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    Table,
    TextClause,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    text,
    true,
)

from layers.access import RowScope
from layers.tables import layer_table
from services.engine.model import ServiceSpec


def _service_filter(table: Table, specs: Sequence[ServiceSpec]) -> list[Any]:
    """Which rows of the case layer are these services' (none needed when the layer holds one service)."""
    columns = {s.columns.service for s in specs}
    if columns == {None} and len(specs) == 1:
        return []
    if None in columns or len(columns) != 1:
        raise ValueError("services listed together must share their case layer's service column")
    return [table.c[columns.pop()].in_([s.id for s in specs])]


def select_case(spec: ServiceSpec, case_ref: str, *, for_update: bool = False) -> Select:
    """One case of the service by its reference (the layer's own columns; see CaseColumns.engine_row)."""
    table = layer_table(spec.case_layer)
    columns = [c for c in table.c if c.name != "geom"]
    query = select(*columns, func.ST_AsGeoJSON(table.c.geom, 7).label("geometry_json"),
                   func.ST_X(func.ST_PointOnSurface(table.c.geom)).label("lon"),
                   func.ST_Y(func.ST_PointOnSurface(table.c.geom)).label("lat")).where(
        table.c[spec.columns.case_ref] == case_ref, *_service_filter(table, [spec]))
    return query.with_for_update(of=table) if for_update else query


def select_cases(specs: Sequence[ServiceSpec], scope: RowScope | None, *, statuses: Sequence[str] = (),
                 overdue_at: datetime | None = None, finals: Sequence[str] = (), limit: int = 500) -> Select:
    """Cases of these services (one case layer) the scope admits (None: all), newest first; with
    overdue_at, only those past their due time and not in a final state."""
    table = layer_table(specs[0].case_layer)
    columns = [c for c in table.c if c.name != "geom"]
    query = select(*columns, func.ST_X(func.ST_PointOnSurface(table.c.geom)).label("lon"),
                   func.ST_Y(func.ST_PointOnSurface(table.c.geom)).label("lat"),
                   func.ST_AsGeoJSON(table.c.geom, 6).label("geometry_json")).where(
        true(), *_service_filter(table, specs))
    if scope is not None:
        conditions = [table.c[name].in_(values) for name, values in scope.conditions]
        query = query.where(or_(*conditions) if conditions else false())
    if statuses:
        query = query.where(table.c.status.in_(statuses))
    if overdue_at is not None:
        query = query.where(and_(table.c.due_at < overdue_at, table.c.status.not_in(finals)))
    submitted = table.c[specs[0].columns.submitted_at]
    return query.order_by(submitted.desc(), table.c.fid.desc()).limit(limit)


def select_kelurahan_places() -> Select:
    """Every kelurahan's code, names and a point inside it (the gazetteer of address-only reports)."""
    kel = layer_table("kelurahan")
    inside = func.ST_PointOnSurface(kel.c.geom)
    return select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec,
                  func.ST_X(inside).label("lon"), func.ST_Y(inside).label("lat")).order_by(kel.c.kode_kel)


def select_place() -> TextClause:
    """Where a geometry (:geometry, GeoJSON) lies: the kelurahan holding a point of it, its area
    (m²) and how much of it lies outside every kelurahan (outside Kota Medan)."""
    return text("""
        WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326) AS g)
        SELECT k.kode_kel, k.nama_kel, k.nama_kec, ST_Area(g.g::geography) AS area_m2,
               COALESCE((SELECT ST_Area(ST_Difference(g.g, ST_Union(k2.geom))::geography)
                         FROM layers.kelurahan k2 WHERE ST_Intersects(k2.geom, g.g)), ST_Area(g.g::geography))
                 AS outside_m2
        FROM g LEFT JOIN layers.kelurahan k ON ST_Contains(k.geom, ST_PointOnSurface(g.g))
        ORDER BY k.kode_kel LIMIT 1""")


def select_distance_to_case() -> TextClause:
    """Metres from a point (:lon, :lat) to a case's geometry (:geometry, GeoJSON)."""
    return text("SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, "
                "ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326)::geography)")


def claim_client_key() -> TextClause:
    """Record a submission's client key; returns nothing when the key was already used (the
    statement waits for a concurrent submitter's transaction, so two at once cannot both win)."""
    return text("INSERT INTO engine.submissions (service, account, client_key, case_ref) "
                "VALUES (:service, :account, :client_key, :case_ref) ON CONFLICT DO NOTHING RETURNING case_ref")


def select_client_key() -> TextClause:
    return text("SELECT case_ref FROM engine.submissions WHERE service = :service AND account = :account "
                "AND client_key = :client_key")


def insert_event() -> TextClause:
    return text("""
        INSERT INTO engine.case_events (service, case_ref, at, actor, kind, from_state, to_state, note, public,
                                        photo, geom)
        VALUES (:service, :case_ref, :at, :actor, :kind, :from_state, :to_state, :note, :public, :photo,
                CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
                     ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END)
        RETURNING id""")


def select_events(*, public_only: bool) -> TextClause:
    where = "AND public" if public_only else ""
    return text(f"""
        SELECT id, at, actor, kind, from_state, to_state, note, public, photo,
               ST_X(geom) AS lon, ST_Y(geom) AS lat
        FROM engine.case_events WHERE service = :service AND case_ref = :case_ref {where}
        ORDER BY id""")  # noqa: S608 - `where` is one of two constants


def select_event_photo() -> TextClause:
    return text("SELECT photo FROM engine.case_events WHERE service = :service AND case_ref = :case_ref "
                "AND id = :event_id AND photo IS NOT NULL")




def select_nearest_on_named(layer_id: str, prop: str) -> Select:
    """On the features of `layer_id` whose `prop` is exactly :name: the point nearest to (:lon, :lat) (a
    street's ways are many rows of one name), and its distance in metres. Identifiers from declarations."""
    table = layer_table(layer_id)
    near = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon"), bindparam("lat")), 4326)
    closest = func.ST_ClosestPoint(table.c.geom, near)
    return (select(func.ST_X(closest).label("lon"), func.ST_Y(closest).label("lat"),
                   func.ST_Distance(func.geography(table.c.geom), func.geography(near)).label("metres"))
            .where(table.c[prop] == bindparam("name"))
            .order_by(table.c.geom.op("<->")(near)).limit(1))


def select_kelurahan_at() -> Select:
    """The kelurahan holding the point (:lon, :lat), if any."""
    kel = layer_table("kelurahan")
    here = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon"), bindparam("lat")), 4326)
    return select(kel.c.kode_kel, kel.c.nama_kel, kel.c.nama_kec).where(func.ST_Intersects(kel.c.geom, here)).limit(1)
