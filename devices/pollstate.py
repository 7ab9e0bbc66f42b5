"""The poller's bookkeeping: what it remembers per device and per endpoint, and how it names a failure.

devices/poller.py schedules and reads; these are the records it keeps while doing so
(status, fault, counters and lane of each device; due-order queues, clients and
connect back-off of each (host, port)) and the one place a poll's exception becomes
the fault kind that the log and the device status show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from devices.datatypes import DeviceConfig
from devices.pollturns import LineTurns
from devices.registermap import RegisterMap

# Modbus exception codes by what they say about the device (Modbus Application Protocol 7).
CONFIG_EXCEPTIONS = frozenset({1, 2, 3})    # the map asks for what this firmware does not have
BUSY_EXCEPTIONS = frozenset({5, 6})          # alive and busy: try again shortly
GATEWAY_EXCEPTIONS = frozenset({10, 11})     # the gateway answers; the unit behind it does not
# Faults that mean nobody answers: only these make a device offline (and a crew go out).
OFFLINE_FAULTS = frozenset({"no_answer", "connection"})


class PollFailure(Exception):
    """A poll that produced no data; ``kind`` is what went wrong, ``fault`` what the device status shows.

    kind: timeout | refused | closed | unreachable | exception (with ``code``) | garbled | error.
    fault: no_answer | connection | unit_missing | config | device_failure | busy | garbled | error;
    alarm rules match on it (``fault: config``) and only OFFLINE_FAULTS count towards offline.
    """

    def __init__(self, kind: str, detail: str = "", code: int | None = None) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        self.code = code

    @property
    def fault(self) -> str:
        if self.kind == "timeout":
            return "no_answer"
        if self.kind in ("refused", "closed", "unreachable", "connection"):
            return "connection"
        if self.kind == "exception":
            if self.code in CONFIG_EXCEPTIONS:
                return "config"
            if self.code in BUSY_EXCEPTIONS:
                return "busy"
            if self.code in GATEWAY_EXCEPTIONS:
                return "unit_missing"
            return "device_failure"
        return self.kind

    @property
    def offline(self) -> bool:
        """Whether this failure counts towards marking the device offline."""
        return self.fault in OFFLINE_FAULTS

    @property
    def retryable(self) -> bool:
        """Whether trying again within the same poll may help (not for a definite answer)."""
        return self.kind in ("timeout", "closed", "garbled") or self.code in BUSY_EXCEPTIONS


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
    # Of the last poll: an answer came after timeout_s; the device's own answer time (the
    # wait behind other requests to its gateway left out).
    late: bool = False
    latency_s: float = 0.0


class Endpoint:
    """One (host, port): its devices in due order, its client, its connect back-off."""

    def __init__(self, host: str, port: int, transport: str = "tcp", connections: int = 1) -> None:
        self.host, self.port = host, port
        # "tcp" (Modbus TCP) or "rtu_over_tcp" (a serial converter in transparent mode). An RTU
        # converter allows one TCP connection, and so do many Modbus TCP gateways: every lane then
        # shares it (single), unless the poller is told the gateway takes more (`connections`).
        self.transport = transport
        self.connections = connections
        # Per lane, the devices in due order; a lane's event wakes its idle workers.
        self.lanes: dict[str, list[tuple[float, int, DeviceState]]] = {"main": [], "slow": []}
        self.wake: dict[str, asyncio.Event] = {}
        self.clients: dict[int, Any] = {}  # slot -> devices.modbustcp.ModbusTcpConnection
        # Requests in flight on any of the endpoint's connections: a gateway answers one at a
        # time, so a request sent while another is in flight may wait for it (not its fault).
        self.in_flight: set[Any] = set()  # devices.modbustcp.Flight
        # After a request was given up, the gateway may work on it until then (monotonic).
        self.busy_until = 0.0
        # Learnt: an answer overtook an earlier request, so this endpoint is no serial gateway.
        self.parallel = False
        self.workers: list[asyncio.Task] = []
        # Whose turn it is on a serial line: the main lane first, the slow lane in its pauses.
        self.turns = LineTurns()
        self.connect_fails = 0
        self.connect_retry_at = 0.0

    @property
    def queue(self) -> list[tuple[float, int, DeviceState]]:
        return self.lanes["main"]

    def reframe(self, transport: str) -> None:
        """Speak another transport from now on: the open connections are closed and reopened framed anew."""
        self.transport = transport
        for client in self.clients.values():
            client.close()
        self.clients.clear()

    @property
    def single(self) -> bool:
        """Whether all the endpoint's workers (and lent commands) share one connection: an RTU-over-TCP
        converter always, a Modbus TCP gateway unless PollerConfig.connections_per_endpoint allows more."""
        return self.transport == "rtu_over_tcp" or self.connections <= 1

    @property
    def framing(self) -> str:
        return "rtu" if self.transport == "rtu_over_tcp" else "tcp"


def classify_failure(exc: BaseException) -> PollFailure:
    """Name what went wrong in a poll: timeout, connection, garbled, or error (a bug)."""
    if isinstance(exc, PollFailure):
        return exc
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return PollFailure("timeout", "no answer")
    if isinstance(exc, ConnectionRefusedError):
        return PollFailure("refused", str(exc)[:120])
    if isinstance(exc, ConnectionError | OSError):
        return PollFailure("closed", str(exc)[:120])
    if isinstance(exc, ValueError):
        return PollFailure("garbled", str(exc)[:120])
    return PollFailure("error", f"{type(exc).__name__}: {exc}"[:120])


__all__ = ["DeviceState", "Endpoint", "PollFailure", "classify_failure"]
