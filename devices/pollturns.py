"""Whose turn it is on a serial gateway's line: the healthy units first, the quarantined ones in the quiet time.

An RS-485 gateway (Modbus TCP in front, one request at a time behind) serves requests in
the order they arrive, whichever connection they come on. Every request to a unit that
does not answer, or answers late, holds the line for a whole answer timeout: measured in
benchmarks/bench_device_faults.py, three such units behind a gateway of fifty took turns
with the healthy ones and left them one request per 1.5 s (89.3 % of the healthy units'
polls on time at 1,000 devices on 20 gateways). So the poller, like a SCADA master that owns
its serial line, sends a quarantined unit's request only when the main lane has nothing
due and nothing in flight; a quarantined unit waits at most ``max_wait_s`` for such a pause,
then takes the next turn, so an overloaded gateway still finds its dead units out. The main
lane never waits for a slow-lane request in flight (the gateway queues it behind that one,
a single hold at most). Once an endpoint is known to answer in parallel (not serial),
both lanes go freely.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator


class LineTurns:
    """The turns of one endpoint's main lane (many at once) and slow lane (alone, in the main lane's pauses)."""

    def __init__(self) -> None:
        self.main_active = 0
        self.main_quiet = True  # the main lane's workers wait for a due time: nothing of theirs is due
        self.slow_active = False
        self.slow_waiting = False  # the slow lane waited max_wait_s: new main polls let it go first
        self._changed = asyncio.Event()

    def _broadcast(self) -> None:
        # A fresh event per change: every waiter captured the old one before checking its condition.
        self._changed.set()
        self._changed = asyncio.Event()

    async def _until(self, condition, timeout_s: float | None = None) -> bool:  # noqa: ANN001
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not condition():
            changed = self._changed
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return bool(condition())
        return True

    def quiet(self, is_quiet: bool) -> None:
        """The main lane has nothing due (True) or has a due device (False)."""
        if self.main_quiet != is_quiet:
            self.main_quiet = is_quiet
            self._broadcast()

    @contextlib.asynccontextmanager
    async def main_turn(self) -> AsyncIterator[None]:
        # Never held back by a slow-lane request in flight: the gateway queues this one behind it
        # (one hold at most), and an endpoint that answers in parallel shows it by overtaking.
        await self._until(lambda: not self.slow_waiting)
        self.main_active += 1
        try:
            yield
        finally:
            self.main_active -= 1
            self._broadcast()

    @contextlib.asynccontextmanager
    async def slow_turn(self, max_wait_s: float) -> AsyncIterator[None]:
        if not await self._until(lambda: self.main_quiet and not self.main_active, max_wait_s):
            self.slow_waiting = True  # the main lane lets this one request go next
            try:
                await self._until(lambda: not self.main_active)
            finally:
                self.slow_waiting = False
        self.slow_active = True
        try:
            yield
        finally:
            self.slow_active = False
            self._broadcast()


@contextlib.asynccontextmanager
async def free_turn() -> AsyncIterator[None]:
    """An endpoint that answers in parallel: no turns."""
    yield


__all__ = ["LineTurns", "free_turn"]
