"""The city WAN as operators see it: probe every site, keep the history, raise long outages.

`probe_once` probes every office with a monitoring address (services/skpd/probe.py), stores one row
per site in `skpd.probes` (the history) and updates `skpd.site_status` in one transaction; a site down
for longer than `alert_after_s` is raised (`alerted_at`), once per outage. `network_status` is what the
operators' network page shows: the sites, the links coloured by the status of the site each serves,
and the raised outages. The monitoring addresses are for operators and admins only: the web face asks
layers/access.py before showing them (webgis/skpd).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from layers.tables import reading, transaction
from services.skpd import queries
from services.skpd.probe import ProbeResult, ProbeSettings, Target, run_probes

log = logging.getLogger(__name__)
ALERT_AFTER_S = 300.0  # a site down for 5 minutes is raised to operators
KEEP_DAYS = 30  # probe history kept
INTERVAL_S = 60.0
ACTOR = "probe:skpd"


@dataclass(frozen=True)
class PassReport:
    probed: int
    up: int
    degraded: int
    down: int
    raised: list[str]  # offices whose outage was raised in this pass

    def __str__(self) -> str:
        raised = f"; raised: {', '.join(self.raised)}" if self.raised else ""
        return (f"{self.probed} sites probed: {self.up} up, {self.degraded} degraded, "
                f"{self.down} down{raised}")


def probe_targets(engine: Engine) -> list[Target]:
    with reading(engine) as conn:
        return [Target(r.kode, r.monitor_host, int(r.monitor_port))
                for r in conn.execute(queries.probe_targets())]


def record(engine: Engine, results: list[ProbeResult], *, at: datetime | None = None,
           alert_after_s: float = ALERT_AFTER_S, keep_days: int = KEEP_DAYS) -> PassReport:
    """Store one pass's results (history and current status) in one transaction."""
    at = at or datetime.now(UTC)
    raised = []
    with transaction(engine, ACTOR) as conn:
        for result in results:
            row = {"office": result.office, "at": at, "tries": result.tries, "answered": result.answered,
                   "latency_ms": result.latency_ms, "max_latency_ms": result.max_latency_ms,
                   "status": result.status, "error": result.error, "loss_pct": result.loss_pct,
                   "alert_after": alert_after_s}
            conn.execute(queries.insert_probe(), row)
            status = conn.execute(queries.upsert_site_status(), row).one()
            if status.alerted_at == at:
                raised.append(result.office)
        conn.execute(queries.prune_probes(), {"before": at - timedelta(days=keep_days)})
    for office in raised:
        log.warning("network: site %s down for more than %.0f s", office, alert_after_s)
    counts = {s: sum(r.status == s for r in results) for s in ("up", "degraded", "down")}
    return PassReport(len(results), counts["up"], counts["degraded"], counts["down"], raised)


def probe_once(engine: Engine, settings: ProbeSettings | None = None, *,
               alert_after_s: float = ALERT_AFTER_S) -> PassReport:
    settings = settings or ProbeSettings()
    return record(engine, run_probes(probe_targets(engine), settings), alert_after_s=alert_after_s)


def run_forever(engine: Engine, settings: ProbeSettings | None = None, *, interval_s: float = INTERVAL_S,
                alert_after_s: float = ALERT_AFTER_S, stop: threading.Event | None = None) -> None:
    """A pass every `interval_s` until `stop` is set; a failed pass is logged and the next one tried."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            log.info("network: %s", probe_once(engine, settings, alert_after_s=alert_after_s))
        except Exception:  # noqa: BLE001 - a database outage must not end the probe
            log.exception("network: probe pass failed")
        stop.wait(interval_s)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _worst(*statuses: str | None) -> str:
    order = ["down", "degraded", "up"]
    known = [s for s in statuses if s in order]
    return min(known, key=order.index) if known else "unknown"


def network_status(engine: Engine, *, with_addresses: bool, now: datetime | None = None) -> dict[str, Any]:
    """Sites, links and raised outages for the operators' page. A link's status is the worse of its
    two ends (the far end is reached through the near one); `unknown` when never probed."""
    now = now or datetime.now(UTC)
    with reading(engine) as conn:
        sites = [dict(r) for r in conn.execute(queries.network_sites()).mappings()]
        links = [dict(r) for r in conn.execute(queries.network_links()).mappings()]
    for site in sites:
        site["status"] = site["status"] or "unknown"
        site["down_for_s"] = (now - site["since"]).total_seconds() if site["status"] == "down" else None
        for key in ("since", "checked_at", "alerted_at"):
            site[key] = _iso(site[key])
        if with_addresses and site["monitor_host"]:
            site["address"] = f"{site['monitor_host']}:{site['monitor_port']}"
        del site["monitor_host"], site["monitor_port"]
    for link in links:
        link["status"] = _worst(link.pop("far_status"), link.pop("near_status"))
        link["geometry"] = json.loads(link["geometry"])
    alerts = sorted((s for s in sites if s["alerted_at"]), key=lambda s: s["since"] or "")
    counts = {k: sum(s["status"] == k for s in sites) for k in ("up", "degraded", "down", "unknown")}
    return {"sites": sites, "links": links, "alerts": alerts, "counts": counts, "generated_at": now.isoformat()}


def site_history(engine: Engine, office: str, *, hours: int = 24, limit: int = 500) -> list[dict[str, Any]]:
    since = datetime.now(UTC) - timedelta(hours=hours)
    with reading(engine) as conn:
        rows = conn.execute(queries.site_history(), {"office": office, "since": since, "limit": limit}).mappings()
        return [{**dict(r), "at": r["at"].isoformat()} for r in rows]
