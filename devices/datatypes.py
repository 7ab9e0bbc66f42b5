"""Device data types: what a device is to the poller, what a poll yields, where it goes.

The registry builds DeviceConfigs from the device layers; the poller turns them into
Readings and StatusChanges and hands them to a Sink in Batches; the rules, the alarms
and the PostGIS store (devices/store.py) read those. They live here, below all of them,
so none of those modules has to import the poller for its types.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Protocol

# How the poller frames requests: Modbus TCP, or RTU through a serial-to-Ethernet converter.
TRANSPORTS = ("tcp", "rtu_over_tcp")


@dataclass(frozen=True)
class DeviceConfig:
    """What the poller needs to know about one device (a feature of a device layer)."""

    device_id: str
    model: str
    host: str
    port: int
    unit: int
    interval_s: float = 1.0
    # The settings below are named, never positional: two added at once once shifted each other.
    _: KW_ONLY
    # Per device (its property or its model's default); None: the poller's PollerConfig.
    timeout_s: float | None = None
    retries: int | None = None
    # "tcp": Modbus TCP; "rtu_over_tcp": RTU frames through a serial-to-Ethernet converter.
    transport: str = "tcp"


@dataclass(frozen=True)
class Reading:
    """One good poll: every point's raw and engineering value."""

    device_id: str
    model: str
    time: float
    values: dict[str, float]
    raw: dict[str, float]
    out_of_range: tuple[str, ...] = ()
    latency_s: float = 0.0


@dataclass(frozen=True)
class StatusChange:
    """A device went online/offline, changed fault, or reset its counters."""

    device_id: str
    time: float
    status: str  # online | offline | fault | recovered | counter_reset | out_of_range | in_range
    detail: str = ""
    # With status "fault": what the device status shows and alarm rules match (see
    # devices/pollstate.py PollFailure.fault): no_answer, connection, config, busy, ...
    fault: str = ""


@dataclass
class Batch:
    """What the poller hands to a sink in one write."""

    readings: list[Reading] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    # Communication counters since the last ones handed over (devices.diagnostics.CommCounts),
    # added every PollerConfig.comm_flush_s, not with every batch.
    comm: list = field(default_factory=list)


class Sink(Protocol):
    """Where readings go: memory in tests, PostGIS in production (devices/store.py)."""

    async def write(self, batch: Batch) -> None: ...


class MemorySink:
    """Keeps every batch; for tests and the benchmark."""

    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.changes: list[StatusChange] = []
        self.comm: list = []
        self.batches = 0

    async def write(self, batch: Batch) -> None:
        self.readings.extend(batch.readings)
        self.changes.extend(batch.changes)
        self.comm.extend(batch.comm)
        self.batches += 1


__all__ = ["TRANSPORTS", "Batch", "DeviceConfig", "MemorySink", "Reading", "Sink", "StatusChange"]
