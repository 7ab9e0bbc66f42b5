"""Prometheus metrics of one poller process (the official client, prometheus_client).

Each poller serves its own registry on its own port (``python -m devices poll
--metrics-port``), so a scrape names the poller by its target and no two pollers'
numbers mix. Series:

- ``devices_poller_schedule_lag_seconds`` (histogram): how late each poll started after
  its due time; the poller keeping up shows as nearly all of it under 0.1 s;
- ``devices_poller_polls_total{gateway,outcome}``: polls per gateway, ``ok`` or ``failed``;
- ``devices_poller_failures_total{gateway,fault}``: failed polls per gateway by cause
  (devices/pollstate.py fault names: no_answer, connection, config, busy, ...);
- ``devices_poller_devices``, ``devices_poller_leases_held``, ``devices_poller_group_live_pollers``,
  ``devices_poller_gateways_taken_total``, ``devices_poller_lease_renewal_failures_total``:
  the poller's share of the fleet in a group (devices/pollgroup.py);
- ``devices_poller_buffered_readings``: readings waiting for the sink (grows while the database is away).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# Up to the interval of the fastest devices (1 s) finely, then coarsely: a late poll is a symptom.
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PollerMetrics:
    """The poller's series on a registry of its own (several pollers may share a test process)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.schedule_lag = Histogram("devices_poller_schedule_lag_seconds",
                                      "Delay between a poll's due time and its start", buckets=LAG_BUCKETS, registry=r)
        self.polls = Counter("devices_poller_polls", "Polls per gateway and outcome (ok, failed)",
                             ["gateway", "outcome"], registry=r)
        self.failures = Counter("devices_poller_failures", "Failed polls per gateway and fault",
                                ["gateway", "fault"], registry=r)
        self.devices = Gauge("devices_poller_devices", "Devices this poller polls", registry=r)
        self.leases = Gauge("devices_poller_leases_held", "Gateways this poller holds a lease on", registry=r)
        self.live_pollers = Gauge("devices_poller_group_live_pollers",
                                  "Pollers of the group with a live heartbeat, as this one last saw", registry=r)
        self.taken = Counter("devices_poller_gateways_taken", "Gateway leases this poller took", registry=r)
        self.renewal_failures = Counter("devices_poller_lease_renewal_failures", "Lease renewals that failed",
                                        registry=r)
        self.buffered = Gauge("devices_poller_buffered_readings", "Readings waiting for the sink", registry=r)
        self._bound: dict[str, tuple] = {}

    def poll(self, gateway: str, lag_s: float, fault: str | None) -> None:
        """One poll finished: `fault` None when it produced a reading."""
        bound = self._bound.get(gateway)
        if bound is None:  # children looked up once per gateway, not per poll
            bound = self._bound[gateway] = (self.polls.labels(gateway, "ok"), self.polls.labels(gateway, "failed"))
        self.schedule_lag.observe(max(0.0, lag_s))
        if fault is None:
            bound[0].inc()
        else:
            bound[1].inc()
            self.failures.labels(gateway, fault).inc()

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Serve /metrics over HTTP on a thread of its own (loopback unless told otherwise)."""
        start_http_server(port, addr=addr, registry=self.registry)


__all__ = ["LAG_BUCKETS", "PollerMetrics"]
