"""The poller follows the registry while running: devices added, moved and retired through the core's write API."""

from __future__ import annotations

import asyncio

from devices.poller import Poller, wait_until
from devices.registry import device_layers, follow_registry, read_fleet
from devices.simulator import FleetEntry
from devices.store import PostgisSink
from layers import insert_features, load_frame, read_layer, update_feature
from layers.db import engine_for
from tests.helpers.operator import FAST

LAYER, MODEL = "street_lights", "lpju_solar_v1"


def _retire_all_but_one(engine, port: int) -> str:  # noqa: ANN001
    """Leave one light active, on unit 1 of the test's simulator; returns its code."""
    frame = read_layer(engine, LAYER, include_private=True)
    frame["status"] = "nonaktif"
    frame.loc[frame.index[0], ["status", "modbus_host", "modbus_port", "modbus_unit", "poll_interval_s"]] = [
        "aktif", "127.0.0.1", port, 1, 0.2]
    for layer in (spec.id for spec in device_layers() if spec.id != LAYER):  # every other device layer
        other = read_layer(engine, layer, include_private=True)
        other["status"] = "nonaktif"
        load_frame(engine, layer, other.reset_index(drop=True), actor="test:setup", mode="upsert")
    load_frame(engine, LAYER, frame.reset_index(drop=True), actor="test:setup", mode="upsert")
    return str(frame["kode"].iloc[0])


def _fid(engine, code: str) -> int:  # noqa: ANN001
    return int(read_layer(engine, LAYER, where={"kode": code}, columns=[]).index[0])


def test_devices_added_moved_and_retired_are_polled_without_a_restart(isolated_database_url, simulator,  # noqa: ANN001
                                                                      ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    first = _retire_all_but_one(engine, port)
    sim = simulator([FleetEntry(port, u, MODEL) for u in (1, 2, 3)])
    records = read_fleet(engine)
    assert [r.code for r in records] == [first]
    sink = PostgisSink(engine, devices=records, alarms=False)
    poller = Poller([r.config() for r in records], sink, FAST)

    def apply(new_records: list) -> None:
        poller.set_devices([r.config() for r in new_records])
        sink.set_devices(new_records)

    def requests(unit: int) -> int:
        return sim.device(port, unit).requests

    async def scenario() -> None:
        await poller.start()
        watcher = asyncio.create_task(follow_registry(engine, apply, every_s=0.3))
        try:
            assert await wait_until(lambda: requests(1) > 0, 5)
            # Added: a new light registered through the write API, on unit 2.
            insert_features(engine, LAYER, [{"type": "Feature", "geometry": {"type": "Point",
                                                                             "coordinates": [98.67, 3.59]},
                "properties": {"kode": "LPJU-TEST", "nama": "Lampu uji", "model": MODEL, "status": "aktif",
                               "modbus_host": "127.0.0.1", "modbus_port": port, "modbus_unit": 2,
                               "poll_interval_s": 0.2}}], actor="operator:test")
            assert await wait_until(lambda: f"{LAYER}/LPJU-TEST" in poller.states and requests(2) > 0, 5)
            # Moved: the first light now answers on unit 3; unit 1 is polled no more.
            update_feature(engine, LAYER, _fid(engine, first), {"type": "Feature", "properties": {"modbus_unit": 3}},
                           actor="operator:test", partial=True)
            assert await wait_until(lambda: poller.states[f"{LAYER}/{first}"].config.unit == 3
                                    and requests(3) > 0, 5)
            at_move = requests(1)
            # Retired: status nonaktif takes the new light off the schedule.
            update_feature(engine, LAYER, _fid(engine, "LPJU-TEST"), {"type": "Feature",
                           "properties": {"status": "nonaktif"}}, actor="operator:test", partial=True)
            assert await wait_until(lambda: f"{LAYER}/LPJU-TEST" not in poller.states, 5)
            await asyncio.sleep(0.3)  # a poll already in flight may still land
            retired_at, unit3_at = requests(2), requests(3)
            await asyncio.sleep(1.0)
            assert requests(2) == retired_at, "a retired device is still polled"
            assert requests(3) > unit3_at, "the moved device is not polled at its new address"
            assert requests(1) <= at_move + 2, "the old address of a moved device is still polled"
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            await poller.stop()

    asyncio.run(scenario())
    with engine.connect() as conn:
        from sqlalchemy import text

        polled = {r.device_id for r in conn.execute(text("SELECT DISTINCT device_id FROM devices.telemetry"))}
    assert polled == {f"{LAYER}/{first}", f"{LAYER}/LPJU-TEST"}
