"""Modbus RTU over TCP: a serial-to-Ethernet converter in transparent mode, that allows one connection."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from devices.datatypes import DeviceConfig, MemorySink
from devices.modbusrtu import crc16, rtu_frame
from devices.poller import Poller, PollerConfig, wait_until
from devices.registry import find_device, read_fleet
from layers import read_layer, update_feature
from layers.db import engine_for
from layers.errors import InvalidFeature

CONFIG = PollerConfig(timeout_s=0.3, late_grace_s=0.3, retries=0, offline_after=2, offline_probe_s=1.0,
                      flush_interval_s=0.05)


def _fleet(port: int, units, transport: str = "rtu_over_tcp") -> list[DeviceConfig]:  # noqa: ANN001
    return [DeviceConfig(f"rtu/{u}", "lpju_solar_v1", "127.0.0.1", port, u, 0.5, transport=transport) for u in units]


def test_rtu_frames_carry_the_crc_of_the_serial_line_specification() -> None:
    # Modbus over Serial Line v1.02: read one holding register of unit 1 is 01 03 00 00 00 01 84 0A.
    assert rtu_frame(1, bytes.fromhex("0300000001")) == bytes.fromhex("010300000001840a")
    assert crc16(bytes.fromhex("0103020064")) == int.from_bytes(rtu_frame(1, bytes.fromhex("03020064"))[-2:],
                                                                   "little")


def test_the_poller_reads_an_rtu_converter_that_allows_one_connection(peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    converter = peer(port, serial=True, framing="rtu", max_connections=1)
    for unit in (1, 2, 3):
        converter.set(unit, "input", 0, 1200 + unit)  # battery_voltage 12.01 .. 12.03 V
        converter.set(unit, "input", 1, 500 + unit)
    converter.behave(4, "silent")  # a dead unit on the line: timeouts, a resync, the slow lane
    converter.behave(5, "garbage")  # noise on the line: a CRC that does not match
    sink = MemorySink()
    poller = Poller(_fleet(port, range(1, 6)), sink, CONFIG)

    def healthy_read() -> bool:
        return all(sum(1 for r in sink.readings if r.device_id == f"rtu/{u}") >= 4 for u in (1, 2, 3))

    async def scenario() -> bool:
        await poller.start()
        try:
            return await wait_until(lambda: healthy_read() and poller.states["rtu/4"].status == "offline"
                                    and poller.states["rtu/5"].fault == "garbled", 10)
        finally:
            await poller.stop()

    done = asyncio.run(scenario())
    faults = {d: (s.status, s.fault) for d, s in poller.states.items()}
    assert done, (faults, poller.stats)
    for unit in (1, 2, 3):
        got = [r for r in sink.readings if r.device_id == f"rtu/{unit}"]
        assert got[-1].values["battery_voltage"] == (1200 + unit) / 100
        assert poller.states[f"rtu/{unit}"].status == "online"
    garbled = [c.detail for c in sink.changes if c.device_id == "rtu/5" and c.status == "fault"]
    assert any("CRC" in d or "RTU" in d for d in garbled), garbled
    # Every lane shared the one connection the converter allows: none was refused.
    assert converter.rejected == 0 and converter.most_at_once == 1


def test_modbus_tcp_framing_to_an_rtu_converter_is_no_answer(peer, ports) -> None:  # noqa: ANN001
    """The declared transport matters: MBAP frames sent to a converter in RTU mode get nothing back."""
    (port,) = ports(1)
    peer(port, framing="rtu")
    sink = MemorySink()
    poller = Poller(_fleet(port, [1], transport="tcp"), sink, CONFIG)
    asyncio.run(poller.run(2.0))
    assert not sink.readings


def test_the_transport_is_a_declared_validated_property_of_each_device(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    assert light.transport == "tcp"  # empty means Modbus TCP
    fid = int(read_layer(engine, light.layer, where={"kode": light.code}, columns=[]).index[0])
    with pytest.raises(InvalidFeature, match="modbus_transport"):
        update_feature(engine, light.layer, fid, {"type": "Feature", "properties": {"modbus_transport": "rtu"}},
                       actor="test", partial=True)
    update_feature(engine, light.layer, fid, {"type": "Feature", "properties": {"modbus_transport": "rtu_over_tcp"}},
                   actor="test", partial=True)
    found = find_device(engine, light.layer, light.code)
    assert found.transport == "rtu_over_tcp" and found.config().transport == "rtu_over_tcp"
    # A value written around the API is not guessed at: the device is not polled.
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE layers.{light.layer} SET modbus_transport = 'modbus-rtu' WHERE kode = :k"),
                     {"k": light.code})
    assert light.device_id not in {r.device_id for r in read_fleet(engine)}
