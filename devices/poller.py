"""Asyncio Modbus TCP poller: many devices, few connections, never stopped by one device.

Devices sharing a (host, port) share one pymodbus AsyncModbusTcpClient, served by one
worker that polls them in due-time order (Modbus TCP gateways answer one request at a
time anyway). Each endpoint runs independently, so a dead or slow endpoint delays only
the devices behind it; a global semaphore bounds requests in flight. Within an
endpoint, a device that makes it wait (timeouts, slow answers) is quarantined on a
second connection, the slow lane, so its waits do not make the healthy devices late.

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
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from devices.datatypes import Batch, DeviceConfig, Reading, Sink, StatusChange
from devices.diagnostics import CommLedger, merge_counts
from devices.faultlog import FaultLog
from devices.modbustcp import Flight, ModbusTcpConnection
from devices.pollstate import DeviceState, Endpoint, PollFailure, classify_failure
from devices.registermap import RegisterMap, decode_block, load_maps

log = logging.getLogger(__name__)


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
    latencies: list[float] = field(default_factory=list)
    lateness: list[float] = field(default_factory=list)


class Poller:
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
        self._last_comm = time.monotonic()

    def _timeouts(self, state: DeviceState) -> tuple[float, float]:
        """The device's answer timeout and late grace: its own setting, else the poller's."""
        timeout = state.config.timeout_s or self.config.timeout_s
        if state.config.timeout_s is None or self.config.late_grace_s is not None:
            return timeout, self.config.grace_s
        return timeout, timeout  # the grace follows the device's own timeout

    def _retries(self, state: DeviceState) -> int:
        return self.config.retries if state.config.retries is None else state.config.retries

    def _count(self, state: DeviceState, failure: PollFailure | None, rtt_s: float | None = None) -> None:
        """One Modbus request to the device (or one that could not be sent: no connection)."""
        self._comm.count(state.config.device_id, failure, rtt_s, time.time())

    def _add(self, d: DeviceConfig) -> DeviceState:
        if d.model not in self.maps:
            raise ValueError(f"device {d.device_id}: no register map for model {d.model!r}")
        state = self.states[d.device_id] = DeviceState(d, self.maps[d.model])
        ep = self.endpoints.setdefault((d.host, d.port), Endpoint(d.host, d.port, d.transport))
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

    def set_devices(self, devices: Sequence[DeviceConfig]) -> dict[str, list[str]]:
        """Take a new fleet while running: add new devices, drop retired ones, re-address moved ones.

        A device whose configuration changed (address, model, interval) starts afresh
        (first poll within one interval); the others keep their schedule and status.
        Returns the ids added, removed and changed.
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
                self._push(ep, now + self.rng.uniform(0, state.config.interval_s), state)
                self._ensure_workers(ep)
        if added or removed or changed:
            log.info("poller: registry changed: %d added, %d removed, %d changed",
                     len(added), len(removed), len(changed))
        return {"added": added, "removed": removed, "changed": changed}

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

    async def run(self, duration_s: float) -> PollStats:
        """Poll for duration_s seconds, then stop."""
        await self.start()
        try:
            await asyncio.sleep(duration_s)
        finally:
            await self.stop()
        return self.stats

    # -- scheduling -----------------------------------------------------------------

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

    async def _worker(self, ep: Endpoint, slot: int, lane: str = "main") -> None:
        queue, wake = ep.lanes[lane], ep.wake[lane]
        while not self._stopping:
            if not queue:
                # Idle (a quiet slow lane, or every device retired): wait for a device.
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
            self.stats.scheduled += 1
            try:
                async with self._semaphore:
                    await self._poll_once(ep, slot, state, due)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one poll must not silence a whole gateway
                log.exception("poller: unexpected error polling %s", state.config.device_id)
            if not state.retired:
                self._reschedule(ep, due, state)

    # -- one poll -------------------------------------------------------------------

    async def _poll_once(self, ep: Endpoint, slot: int, state: DeviceState, due: float) -> None:
        start = time.monotonic()
        self.stats.lateness.append(start - due)
        attempts = 1 if state.status == "offline" else 1 + self._retries(state)
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
                if not failure.retryable or attempt + 1 >= attempts or budget < (
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
        self._choose_lane(state, end - start, failure)

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

    async def _client(self, ep: Endpoint, slot: int) -> ModbusTcpConnection:
        slot = 0 if ep.single else slot  # a single-connection gateway: every lane shares one
        client = ep.clients.get(slot)
        if client is not None and client.connected:
            return client
        if time.monotonic() < ep.connect_retry_at:
            raise PollFailure("unreachable", f"{ep.host}:{ep.port} unreachable, backing off")
        if client is None or not ep.single:  # a shared one is reconnected in place, never doubled
            client = ep.clients[slot] = ModbusTcpConnection(ep.host, ep.port, self.config.timeout_s,
                                                            self.config.grace_s, ep.framing)
        try:
            async with client.lock:
                if not client.connected:
                    await client.connect()
        except PollFailure:
            if not ep.single:
                ep.clients.pop(slot, None)
            ep.connect_fails += 1
            backoff = min(self.config.connect_backoff_max_s, 0.5 * 2 ** (ep.connect_fails - 1))
            ep.connect_retry_at = time.monotonic() + backoff * self.rng.uniform(0.8, 1.2)
            raise
        if ep.connect_fails:
            self._endpoint_back(ep)
        ep.connect_fails = 0
        return client

    async def shared_client(self, host: str, port: int) -> ModbusTcpConnection:
        """The connection of a single-connection gateway, which commands borrow (devices/gatewaylink.py)."""
        return await self._client(self.endpoints[(host, port)], 0)

    def single_connection_endpoints(self) -> list[tuple[str, int]]:
        return [(ep.host, ep.port) for ep in self.endpoints.values() if ep.single]

    def _endpoint_back(self, ep: Endpoint) -> None:
        """The endpoint answers again: poll its devices that could not reach it now, not at their next slot."""
        now = time.monotonic()
        for lane, queue in ep.lanes.items():
            # In place: the lane's workers hold this very list.
            queue[:] = [(min(due, now) if state.status == "offline" or state.fault == "connection" else due,
                         seq, state) for due, seq, state in queue]
            heapq.heapify(queue)
            if lane in ep.wake:
                ep.wake[lane].set()
        log.info("poller: %s:%s answers again; polling its offline devices now", ep.host, ep.port)

    async def _read_device(self, ep: Endpoint, slot: int, state: DeviceState) -> dict[str, tuple]:
        try:
            client = await self._client(ep, slot)
        except PollFailure as failure:
            self._count(state, failure)
            raise
        # The device's own timeout: the connection serves one request at a time (its slot's worker).
        client.timeout_s, client.grace_s = self._timeouts(state)
        values: dict[str, tuple] = {}
        state.late, state.latency_s = False, 0.0
        for block in state.map.blocks:
            # A gateway answers one request at a time: the requests in flight before this one
            # are ahead of it, and its clock starts when they are done (see ModbusTcpConnection).
            ahead, flight = (() if ep.parallel else tuple(ep.in_flight)), Flight()
            ep.in_flight.add(flight)
            try:
                answer = await client.read(state.config.unit, block.function, block.start, block.count, ahead,
                                           lambda: 0.0 if ep.parallel else ep.busy_until)
            except PollFailure as failure:
                self._count(state, failure)
                if failure.kind == "timeout":  # the gateway may still be busy with it for a while
                    ep.busy_until = time.monotonic() + sum(self._timeouts(state))
                raise
            finally:
                ep.in_flight.discard(flight)
                flight.finish()
            if flight.overtaken and not ep.parallel:
                ep.parallel = True
                log.info("poller: %s:%s answers requests in parallel; no request waits behind another",
                         ep.host, ep.port)
            self._count(state, None, answer.latency_s)
            state.late = state.late or answer.late
            state.latency_s += answer.latency_s
            values.update(decode_block(block, answer.values))
        return values

    # -- outcomes -------------------------------------------------------------------

    def _change(self, state: DeviceState, status: str, detail: str = "",
                level: int = logging.WARNING, fault: str = "") -> None:
        log.log(level, "device %s: %s%s", state.config.device_id, status,
                f" ({detail})" if detail else "")
        self._buffer.changes.append(StatusChange(state.config.device_id, time.time(), status, detail, fault))

    def _on_success(self, state: DeviceState, values: dict[str, tuple], latency: float) -> None:
        if state.late:
            self._set_fault(state, PollFailure("slow", f"answered after {latency:.2f} s"))
        elif state.fault is not None:
            self._change(state, "recovered", f"after {state.fault}", logging.INFO)
            state.fault = None
        if state.status != "online":
            # First contact is routine; coming back from offline is news.
            level = logging.INFO if state.status == "offline" else logging.DEBUG
            self._change(state, "online", "", level)
            state.status = "online"
        state.missed = 0
        state.last_ok = time.time()
        points = {p.name: p for p in state.map.points}
        reset = [n for n, p in points.items() if p.counter and n in state.counters
                 and values[n][1] < state.counters[n]]
        if reset:
            self._change(state, "counter_reset", "device rebooted? " + ", ".join(reset))
        state.counters = {n: values[n][1] for n, p in points.items() if p.counter}
        bad = frozenset(n for n, (_, v) in values.items() if not points[n].in_range(v))
        for name in sorted(bad - state.out_of_range):
            self._change(state, "out_of_range", f"{name}={values[name][1]}")
        for name in sorted(state.out_of_range - bad):
            self._change(state, "in_range", name, logging.INFO)
        state.out_of_range = bad
        self._buffer.readings.append(Reading(
            state.config.device_id, state.config.model, state.last_ok,
            {n: v for n, (_, v) in values.items()}, {n: r for n, (r, _) in values.items()},
            tuple(sorted(bad)), latency))
        self._trim_buffer()

    def _set_fault(self, state: DeviceState, failure: PollFailure) -> None:
        if state.fault != failure.fault:
            self._change(state, "fault", str(failure), fault=failure.fault)
            state.fault = failure.fault

    def _on_failure(self, state: DeviceState, failure: PollFailure) -> None:
        self._set_fault(state, failure)
        if not failure.offline:
            return  # it answers: a named fault, not an offline device
        state.missed += 1
        if state.missed >= self.config.offline_after and state.status != "offline":
            self._change(state, "offline", f"{state.missed} polls missed")
            state.status = "offline"

    def _trim_buffer(self) -> None:
        # A sink that is down must not eat the poller's memory; keep the newest rows.
        excess = len(self._buffer.readings) - self.config.max_buffer
        if excess > 0:
            del self._buffer.readings[:excess]

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_interval_s)
            await self._flush()

    async def _flush(self, comm: bool = False) -> None:
        batch, self._buffer = self._buffer, Batch()
        if comm or time.monotonic() - self._last_comm >= self.config.comm_flush_s:
            # Counters ride along every comm_flush_s: a few rows, not one write per poll.
            batch.comm.extend(self._comm.take())
            self._last_comm = time.monotonic()
        recent = time.monotonic() - self._last_write < self.config.idle_write_s
        if not batch.readings and not batch.changes and not batch.comm and recent:
            return
        self._last_write = time.monotonic()
        try:
            await self.sink.write(batch)
        except Exception as exc:  # the sink's outage is logged once and retried
            self._sink_faults.failed(exc, "keeping the rows to retry")
            batch.readings.extend(self._buffer.readings)
            batch.changes.extend(self._buffer.changes)
            batch.comm = merge_counts(batch.comm + self._buffer.comm)  # one per device, however long
            self._buffer = batch
            self._trim_buffer()
            return
        self._sink_faults.ok()


async def wait_until(predicate: Callable[[], object], timeout_s: float = 5.0, step_s: float = 0.02) -> bool:
    """Poll a zero-argument callable until it is truthy; for tests and scripts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step_s)
    return bool(predicate())


__all__ = ["PollStats", "Poller", "PollerConfig", "wait_until"]
