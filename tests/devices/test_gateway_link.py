"""A gateway that allows one TCP connection: polls and an operator's command share the poller's."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from pymodbus.exceptions import ModbusException

from devices.commands import CommandFailed, read_point, send
from devices.datatypes import DeviceConfig, MemorySink
from devices.gatewaylink import Lender, lent_connection
from devices.poller import Poller, PollerConfig, wait_until
from layers import read_layer, update_feature
from layers.db import engine_for
from tests.helpers.operator import readdress

CONFIG = PollerConfig(timeout_s=0.5, retries=0, offline_after=3, flush_interval_s=0.05)


def test_a_command_goes_out_on_the_pollers_connection_while_polling_goes_on(isolated_database_url, peer,
                                                                             ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    converter = peer(port, serial=True, framing="rtu", max_connections=1)
    engine = engine_for(isolated_database_url)
    light = readdress(engine, port, ("lpju_solar_v1",), interval_s=0.2)["lpju_solar_v1"]
    fid = int(read_layer(engine, light.layer, where={"kode": light.code}, columns=[]).index[0])
    update_feature(engine, light.layer, fid, {"type": "Feature", "properties": {"modbus_transport": "rtu_over_tcp"}},
                   actor="test:setup", partial=True)
    light = dataclasses.replace(light, transport="rtu_over_tcp")
    neighbours = [DeviceConfig(f"rtu/{u}", "lpju_solar_v1", "127.0.0.1", port, u, 0.2, transport="rtu_over_tcp") for u in (2, 3)]
    sink = MemorySink()
    poller = Poller([light.config(), *neighbours], sink, CONFIG)
    lender = Lender(poller, engine)

    def polls() -> int:
        return sum(1 for r in sink.readings if r.device_id.startswith("rtu/"))

    async def scenario() -> tuple[int, int, object]:
        await poller.start()
        try:
            assert await wait_until(lambda: polls() >= 6, 5)
            # Without the lent connection a command's own connection is refused by the converter.
            with pytest.raises(CommandFailed) as refused:
                await asyncio.to_thread(send, engine, light.layer, light.code, "dim_level", 25, "operator:test")
            assert refused.value.result.result == "failed" and converter.rejected >= 1
            assert converter.get(1, "holding", 0) == 0  # nothing written
            await lender.refresh()
            assert lent_connection(engine, "127.0.0.1", port) == ("127.0.0.1", lender.links[("127.0.0.1", port)].link_port)
            rejected, before = converter.rejected, polls()
            result = await asyncio.to_thread(send, engine, light.layer, light.code, "dim_level", 40, "operator:test")
            assert await wait_until(lambda: polls() >= before + 4, 5)
            return rejected, before, result
        finally:
            await lender.stop()
            await poller.stop()

    rejected, before, result = asyncio.run(scenario())
    assert result.result == "ok" and result.read_back == 40, result
    assert converter.get(1, "holding", 0) == 40
    assert converter.rejected == rejected  # the command took no connection of its own
    assert converter.most_at_once == 1
    assert lent_connection(engine, "127.0.0.1", port) is None  # withdrawn when the poller stops
    assert all(poller.states[d.device_id].status == "online" for d in neighbours)


def test_a_gateway_that_is_down_answers_a_lent_command_with_modbus_exception_10(isolated_database_url, peer,
                                                                                ports) -> None:  # noqa: ANN001
    """The lent link used to close a command's connection when the poller could not reach the gateway,
    so the command saw a dropped connection; a Modbus gateway answers 'gateway path unavailable'."""
    (port,) = ports(1)
    converter = peer(port, serial=True, max_connections=1)
    engine = engine_for(isolated_database_url)
    light = readdress(engine, port, ("lpju_solar_v1",), interval_s=0.2)["lpju_solar_v1"]
    sink = MemorySink()
    poller = Poller([light.config()], sink, CONFIG)
    lender = Lender(poller, engine)

    async def scenario() -> tuple[str, str]:
        await poller.start()
        try:
            assert await wait_until(lambda: len(sink.readings) >= 2, 5)
            await lender.refresh()
            converter.down()  # the gateway goes away; the poller's link stays published
            assert await wait_until(lambda: poller.states[light.device_id].fault == "connection", 5)
            with pytest.raises(ModbusException) as read:
                await asyncio.to_thread(read_point, engine, light.layer, light.code, "dim_level", timeout_s=2.0)
            with pytest.raises(CommandFailed) as write:
                await asyncio.to_thread(send, engine, light.layer, light.code, "dim_level", 30, "operator:test")
            return str(read.value), write.value.result.detail
        finally:
            await lender.stop()
            await poller.stop()

    read_error, write_detail = asyncio.run(scenario())
    assert "exception 10 (gateway path unavailable)" in read_error
    assert "exception 10 (gateway path unavailable)" in write_detail
