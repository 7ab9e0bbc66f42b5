"""Modbus peers for the tests: free loopback ports and the project's simulator in a thread."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from devices.simulator import FleetEntry, Simulator


def free_ports(n: int) -> list[int]:
    """n distinct ports nobody listens on right now (the kernel picks them)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class SimulatorThread:
    """A Simulator serving from its own event loop in a background thread.

    Tests stay synchronous (no pytest-asyncio in requirements) and can run the poller
    with asyncio.run, or mbpoll as a subprocess, while the simulator keeps answering.
    """

    def __init__(self, entries: list[FleetEntry], **kwargs: Any) -> None:
        self.sim = Simulator(entries, **kwargs)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Simulator:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.sim.start(), self.loop).result(timeout=10)
        return self.sim

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.sim.stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
