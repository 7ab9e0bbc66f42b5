"""Alarm state changes hands with the gateway: the poller that takes a dead poller's gateway carries on its alarms."""

from __future__ import annotations

import asyncio
import dataclasses

from devices.alarms import alarm_history, list_alarms
from devices.leases import LeaseBook, LeaseConfig, gateway_key
from devices.poller import Poller, PollerConfig, wait_until
from devices.pollgroup import PollerGroupMember
from devices.registry import DeviceRecord, read_fleet
from devices.rules import load_rules
from devices.store import PostgisSink
from layers.db import engine_for

FAST = PollerConfig(timeout_s=0.3, retries=0, offline_after=2, offline_probe_s=0.3, flush_interval_s=0.1,
                    idle_write_s=0.2)
LEASES = LeaseConfig(ttl_s=2.0, renew_s=0.3, margin_s=0.5)
OFFLINE_FOR_S = 1.0


def _light_on(engine, port: int) -> DeviceRecord:  # noqa: ANN001
    light = next(r for r in read_fleet(engine) if r.model == "lpju_solar_v1")
    return dataclasses.replace(light, host="127.0.0.1", port=port, unit=1, interval_s=0.2)


def _rules() -> dict:
    return {m: [dataclasses.replace(r, for_s=OFFLINE_FOR_S) if r.status == "offline" else r for r in rules]
            for m, rules in load_rules().items()}


def _member(engine, light: DeviceRecord, name: str) -> tuple[Poller, PollerGroupMember]:  # noqa: ANN001
    sink = PostgisSink(engine, devices=[light], rules=_rules())
    sink.set_owned([], set())  # as `python -m devices poll --group`: no device is ours until leased
    poller = Poller([], sink, FAST)
    return poller, PollerGroupMember(poller, LeaseBook(engine, name, LEASES), [light.config()], on_owned=sink.set_owned)


def test_the_poller_taking_over_clears_the_alarm_the_dead_one_opened(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port)
    gateway.behave(1, "silent")  # the lamp behind the gateway is dead
    gateway.set(1, "input", 0, 1250)  # once repaired: 12.5 V, 60 % charged (no battery alarm)
    gateway.set(1, "input", 1, 600)
    light = _light_on(engine, port)

    def active() -> list[dict]:
        return [a for a in list_alarms(engine, device=light.device_id) if a["rule"] == "offline"]

    async def scenario() -> None:
        (first_poller, first), (second_poller, second) = _member(engine, light, "A"), _member(engine, light, "B")
        await first_poller.start()
        await second_poller.start()
        first_renewing = asyncio.create_task(first.run())
        assert await wait_until(lambda: first.held, 5)
        second_renewing = asyncio.create_task(second.run())  # joins before the alarm opens: it knows nothing of it
        try:
            assert await wait_until(lambda: any(a["rule"] == "offline" for a in active()), 15)
            # The first poller dies: no goodbye, its lease just stops being renewed.
            first_renewing.cancel()
            await first_poller.stop()
            gateway.behave(1, "ok")  # the lamp is repaired while nobody polls it
            assert await wait_until(lambda: second.held == {gateway_key("127.0.0.1", port)}, 2 * LEASES.ttl_s + 2)
            # The second finds it answering: the offline alarm the first opened must clear, not linger.
            assert await wait_until(lambda: not active(), 10), [(a["id"], a["rule"], a["state"]) for a in list_alarms(engine, active=False, device=light.device_id)]
        finally:
            second_renewing.cancel()
            await second.leave()
            await second_poller.stop()

    asyncio.run(scenario())
    alarms = list_alarms(engine, active=False, device=light.device_id)
    offline = [a for a in alarms if a["rule"] == "offline"]
    assert len(offline) == 1  # one episode, one alarm: neither opened twice nor left open
    assert [e["event"] for e in alarm_history(engine, offline[0]["id"])][:2] == ["open", "clear"]
