"""The poller's side of the wire: connections per endpoint and one device's reads.

A mixin of devices.poller.Poller. Connections are opened lazily per (endpoint, slot),
backed off when refused, shared by every lane on a single-connection gateway (and lent
to commands there, devices/gatewaylink.py); a read names its failure (PollFailure).
A Modbus TCP gateway is single unless PollerConfig.connections_per_endpoint allows more.
"""

from __future__ import annotations

import heapq
import logging
import random
import time

from devices.diagnostics import CommLedger
from devices.modbustcp import Flight, ModbusTcpConnection
from devices.pollconfig import PollerConfig
from devices.pollstate import DeviceState, Endpoint, PollFailure
from devices.registermap import decode_block

log = logging.getLogger("devices.poller")


class Connections:
    """Connections and reads; the Poller provides the state below."""

    config: PollerConfig
    rng: random.Random
    endpoints: dict[tuple[str, int], Endpoint]
    _comm: CommLedger

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
            await client.ensure_connected()
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

    async def lent_request(self, host: str, port: int, unit: int, pdu: bytes) -> bytes:
        """A command's request on a single-connection gateway's one connection (devices/gatewaylink.py).

        Counted in flight like a poll's, so a poll sent behind it at a gateway that answers one
        request at a time is not blamed for the wait; the answer PDU (an exception one included),
        PollFailure when none came.
        """
        ep = self.endpoints[(host, port)]
        client = await self._client(ep, 0)
        ahead, flight = (() if ep.parallel else tuple(ep.in_flight)), Flight()
        ep.in_flight.add(flight)
        try:
            return await client.transact(unit, pdu, ahead, lambda: 0.0 if ep.parallel else ep.busy_until, flight)
        except PollFailure as failure:
            if failure.kind == "timeout":  # the gateway may still be busy with it for a while
                ep.busy_until = time.monotonic() + client.timeout_s + client.grace_s
            raise
        finally:
            ep.in_flight.discard(flight)
            flight.finish()

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
        # The device's own timeout, per request: the connection may be shared by both lanes.
        timeouts = self._timeouts(state)
        values: dict[str, tuple] = {}
        state.late, state.latency_s = False, 0.0
        for block in state.map.blocks:
            # A gateway answers one request at a time: the requests in flight before this one
            # are ahead of it, and its clock starts when they are done (see ModbusTcpConnection).
            ahead, flight = (() if ep.parallel else tuple(ep.in_flight)), Flight()
            ep.in_flight.add(flight)
            try:
                answer = await client.read(state.config.unit, block.function, block.start, block.count, ahead,
                                           lambda: 0.0 if ep.parallel else ep.busy_until, timeouts, flight)
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
