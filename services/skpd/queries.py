"""The SQL of the agencies service over its layers (offices, network_links), its `skpd` schema, the case
layers of the declared services and the complaints layer. Layer tables come from the registry (quoted
identifiers); every value is a bound parameter."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    TextClause,
    and_,
    bindparam,
    column,
    func,
    select,
    table,
    text,
    true,
)

from layers.tables import layer_table
from services.engine.model import CaseColumns

OFFICES = "offices"
LINKS = "network_links"
PUBLIC_OFFICE_COLUMNS = ("kode", "nama", "jenis", "agency", "alamat", "kode_kel", "nama_kel", "kode_kec",
                         "nama_kec", "lokasi")


def offices_of(agency: str) -> Select:
    """An agency's offices with their public properties only (never the monitoring address)."""
    office = layer_table(OFFICES)
    return (select(*(office.c[name] for name in PUBLIC_OFFICE_COLUMNS), office.c.source,
                   func.ST_X(office.c.geom).label("lon"), func.ST_Y(office.c.geom).label("lat"))
            .where(office.c.agency == agency).order_by(office.c.jenis, office.c.kode))


def office_counts() -> Select:
    office = layer_table(OFFICES)
    return select(office.c.agency, func.count().label("n")).group_by(office.c.agency)


def probe_targets() -> Select:
    """The sites with a declared monitoring address."""
    office = layer_table(OFFICES)
    return (select(office.c.kode, office.c.monitor_host, office.c.monitor_port)
            .where(office.c.monitor_host.is_not(None), office.c.monitor_port.is_not(None))
            .order_by(office.c.kode))


def insert_probe() -> TextClause:
    return text("""INSERT INTO skpd.probes (office, at, tries, answered, latency_ms, max_latency_ms, status, error)
                   VALUES (:office, :at, :tries, :answered, :latency_ms, :max_latency_ms, :status, :error)""")


def upsert_site_status() -> TextClause:
    """The site's status now: `since` moves only when the status changes; an outage longer than
    :alert_after (seconds) is raised once (`alerted_at`), and cleared when the site answers again."""
    return text("""
        INSERT INTO skpd.site_status AS s (office, status, since, checked_at, latency_ms, loss_pct, error, alerted_at)
        VALUES (:office, :status, :at, :at, :latency_ms, :loss_pct, :error, NULL)
        ON CONFLICT (office) DO UPDATE SET
            status = EXCLUDED.status,
            since = CASE WHEN s.status = EXCLUDED.status THEN s.since ELSE EXCLUDED.since END,
            checked_at = EXCLUDED.checked_at, latency_ms = EXCLUDED.latency_ms,
            loss_pct = EXCLUDED.loss_pct, error = EXCLUDED.error,
            alerted_at = CASE
                WHEN EXCLUDED.status <> 'down' THEN NULL
                WHEN s.status = 'down' AND s.alerted_at IS NOT NULL THEN s.alerted_at
                WHEN s.status = 'down' AND EXCLUDED.checked_at - s.since >= make_interval(secs => :alert_after)
                    THEN EXCLUDED.checked_at
                ELSE NULL END
        RETURNING office, status, since, alerted_at""")


def prune_probes() -> TextClause:
    return text("DELETE FROM skpd.probes WHERE at < :before")


def network_sites() -> TextClause:
    """Every office with its current status (NULL: never probed) and its monitoring address."""
    return text("""
        SELECT o.kode, o.nama, o.jenis, o.agency, o.monitor_host, o.monitor_port,
               ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat,
               s.status, s.since, s.checked_at, s.latency_ms, s.loss_pct, s.error, s.alerted_at
        FROM layers.offices o LEFT JOIN skpd.site_status s ON s.office = o.kode
        ORDER BY o.kode""")


def network_links() -> TextClause:
    """Every link with the status of the site it serves (its far end, `ke`) and of its near end."""
    return text("""
        SELECT l.kode, l.dari, l.ke, l.jenis, l.bandwidth_mbps, l.provider,
               ST_AsGeoJSON(l.geom, 6) AS geometry, far.status AS far_status, near.status AS near_status
        FROM layers.network_links l
        LEFT JOIN skpd.site_status far ON far.office = l.ke
        LEFT JOIN skpd.site_status near ON near.office = l.dari
        ORDER BY l.kode""")


def site_history() -> TextClause:
    return text("""SELECT at, tries, answered, latency_ms, max_latency_ms, status, error FROM skpd.probes
                   WHERE office = :office AND at >= :since ORDER BY at DESC LIMIT :limit""")


CASE_EVENTS = table("case_events", column("id"), column("service"), column("case_ref"), column("at"),
                    column("kind"), column("from_state"), column("to_state"), schema="engine")


def open_cases(layer_id: str, columns: CaseColumns) -> Select:
    """Open cases of :service held by :agency per state, with how many are past their due time.
    `columns`: where the case layer keeps the engine's columns (complaints name them Open311's way;
    a layer of one service has no `service` column)."""
    case = layer_table(layer_id)
    return (select(case.c.status, func.count().label("n"),
                   func.count().filter(case.c.due_at < bindparam("now")).label("overdue"))
            .where(_of_service(case, columns), case.c.agency == bindparam("agency"),
                   case.c.status.not_in(bindparam("finals", expanding=True)))
            .group_by(case.c.status))


def _of_service(case: Table, columns: CaseColumns) -> ColumnElement[bool]:
    return true() if columns.service is None else case.c[columns.service] == bindparam("service")


def closed_case_stays(layer_id: str, columns: CaseColumns) -> Select:
    """For each case of :service held by :agency that entered a final state between :since and :now,
    how long (seconds) it stayed in each state it left: the time between consecutive events."""
    case, event = layer_table(layer_id), CASE_EVENTS
    closed = (select(event.c.case_ref).distinct()
              .join_from(event, case, case.c[columns.case_ref] == event.c.case_ref)
              .where(event.c.service == bindparam("service"), case.c.agency == bindparam("agency"),
                     event.c.kind == "transition", event.c.to_state.in_(bindparam("finals", expanding=True)),
                     event.c.at >= bindparam("since"), event.c.at <= bindparam("now"))
              .cte("closed"))
    previous = func.lag(event.c.at).over(partition_by=event.c.case_ref, order_by=(event.c.at, event.c.id))
    return (select(closed.c.case_ref, event.c.kind, event.c.from_state,
                   func.extract("epoch", event.c.at - previous).label("stayed_s"))
            .join_from(closed, event, and_(event.c.case_ref == closed.c.case_ref,
                                           event.c.service == bindparam("service")))
            .where(event.c.kind.in_(["submitted", "transition"])))


