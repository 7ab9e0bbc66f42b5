"""What a poll leaves behind: status and fault transitions, readings, and their flush to the sink.

A mixin of devices.poller.Poller. Transitions are logged once each; rows are buffered
and handed to the sink every flush_interval_s, kept (newest first, bounded) while the
sink is down.
"""

from __future__ import annotations

import asyncio
import logging
import time

from devices.datatypes import Batch, Reading, Sink, StatusChange
from devices.diagnostics import CommLedger, merge_counts
from devices.faultlog import FaultLog
from devices.pollconfig import PollerConfig
from devices.pollmetrics import PollerMetrics
from devices.pollstate import DeviceState, PollFailure

log = logging.getLogger("devices.poller")


class Outcomes:
    """Status changes, readings and the sink; the Poller provides the state below."""

    config: PollerConfig
    sink: Sink
    _buffer: Batch
    _sink_faults: FaultLog
    _comm: CommLedger
    _last_comm: float
    _last_write: float
    states: dict[str, DeviceState]
    metrics: PollerMetrics | None

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
        if self.metrics is not None:
            self.metrics.buffered.set(len(self._buffer.readings))
            self.metrics.devices.set(len(self.states))
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
