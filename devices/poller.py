"""Asyncio Modbus TCP poller: many devices, few connections, never stopped by one device.

Devices sharing a (host, port) share one connection (many gateways accept only one),
served by one worker that polls them in due-time order (Modbus TCP gateways answer one
request at a time anyway). Each endpoint runs independently, so a dead or slow endpoint
delays only the devices behind it; a global semaphore bounds requests in flight. Within an
endpoint, a device that makes it wait (timeouts, slow answers) is quarantined in a
second lane, the slow lane, so its waits do not make the healthy devices late; both lanes
send on the same connection (Modbus TCP pipelined by transaction id, RTU one request at a
time), and commands borrow it too (devices/gatewaylink.py).

A device is marked offline after ``offline_after`` consecutive polls that nobody
answered (no answer, connection refused or dropped) and back online on the next good
one. A device that answers with a Modbus exception, garbage or late is not offline: its
fault is named (config, busy, unit_missing, device_failure, garbled, slow; see
devices/pollstate.py) and alarm rules match on it. A timeout blamed on a device is only
one that no other request on its endpoint could have caused. Offline devices are probed
every ``offline_probe_s`` instead of every interval and without retries, so a silent
unit costs its gateway at most one timeout per probe; while their endpoint cannot be
reached they are probed when its connect back-off (at most ``connect_backoff_max_s``)
expires, and all of them are polled at once when it answers again, so a gateway's
return is seen within seconds. Faults are logged on transition, never per poll.

The Poller is assembled from modules with one job each: devices/pollconfig.py (knobs and
counters), devices/pollschedule.py (workers and due-time heaps), devices/pollconnect.py
(connections and reads), devices/polloutcome.py (transitions, readings, the sink); this
module keeps the fleet, the lifecycle and one poll from start to outcome.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence

from devices.datatypes import Batch, DeviceConfig, Sink
from devices.diagnostics import CommLedger
from devices.faultlog import FaultLog
from devices.pollconfig import PollerConfig, PollStats
from devices.pollconnect import Connections
from devices.pollmetrics import PollerMetrics
from devices.polloutcome import Outcomes
from devices.pollschedule import Scheduling
from devices.pollstate import DeviceState, Endpoint, PollFailure, classify_failure
from devices.pollturns import LineTurns
from devices.registermap import RegisterMap, load_maps

log = logging.getLogger(__name__)


class Poller(Scheduling, Connections, Outcomes):
    """Polls a fleet until stopped; results go to the sink in batches."""

    def __init__(self, devices: Sequence[DeviceConfig], sink: Sink,
                 config: PollerConfig | None = None,
                 maps: dict[str, RegisterMap] | None = None,
                 rng: random.Random | None = None) -> None:
        self.config = config or PollerConfig()
        self.sink = sink
        self.rng = rng or random.Random()
        self.maps = maps if maps is not None else load_maps()
        self.states: dict[str, DeviceState] = {}
        self.endpoints: dict[tuple[str, int], Endpoint] = {}
        for d in devices:
            self._add(d)
        self.stats = PollStats()
        self._buffer = Batch()
        self._sink_faults = FaultLog(log, "poller: writing to the sink")
        self._tasks: list[asyncio.Task] = []
        self._semaphore = asyncio.Semaphore(self.config.max_concurrency)
        self._seq = 0
        self._stopping = False
        self._last_write = time.monotonic()
        self._comm = CommLedger()  # requests per device since the counts last went to the sink
        self.metrics: PollerMetrics | None = None  # Prometheus series (devices/pollmetrics.py), if served
        self._last_comm = time.monotonic()

    def _add(self, d: DeviceConfig) -> DeviceState:
        if d.model not in self.maps:
            raise ValueError(f"device {d.device_id}: no register map for model {d.model!r}")
        state = self.states[d.device_id] = DeviceState(d, self.maps[d.model])
        ep = self.endpoints.get((d.host, d.port))
        if ep is None:
            ep = self.endpoints[(d.host, d.port)] = Endpoint(d.host, d.port, d.transport,
                                                             self.config.connections_per_endpoint)
        if ep.transport != d.transport:
            self._reframe(ep, state)
        return state

    def _reframe(self, ep: Endpoint, state: DeviceState) -> None:
        """The gateway was re-declared (no other device on it says otherwise), or one device disagrees."""
        d = state.config
        if any(s.config.transport != d.transport for s in self.states.values()
               if s is not state and (s.config.host, s.config.port) == (d.host, d.port)):
            log.warning("poller: %s declares %s but %s:%s speaks %s; polled as %s",
                        d.device_id, d.transport, d.host, d.port, ep.transport, ep.transport)
        else:
            ep.reframe(d.transport)

    def set_devices(self, devices: Sequence[DeviceConfig],
                    first_within_s: float | None = None) -> dict[str, list[str]]:
        """Take a new fleet while running: add new devices, drop retired ones, re-address moved ones.

        A device whose configuration changed (address, model, interval) starts afresh
        (first poll within one interval, or within `first_within_s` if shorter: devices
        taken over from a dead poller are due now, not a whole interval later); the others
        keep their schedule and status. Returns the ids added, removed and changed.
        """
        wanted = {d.device_id: d for d in devices}
        bad = [d.device_id for d in devices if d.model not in self.maps]
        if bad:
            raise ValueError(f"devices {bad}: no register map for their model")
        added = [i for i in wanted if i not in self.states]
        removed = [i for i in self.states if i not in wanted]
        changed = [i for i in wanted if i in self.states and self.states[i].config != wanted[i]]
        for device in removed + changed:
            self.states.pop(device).retired = True
        now = time.monotonic()
        for device in added + changed:
            state = self._add(wanted[device])
            if self._tasks:  # running: schedule it now; start() schedules the rest
                ep = self.endpoints[(state.config.host, state.config.port)]
                spread = min(state.config.interval_s, first_within_s or state.config.interval_s)
                self._push(ep, now + self.rng.uniform(0, spread), state)
                self._ensure_workers(ep)
        if added or removed or changed:
            log.info("poller: registry changed: %d added, %d removed, %d changed",
                     len(added), len(removed), len(changed))
        return {"added": added, "removed": removed, "changed": changed}

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Schedule every device with a random phase so polls spread over the interval."""
        self._stopping = False
        # pymodbus logs every timeout at ERROR with a frame dump; the poller reports
        # faults itself, once per transition, so pymodbus' own chatter is noise here.
        logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
        now = time.monotonic()
        for ep in self.endpoints.values():
            # A fresh schedule, and events of this event loop (a restart may run in a new one).
            ep.lanes = {"main": [], "slow": []}
            ep.wake = {}
            ep.turns = LineTurns()
        for state in self.states.values():
            ep = self.endpoints[(state.config.host, state.config.port)]
            self._push(ep, now + self.rng.uniform(0, state.config.interval_s), state)
        self._tasks = [asyncio.create_task(self._flusher(), name="poll flusher")]
        for ep in self.endpoints.values():
            ep.workers = []
            self._ensure_workers(ep)

    async def stop(self) -> None:
        """Cancel workers, close connections, flush what is buffered."""
        self._stopping = True
        # asyncio.wait_for on Python 3.11 can swallow a cancel that lands as the awaited
        # response arrives (bpo-42130); the flag and the repeated cancel make stop certain.
        pending = set(self._tasks)
        while pending:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1.0)
        self._tasks.clear()
        for ep in self.endpoints.values():
            for client in ep.clients.values():
                client.close()
            ep.clients.clear()
            ep.workers = []
        await self._flush(comm=True)

    async def close_idle_endpoints(self) -> list[tuple[str, int]]:
        """Stop the workers and close the connections of endpoints none of whose devices is left.

        After set_devices dropped a gateway's devices (its lease went to another poller):
        once this returns, nothing of this poller talks to that gateway any more.
        """
        used = {(s.config.host, s.config.port) for s in self.states.values()}
        idle = [key for key in self.endpoints if key not in used]
        for key in idle:
            ep = self.endpoints.pop(key)
            pending = set(ep.workers)
            while pending:  # repeated cancel: see stop()
                for task in pending:
                    task.cancel()
                _, pending = await asyncio.wait(pending, timeout=1.0)
            self._tasks = [t for t in self._tasks if t not in ep.workers]
            for client in ep.clients.values():
                client.close()
            ep.clients.clear()
            ep.workers = []
        return idle

    async def run(self, duration_s: float) -> PollStats:
        """Poll for duration_s seconds, then stop."""
        await self.start()
        try:
            await asyncio.sleep(duration_s)
        finally:
            await self.stop()
        return self.stats

    # -- one poll -------------------------------------------------------------------

    async def _poll_once(self, ep: Endpoint, slot: int, state: DeviceState, due: float) -> None:
        start = time.monotonic()
        self.stats.lateness.append(start - due)
        attempts = self._attempts(state)
        failure: PollFailure | None = None
        for attempt in range(attempts):
            try:
                values = await self._read_device(ep, slot, state)
                failure = None
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every device fault lands here, classified
                failure = classify_failure(exc)
                # Retrying into the next interval would only make the next poll late.
                budget = due + state.config.interval_s - time.monotonic()
                if not failure.retryable or attempt + 1 >= attempts or self._retry_elsewhere(ep, state, failure) \
                        or budget < (
                        self._timeouts(state)[0] + self.config.backoff_s):
                    break
                await asyncio.sleep(self.config.backoff_s * 2**attempt * self.rng.uniform(0.5, 1.5))
        end = time.monotonic()
        self.stats.polled += 1
        if end <= due + state.config.interval_s:
            self.stats.on_time += 1
        if failure is None:
            self.stats.ok += 1
            self.stats.latencies.append(end - start)
            self._on_success(state, values, end - start)
        else:
            self.stats.failed += 1
            self._on_failure(state, failure)
        if self.metrics is not None:
            self.metrics.poll(f"{ep.host}:{ep.port}", start - due, None if failure is None else failure.fault)
        self._choose_lane(state, end - start, failure)

    def _attempts(self, state: DeviceState) -> int:
        """One attempt for a unit that did not answer its last poll (quarantine on), else 1 + its retries.

        Retries are for a lost frame; a unit that keeps not answering would hold its gateway
        for a whole timeout per retry (the SCADA "demote on failure"). It gets its retries
        back with its first answer; offline timing is unchanged (polls still count).
        """
        if state.status == "offline" or (self.config.quarantine and state.missed > 0):
            return 1
        return 1 + self._retries(state)

    def _retry_elsewhere(self, ep: Endpoint, state: DeviceState, failure: PollFailure) -> bool:
        """A main-lane unit that timed out at a serial gateway is not retried there, in front of the healthy.

        The gateway is still busy with the lost request, so a retry costs its neighbours two
        answer timeouts (measured: a 1.8 s hole in a 1 s schedule for a 0.3 s timeout). The unit
        moves to the slow lane (_choose_lane) and is polled again at its next slot there.
        """
        return (self.config.quarantine and not ep.parallel and state.lane == "main"
                and failure.kind == "timeout")

    def _choose_lane(self, state: DeviceState, latency: float, failure: PollFailure | None) -> None:
        """Quarantine a device that makes its endpoint wait; release it after fast good polls.

        A Modbus exception or garbled answer comes back fast, so only waits (timeouts,
        unreachable, slow answers) send a device to the slow lane. The move applies
        from its next poll (the reschedule pushes it onto its lane's queue).
        """
        if not self.config.quarantine:
            return
        if failure is None:  # its own answer time, not the wait behind its neighbours' requests
            latency = state.latency_s
        slow = latency > self.config.slow_poll_s or (failure is not None and failure.offline)
        if slow:
            state.fast_in_row = 0
            if state.lane != "slow":
                self.stats.quarantined += 1
            state.lane = "slow"
        else:
            state.fast_in_row += 1
            if state.lane == "slow" and state.fast_in_row >= self.config.recover_after:
                state.lane = "main"


async def wait_until(predicate: Callable[[], object], timeout_s: float = 5.0, step_s: float = 0.02) -> bool:
    """Poll a zero-argument callable until it is truthy; for tests and scripts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step_s)
    return bool(predicate())


__all__ = ["PollStats", "Poller", "PollerConfig", "wait_until"]
