"""The poller's schedule: per endpoint and lane a due-time heap served by its workers.

A mixin of devices.poller.Poller: each endpoint has a main lane (one worker per
connection) and a slow lane for quarantined devices; a worker sleeps until the head of
its heap is due, unless something earlier is pushed meanwhile.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time

from devices.pollconfig import PollerConfig, PollStats
from devices.pollstate import DeviceState, Endpoint
from devices.pollturns import free_turn

log = logging.getLogger("devices.poller")


class Scheduling:
    """Workers and due-time heaps; the Poller provides _poll_once and the state below."""

    config: PollerConfig
    stats: PollStats
    rng: random.Random
    _semaphore: asyncio.Semaphore
    _tasks: list[asyncio.Task]
    _seq: int
    _stopping: bool

    def _ensure_workers(self, ep: Endpoint) -> None:
        """Start the endpoint's workers (main lane slots 0.., the slow lane on slot -1) once."""
        if ep.workers:
            return
        for lane in ("main", "slow"):
            ep.wake.setdefault(lane, asyncio.Event())
        slots = [(slot, "main") for slot in range(max(1, self.config.connections_per_endpoint))]
        if self.config.quarantine:
            slots.append((-1, "slow"))
        for slot, lane in slots:
            task = asyncio.create_task(self._worker(ep, slot, lane), name=f"poll {ep.host}:{ep.port} {lane}")
            ep.workers.append(task)
            self._tasks.append(task)

    def _push(self, ep: Endpoint, due: float, state: DeviceState) -> None:
        self._seq += 1
        heapq.heappush(ep.lanes[state.lane], (due, self._seq, state))
        if state.lane in ep.wake:
            ep.wake[state.lane].set()

    def _reschedule(self, ep: Endpoint, due: float, state: DeviceState) -> None:
        interval = state.config.interval_s
        nxt = due + interval
        now = time.monotonic()
        if state.status == "offline":
            probe = max(now, due) + self.config.offline_probe_s
            if state.fault == "connection":  # the endpoint is down: probe when its back-off expires
                probe = min(probe, max(now, ep.connect_retry_at))
            skipped = int((probe - nxt) // interval) + 1 if probe > nxt else 0
            self.stats.scheduled += skipped
            self.stats.skipped_offline += skipped
            nxt += skipped * interval
        elif nxt < now:
            # Too far behind to catch up: drop the missed slots, keep the phase.
            skipped = int((now - nxt) // interval) + 1
            self.stats.scheduled += skipped
            self.stats.skipped_late += skipped
            nxt += skipped * interval
        self._push(ep, nxt, state)

    @staticmethod
    def _main_quiet(ep: Endpoint, lane: str, quiet: bool) -> None:
        if lane == "main":
            ep.turns.quiet(quiet)

    def _turn(self, ep: Endpoint, lane: str):  # noqa: ANN202 (an async context manager)
        """At a serial gateway the slow lane sends only in the main lane's pauses (devices/pollturns.py)."""
        if ep.parallel or not self.config.quarantine:
            return free_turn()
        if lane == "main":
            return ep.turns.main_turn()
        return ep.turns.slow_turn(self.config.slow_turn_wait_s)

    async def _worker(self, ep: Endpoint, slot: int, lane: str = "main") -> None:
        queue, wake = ep.lanes[lane], ep.wake[lane]
        while not self._stopping:
            if not queue:
                # Idle (a quiet slow lane, or every device retired): wait for a device.
                self._main_quiet(ep, lane, True)
                wake.clear()
                await wake.wait()
                continue
            due, seq, state = heapq.heappop(queue)
            if state.retired:
                continue
            delay = due - time.monotonic()
            if delay > 0:
                # Wait for its slot, unless something earlier is queued meanwhile (a device
                # added, or a returning gateway's offline devices pulled forward).
                self._main_quiet(ep, lane, True)
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), delay)
                except TimeoutError:
                    pass
                else:
                    heapq.heappush(queue, (due, seq, state))
                    continue
            if state.retired:  # dropped from the registry while we waited
                continue
            self._main_quiet(ep, lane, False)
            self.stats.scheduled += 1
            try:
                async with self._turn(ep, lane), self._semaphore:
                    await self._poll_once(ep, slot, state, due)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one poll must not silence a whole gateway
                log.exception("poller: unexpected error polling %s", state.config.device_id)
            if not state.retired:
                self._reschedule(ep, due, state)
