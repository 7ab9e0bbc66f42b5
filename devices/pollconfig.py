"""The poller's timing knobs and the counters it reports (devices/poller.py)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

RECENT_POLLS = 200_000


@dataclass
class PollerConfig:
    """Timing knobs; defaults suit a city network, tests tighten them."""

    timeout_s: float = 1.0
    # An answer later than timeout_s but within this grace is taken (the device is slow,
    # not dead); after it the connection is resynchronised (closed) before the next request.
    # None: as long as timeout_s.
    late_grace_s: float | None = None

    @property
    def grace_s(self) -> float:
        return self.timeout_s if self.late_grace_s is None else self.late_grace_s
    retries: int = 1
    backoff_s: float = 0.05
    max_concurrency: int = 64
    offline_after: int = 3
    offline_probe_s: float = 10.0
    flush_interval_s: float = 0.5
    # Hand the sink an empty batch at least this often, so clock-driven rules
    # (offline for 5 minutes) fire even when a whole fleet is silent.
    idle_write_s: float = 5.0
    max_buffer: int = 100_000
    # A refused or unreachable endpoint is retried after 0.5, 1, 2, 2, ... s: a connect
    # attempt is one SYN, and a gateway that returns must be polled again within seconds.
    connect_backoff_max_s: float = 2.0
    # Connections per (host, port). 1 suits real RS-485 gateways, which answer one
    # request at a time; IP devices and the simulator can serve a few in parallel.
    connections_per_endpoint: int = 1
    # Quarantine: a device that times out, cannot be reached or answers slower than
    # slow_poll_s is polled on its endpoint's own extra connection (the slow lane), so
    # its waits never hold the healthy devices behind it; it returns to the main lane
    # after recover_after fast good polls in a row. False: one lane, as before.
    quarantine: bool = True
    slow_poll_s: float = 0.15
    recover_after: int = 3
    # At a serial gateway a quarantined unit is polled in the main lane's pauses; it waits at
    # most this long for one, so an overloaded gateway still finds its dead units out.
    slow_turn_wait_s: float = 2.0
    # Communication counters per device (devices/diagnostics.py) go to the sink this often.
    comm_flush_s: float = 10.0


@dataclass
class PollStats:
    """Counters the benchmark and the CLI report."""

    scheduled: int = 0
    polled: int = 0
    ok: int = 0
    failed: int = 0
    on_time: int = 0
    skipped_late: int = 0
    skipped_offline: int = 0
    quarantined: int = 0  # moves of a device to its endpoint's slow lane
    # The newest polls only: a poller runs for months (1,000 devices at 1 Hz appended 86
    # million floats a day, ~2.7 GB); the long-run view is its Prometheus histogram.
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_POLLS))
    lateness: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_POLLS))
