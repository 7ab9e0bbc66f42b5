"""A Modbus TCP gateway that accepts ONE connection: both poll lanes and an operator's command share it.

Many Modbus TCP-to-RTU gateways accept a single TCP connection (or a few) and refuse or
drop the next. Before the fix the poller opened one connection per lane to a Modbus TCP
gateway (the healthy lane and the quarantine lane) and a command opened one more: the
gateway dropped the quarantine lane's (its units were reported as connection faults, not
as slow) and refused the command's (audited "failed" while the gateway was fine). Now
there is one connection per gateway: the lanes share it, matching answers by transaction
id (a late answer to an abandoned request is discarded, never taken for the next one),
and commands borrow it through the poller's link (devices/gatewaylink.py).
Measured before the fix: the command failed ("connection unexpectedly closed") and unit 9
was named "closed: connection closed by the peer"; after: one connection, the command ok.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from devices.commands import send
from devices.datatypes import DeviceConfig, MemorySink
from devices.gatewaylink import Lender
from devices.modbustcp import ModbusTcpConnection
from devices.poller import Poller, PollerConfig, wait_until
from devices.pollstate import DeviceState, Endpoint, PollFailure
from layers.db import engine_for
from tests.helpers.operator import readdress

HEALTHY = range(2, 8)  # unit 1 is the registered light the operator commands; healthy too
CONFIG = PollerConfig(timeout_s=0.3, late_grace_s=0.3, retries=0, offline_after=3, offline_probe_s=2.0,
                      flush_interval_s=0.05)


class SlotPoller(Poller):
    """Records each poll: device, lane, due time, end time, whether it gave a good reading."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.polls: list[tuple[str, str, float, float, bool]] = []

    async def _poll_once(self, ep: Endpoint, slot: int, state: DeviceState, due: float) -> None:
        answered_before, lane = state.last_ok, state.lane
        await super()._poll_once(ep, slot, state, due)
        self.polls.append((state.config.device_id, lane, due, time.monotonic(), state.last_ok != answered_before))


# drop: the gateway closes a second connection at once; steal: it keeps the new one and drops the old.
@pytest.mark.parametrize("over_limit", ["drop", "steal"])
def test_one_connection_to_a_tcp_gateway_serves_both_lanes_and_a_command(isolated_database_url, peer, ports,
                                                                         over_limit: str) -> None:  # noqa: ANN001
    (port,) = ports(1)
    # Modbus TCP in front of an RS-485 line, accepting one connection
    gateway = peer(port, serial=True, max_connections=1, over_limit=over_limit)
    engine = engine_for(isolated_database_url)
    light = readdress(engine, port, ("lpju_solar_v1",), interval_s=2.0)["lpju_solar_v1"]  # unit 1
    for unit in (1, *HEALTHY, 8, 9):
        gateway.set(unit, "input", 0, 1200 + unit)  # battery_voltage 12.0x V
    gateway.behave(8, "slow", delay_s=0.4)  # late but within the grace: quarantined, still read
    gateway.behave(9, "slow", delay_s=0.75)  # answers after the poller gave up: its answer comes late
    interval = 2.0
    fleet = [light.config(), *(DeviceConfig(f"gw/{u}", "lpju_solar_v1", "127.0.0.1", port, u, interval)
                               for u in (*HEALTHY, 8, 9))]
    sink = MemorySink()
    poller = SlotPoller(fleet, sink, CONFIG)
    lender = Lender(poller, engine)
    started: list[float] = []
    late: list[int] = []  # unit 9's late answers, recognised by their transaction id and dropped

    async def scenario() -> object:
        await poller.start()
        await lender.refresh()
        started.append(time.monotonic())
        try:
            assert await wait_until(lambda: poller.states["gw/8"].lane == poller.states["gw/9"].lane == "slow", 8)
            result = await asyncio.to_thread(send, engine, light.layer, light.code, "dim_level", 40, "operator:test")
            await asyncio.sleep(6.0)  # the lanes go on sharing the connection after the command
            late.append(poller.endpoints[("127.0.0.1", port)].clients[0].discarded)
            return result
        finally:
            await lender.stop()
            await poller.stop()

    result = asyncio.run(scenario())
    # The command went out on the poller's connection, was applied and audited ok.
    assert result.result == "ok" and result.read_back == 40, result
    assert gateway.get(1, "holding", 0) == 40
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT result, read_back FROM devices.commands WHERE id = :id"),
                               {"id": result.audit_id}).one()
    assert tuple(audited) == ("ok", 40.0)
    # One connection the whole time: nothing refused, nothing dropped and reopened.
    used = (gateway.rejected, gateway.stolen, gateway.connections, gateway.most_at_once)
    assert used == (0, 0, 1, 1), used
    # The quarantined units were polled in their lane, over that connection, and named for what they are.
    slow_lane = {p[0] for p in poller.polls if p[1] == "slow"}
    assert {"gw/8", "gw/9"} <= slow_lane, slow_lane
    assert any(r.device_id == "gw/8" for r in sink.readings)  # the late one still delivers
    assert poller.states["gw/8"].fault == "slow", poller.states["gw/8"].fault
    assert poller.states["gw/9"].fault == "no_answer", poller.states["gw/9"].fault
    assert late[0] >= 2, late
    # The healthy units keep their slots; unit 9's late answers are never taken for theirs.
    healthy = {light.device_id, *(f"gw/{u}" for u in HEALTHY)}
    for device in healthy:
        assert poller.states[device].lane == "main" and poller.states[device].status == "online", device
        faults = [c.detail for c in sink.changes if c.device_id == device and c.status in ("fault", "offline")]
        assert not [f for f in faults if not f.startswith("slow")], (device, faults)
    slots = [p for p in poller.polls if p[0] in healthy and p[2] >= started[0]]
    on_time = [p for p in slots if p[4] and p[3] <= p[2] + interval]
    assert len(on_time) >= 0.9 * len(slots) and len(slots) >= len(healthy) * 4, (len(on_time), len(slots))


