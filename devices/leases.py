"""Leases in PostgreSQL: which poller of a group polls which gateway.

A gateway (host:port) is leased, not a device, because every device behind one gateway
must stay with one poller: a gateway serves one request at a time and often allows one
connection. Each poller renews its heartbeat and its leases every `renew_s` in one
transaction; a lease lasts `ttl_s` by the database's clock (so the pollers' clocks need
not agree). Each poller aims at its fair share, ceil(gateways / live pollers): it takes
free or expired leases up to it and hands back what is over it (a new poller joined), so a
poller that dies is replaced within ttl_s + renew_s and a new one gets work at once.

No gateway is polled by two pollers at once: a poller counts its leases valid only until
`ttl_s - margin_s` after the moment it *started* the renewing transaction (earlier than
the database's own expiry), and stops polling a gateway it could not renew by then;
another poller can take the lease only after the database's expiry.
"""

from __future__ import annotations

import math
import os
import socket
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Engine, text


@dataclass(frozen=True)
class LeaseConfig:
    """Timing of the group; takeover of a dead poller's gateways within ttl_s + renew_s."""

    ttl_s: float = 5.0
    renew_s: float = 1.0
    # Stop polling this long before the database could hand the lease to another poller.
    margin_s: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.renew_s < self.ttl_s - self.margin_s:
            raise ValueError("leases: renew_s must be positive and shorter than ttl_s - margin_s")


@dataclass
class Tick:
    """One renewal's outcome."""

    held: set[str]  # gateways this poller holds now (renewed or newly taken)
    excess: set[str]  # held but over the fair share: stop polling them, then release()
    live_pollers: int
    valid_until: float  # time.monotonic() until which `held` may be polled without a renewal
    taken: set[str] = field(default_factory=set)  # newly taken in this tick


def gateway_key(host: str, port: int) -> str:
    return f"{host}:{port}"


def new_poller_id() -> str:
    """Unique per process start: a restarted poller is a new member, its old leases simply expire."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


_HEARTBEAT = """
INSERT INTO devices.pollers (poller_id, host, pid, expires_at, metrics_url)
VALUES (:me, :host, :pid, now() + make_interval(secs => :ttl), :metrics)
ON CONFLICT (poller_id) DO UPDATE SET heartbeat_at = now(), expires_at = excluded.expires_at,
    metrics_url = excluded.metrics_url
"""
_RENEW = """
UPDATE devices.poller_leases SET expires_at = now() + make_interval(secs => :ttl)
WHERE holder = :me AND expires_at > now() AND gateway = ANY(:fleet) RETURNING gateway
"""
_TAKE = """
WITH free AS (
    SELECT gateway FROM devices.poller_leases
    WHERE gateway = ANY(:fleet) AND (holder IS NULL OR expires_at <= now())
    ORDER BY md5(gateway || :me) LIMIT :n FOR UPDATE SKIP LOCKED)
UPDATE devices.poller_leases l SET holder = :me, expires_at = now() + make_interval(secs => :ttl),
    acquired_at = now(), epoch = l.epoch + 1
FROM free WHERE l.gateway = free.gateway RETURNING l.gateway
"""


class LeaseBook:
    """One poller's view of the group's leases (blocking calls: run them in a thread)."""

    def __init__(self, engine: Engine, poller_id: str | None = None, config: LeaseConfig | None = None,
                 metrics_url: str | None = None) -> None:
        self.engine = engine
        self.poller_id = poller_id or new_poller_id()
        self.config = config or LeaseConfig()
        self.metrics_url = metrics_url

    def tick(self, fleet: Collection[str]) -> Tick:
        """Heartbeat, renew, and take or hand back leases towards the fair share of `fleet`'s gateways."""
        cfg, started = self.config, time.monotonic()
        params = {"me": self.poller_id, "ttl": cfg.ttl_s, "fleet": sorted(fleet)}
        with self.engine.begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = :ms"), {"ms": int(cfg.ttl_s * 1000 / 2)})
            conn.execute(text(_HEARTBEAT), {**params, "host": socket.gethostname(), "pid": os.getpid(),
                                            "metrics": self.metrics_url})
            conn.execute(text("INSERT INTO devices.poller_leases (gateway) SELECT unnest(CAST(:fleet AS text[])) "
                              "ON CONFLICT (gateway) DO NOTHING"), params)
            held = {r[0] for r in conn.execute(text(_RENEW), params)}
            live = conn.execute(text("SELECT count(*) FROM devices.pollers WHERE expires_at > now()")).scalar_one()
            share = math.ceil(len(fleet) / max(1, live))
            taken: set[str] = set()
            if len(held) < share:
                taken = {r[0] for r in conn.execute(text(_TAKE), {**params, "n": share - len(held)})}
            # Long-gone members: kept an hour for the record, then forgotten.
            conn.execute(text("DELETE FROM devices.pollers WHERE expires_at < now() - interval '1 hour'"))
        held |= taken
        excess = set(sorted(held)[share:]) if len(held) > share else set()
        return Tick(held, excess, int(live), started + cfg.ttl_s - cfg.margin_s, taken)

    def release(self, gateways: Collection[str]) -> None:
        """Hand leases back now (the poller has stopped polling them), for another poller to take."""
        if not gateways:
            return
        with self.engine.begin() as conn:
            conn.execute(text("UPDATE devices.poller_leases SET holder = NULL, expires_at = now() "
                              "WHERE holder = :me AND gateway = ANY(:gws)"),
                         {"me": self.poller_id, "gws": sorted(gateways)})

    def leave(self) -> None:
        """A clean stop: every lease back and the heartbeat gone, so the others take over at their next tick."""
        with self.engine.begin() as conn:
            conn.execute(text("UPDATE devices.poller_leases SET holder = NULL, expires_at = now() "
                              "WHERE holder = :me"), {"me": self.poller_id})
            conn.execute(text("UPDATE devices.pollers SET expires_at = now() WHERE poller_id = :me"),
                         {"me": self.poller_id})


def lease_table(engine: Engine) -> list[dict]:
    """Every gateway's lease (for the CLI, the tests and the benchmark)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT gateway, holder, expires_at > now() AS valid, epoch "
                                 "FROM devices.poller_leases ORDER BY gateway")).mappings()
        return [dict(r) for r in rows]


def group_members(engine: Engine) -> list[dict]:
    """The group's pollers, live ones first, with how many gateways each holds."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.poller_id, p.started_at, p.heartbeat_at, p.expires_at > now() AS live, p.metrics_url, "
            "count(l.gateway) FILTER (WHERE l.expires_at > now()) AS gateways FROM devices.pollers p "
            "LEFT JOIN devices.poller_leases l ON l.holder = p.poller_id GROUP BY p.poller_id "
            "ORDER BY live DESC, p.started_at")).mappings()
        return [dict(r) for r in rows]


__all__ = ["LeaseBook", "LeaseConfig", "Tick", "gateway_key", "group_members", "lease_table", "new_poller_id"]
