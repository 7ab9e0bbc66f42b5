"""A write whose answer is lost is never audited "failed": it is re-read, or left unconfirmed and settled by the polls."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from devices.commands import CommandUnconfirmed, command_log, send
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import DeviceRecord, find_device, read_fleet
from devices.store import PostgisSink
from layers import read_layer, update_feature
from layers.db import engine_for
from layers.registry import get_registry

FAST = PollerConfig(timeout_s=0.5, retries=0, flush_interval_s=0.05, idle_write_s=0.1)
UNIT = 2


@pytest.fixture
def controller(isolated_database_url, peer, ports):  # noqa: ANN001, ANN201
    """A registered ATCS controller moved (through the layers API) onto a misbehaving peer."""
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    atcs = next(r for r in read_fleet(engine) if r.model == "atcs_controller_v1")
    key = get_registry().get(atcs.layer).key
    fid = int(read_layer(engine, atcs.layer, where={key: atcs.code}, columns=[]).index[0])
    update_feature(engine, atcs.layer, fid, {"type": "Feature", "properties": {
        "modbus_host": "127.0.0.1", "modbus_port": port, "modbus_unit": UNIT}}, actor="test:setup", partial=True)
    gateway = peer(port, serial=False)
    for address, value in enumerate((1, 130, 31, 25, 31, 25)):  # plan, cycle 130 s, greens N E S W
        gateway.set(UNIT, "holding", address, value)
    gateway.set(UNIT, "input", 0, 1)  # current phase 1
    return engine, gateway, find_device(engine, atcs.layer, atcs.code)


def _poll(engine, device: DeviceRecord, until, timeout_s: float, window_s: float = 60.0) -> bool:  # noqa: ANN001
    sink = PostgisSink(engine, devices=[device], alarms=False, confirm_window_s=window_s)
    poller = Poller([dataclasses.replace(device, interval_s=0.2).config()], sink, FAST)

    async def run() -> bool:
        await poller.start()
        try:
            return await wait_until(until, timeout_s)
        finally:
            await poller.stop()

    return asyncio.run(run())


def test_an_applied_write_whose_answer_is_late_is_ok_by_re_read(controller) -> None:  # noqa: ANN001
    engine, gateway, atcs = controller
    gateway.behave(UNIT, "write_slow", delay_s=3.0)  # applies at once, answers too late
    result = send(engine, atcs.layer, atcs.code, "green_north", 44, "operator:ani", timeout_s=0.5)
    assert (result.result, result.previous, result.read_back) == ("ok", 31, 44)
    assert "re-read" in result.detail
    assert command_log(engine, atcs.device_id)[0]["result"] == "ok"


def test_a_write_applied_later_is_unconfirmed_then_settled_ok_by_the_polls(controller) -> None:  # noqa: ANN001
    engine, gateway, atcs = controller
    # The controller takes 2 s to apply the new green and answers after 3 s (the 31 -> 44).
    gateway.behave(UNIT, "write_slow", delay_s=3.0, apply_after_s=2.0)
    with pytest.raises(CommandUnconfirmed) as caught:
        send(engine, atcs.layer, atcs.code, "green_north", 44, "operator:ani", timeout_s=0.5)
    outcome = caught.value.result
    assert outcome.result == "unconfirmed" and "do not send it again" in outcome.detail
    assert command_log(engine, atcs.device_id)[0]["result"] == "unconfirmed"
    assert _poll(engine, atcs, lambda: command_log(engine, atcs.device_id)[0]["result"] != "unconfirmed", 6)
    row = command_log(engine, atcs.device_id)[0]
    assert (row["result"], row["read_back"]) == ("ok", 44) and row["settled_at"] is not None
    assert "confirmed by the poll" in row["detail"]


def test_a_lost_write_is_unconfirmed_then_failed_when_the_polls_never_show_it(controller) -> None:  # noqa: ANN001
    engine, gateway, atcs = controller
    gateway.behave(UNIT, "write_lost")
    with pytest.raises(CommandUnconfirmed):
        send(engine, atcs.layer, atcs.code, "green_north", 44, "operator:ani", timeout_s=0.5)
    assert _poll(engine, atcs, lambda: command_log(engine, atcs.device_id)[0]["result"] != "unconfirmed", 6,
                 window_s=1.0)
    row = command_log(engine, atcs.device_id)[0]
    assert (row["result"], row["read_back"]) == ("failed", 31) and "safe to send again" in row["detail"]
    assert gateway.get(UNIT, "holding", 2) == 31
