"""The SQL of the agencies service over its layers (offices, network_links), its `skpd` schema, the case
layers of the declared services and the complaints layer. Layer tables come from the registry (quoted
identifiers); every value is a bound parameter."""

from __future__ import annotations

from sqlalchemy import Select, TextClause, func, select, text

from layers.tables import layer_table

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