def test_a_late_answer_is_dropped_by_its_transaction_id_and_the_connection_kept(peer, ports) -> None:  # noqa: ANN001
    """Issue 21 item 5 on a shared Modbus TCP connection: resynchronised by transaction id, not by reconnecting."""
    (port,) = ports(1)
    gateway = peer(port, serial=True, max_connections=1)
    gateway.set(1, "input", 0, 1201)
    gateway.set(2, "input", 0, 1202)
    gateway.behave(9, "slow", delay_s=0.5)  # answers after the client gave up on it

    async def scenario() -> tuple[list, list, int]:
        conn = ModbusTcpConnection("127.0.0.1", port, timeout_s=0.2, grace_s=0.1)
        try:
            with pytest.raises(PollFailure) as lost:
                await conn.read(9, "input", 0, 1)
            assert lost.value.kind == "timeout"
            # Sent at once, while unit 9's answer is still to come on this very connection.
            first = await conn.read(1, "input", 0, 1)
            # Pipelined: two requests in flight together, each answered with its own values.
            both = await asyncio.gather(conn.read(2, "input", 0, 1), conn.read(1, "input", 0, 1))
            return [first.values], [a.values for a in both], conn.discarded
        finally:
            conn.close()

    first, both, discarded = asyncio.run(scenario())
    assert first == [[1201]] and both == [[1202], [1201]]
    assert discarded == 1  # unit 9's late answer, known by its transaction id
    assert (gateway.connections, gateway.rejected) == (1, 0)


def test_answers_with_another_requests_transaction_id_blame_the_unit_that_sent_them(peer, ports) -> None:  # noqa: ANN001
    """A unit answering with a wrong transaction id (here: the next one's) is named, not its neighbour."""
    (port,) = ports(1)
    gateway = peer(port, serial=True)
    gateway.behave(6, "wrong_tid")
    gateway.set(7, "input", 0, 1207)

    async def scenario() -> list:
        conn = ModbusTcpConnection("127.0.0.1", port, timeout_s=0.3, grace_s=0.1)
        try:
            return await asyncio.gather(conn.read(6, "input", 0, 1), conn.read(7, "input", 0, 1),
                                        return_exceptions=True)
        finally:
            conn.close()

    wrong, neighbour = asyncio.run(scenario())
    assert isinstance(wrong, PollFailure) and wrong.kind == "garbled" and "transaction id" in wrong.detail, wrong
    # The neighbour's own answer came after the mislabelled one and is taken.
    assert not isinstance(neighbour, BaseException) and neighbour.values == [1207], neighbour
