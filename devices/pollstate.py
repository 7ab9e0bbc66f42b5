"""The poller's bookkeeping: what it remembers per device and per endpoint, and how it names a failure.

devices/poller.py schedules and reads; these are the records it keeps while doing so
(status, fault, counters and lane of each device; due-order queues, clients and
connect back-off of each (host, port)) and the one place a poll's exception becomes
the fault kind that the log and the device status show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from devices.datatypes import DeviceConfig
from devices.registermap import RegisterMap


class PollFailure(Exception):
    """A poll that produced no data; ``kind`` is what the log and status show."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass
class DeviceState:
    """The poller's memory of one device."""

    config: DeviceConfig
    map: RegisterMap
    status: str = "unknown"
    missed: int = 0
    fault: str | None = None
    out_of_range: frozenset[str] = frozenset()
    counters: dict[str, float] = field(default_factory=dict)
    last_ok: float | None = None
    # Set when the registry drops or changes the device: its queue entry is discarded.
    retired: bool = False
    lane: str = "main"  # main | slow (quarantined, see PollerConfig.quarantine)
    fast_in_row: int = 0


class Endpoint:
    """One (host, port): its devices in due order, its client, its connect back-off."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        # Per lane, the devices in due order; a lane's event wakes its idle workers.
        self.lanes: dict[str, list[tuple[float, int, DeviceState]]] = {"main": [], "slow": []}
        self.wake: dict[str, asyncio.Event] = {}
        self.clients: dict[int, AsyncModbusTcpClient] = {}
        self.workers: list[asyncio.Task] = []
        self.connect_fails = 0
        self.connect_retry_at = 0.0

    @property
    def queue(self) -> list[tuple[float, int, DeviceState]]:
        return self.lanes["main"]


def classify_failure(exc: BaseException) -> PollFailure:
    """Name what went wrong in a poll: timeout, connection, garbled, or error (a bug)."""
    if isinstance(exc, PollFailure):
        return exc
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return PollFailure("timeout", "no answer")
    if isinstance(exc, ConnectionException | ConnectionError | OSError):
        return PollFailure("connection", str(exc)[:120])
    if isinstance(exc, ModbusIOException) and "No response" in str(exc):
        return PollFailure("timeout", "no answer")
    if isinstance(exc, ModbusException | ValueError):
        return PollFailure("garbled", str(exc)[:120])
    return PollFailure("error", f"{type(exc).__name__}: {exc}"[:120])


__all__ = ["DeviceState", "Endpoint", "PollFailure", "classify_failure"]
