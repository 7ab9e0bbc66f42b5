"""Per-device polling settings, communication counters and availability, against a misbehaving peer."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from devices.datatypes import Batch, DeviceConfig, MemorySink
from devices.diagnostics import availability, comm_counters, merge_counts, offline_periods
from devices.poller import Poller, PollerConfig, wait_until
from devices.registermap import RegisterMapError, load_maps, parse_map
from devices.registry import read_fleet
from devices.store import PostgisSink
from layers import read_layer, update_feature
from layers.db import engine_for

LIGHT = "lpju_solar_v1"
# unit -> (behaviour, options)
UNITS = {1: ("ok", {}), 2: ("exception", {"code": 2}), 3: ("garbage", {}), 4: ("silent", {}),
         5: ("exception", {"code": 6})}
COUNTERS = PollerConfig(timeout_s=0.2, retries=0, offline_after=1000, flush_interval_s=0.05, idle_write_s=0.1,
                        comm_flush_s=0.5)


class CountingSink:
    """A sink in front of another that counts the writes carrying counters."""

    def __init__(self, inner: PostgisSink) -> None:
        self.inner, self.comm_writes = inner, 0

    async def write(self, batch: Batch) -> None:
        self.comm_writes += bool(batch.comm)
        await self.inner.write(batch)


def test_counters_name_every_outcome_and_are_stored_in_few_writes(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port, serial=False)
    devices = []
    for unit, (kind, options) in UNITS.items():
        gateway.behave(unit, kind, **options)
        devices.append(DeviceConfig(f"127.0.0.1:{port}/{unit}", LIGHT, "127.0.0.1", port, unit, 0.25))
    sink = CountingSink(PostgisSink(engine, alarms=False))
    run_s = 3.0
    asyncio.run(Poller(devices, sink, COUNTERS).run(run_s))
    stored = {u: comm_counters(engine, d.device_id) for u, d in zip(UNITS, devices, strict=True)}
    seen = {u: gateway.unit(u).requests for u in UNITS}
    for unit, row in stored.items():
        # Every request the peer saw is counted (one may be cut off by the stop).
        assert row is not None and 0 <= seen[unit] - row["requests"] <= 2, (unit, seen[unit], row)
        assert row["requests"] >= (3 if UNITS[unit][0] == "silent" else 5), (unit, row)  # a timeout takes 0.4 s
    ok, address, garbage, silent, busy = (stored[u] for u in UNITS)
    assert ok["ok"] == ok["requests"] and ok["timeouts"] == ok["garbled"] == 0 and ok["last_rtt_ms"] > 0
    assert address["exceptions"] == {"exception 2 (illegal data address)": address["requests"]}
    assert busy["exceptions"] == {"exception 6 (server device busy)": busy["requests"]}
    assert garbage["garbled"] == garbage["requests"] and garbage["ok"] == 0
    assert silent["timeouts"] == silent["requests"] and silent["last_rtt_ms"] is None
    # Counted in memory, written every comm_flush_s: a handful of writes for hundreds of requests.
    total = sum(r["requests"] for r in stored.values())
    assert sink.comm_writes <= run_s / COUNTERS.comm_flush_s + 2 and total >= 5 * sink.comm_writes


def test_per_device_timeout_and_retries_are_honoured(peer, ports) -> None:  # noqa: ANN001
    first, second = ports(2)
    peer(first, serial=False).behave(1, "silent")
    peer(second, serial=False).behave(1, "silent")
    # The poller's own timeout (1 s, grace 1 s) would allow one attempt per poll at most.
    config = PollerConfig(timeout_s=1.0, retries=1, offline_after=1000, flush_interval_s=0.05, comm_flush_s=0.2,
                          quarantine=False)
    sinks = {"retries-2": MemorySink(), "retries-0": MemorySink()}
    pollers = {
        "retries-2": Poller([DeviceConfig("retries-2", LIGHT, "127.0.0.1", first, 1, 2.0, timeout_s=0.1, retries=2)],
                            sinks["retries-2"], config),
        "retries-0": Poller([DeviceConfig("retries-0", LIGHT, "127.0.0.1", second, 1, 0.5, timeout_s=0.1, retries=0)],
                            sinks["retries-0"], config)}

    async def both() -> None:
        await asyncio.gather(*(p.run(4.5) for p in pollers.values()))

    asyncio.run(both())
    for device, retries in (("retries-2", 2), ("retries-0", 0)):
        (counts,) = merge_counts(sinks[device].comm)
        polls = pollers[device].stats.polled
        # Every finished poll tried 1 + retries times; the stop may cut one more poll short.
        assert (1 + retries) * polls <= counts.timeouts <= (1 + retries) * polls + retries, (device, polls, counts)
    assert pollers["retries-0"].stats.polled >= 6  # 0.2 s per timed-out request, not the poller's 2 s


def test_polling_settings_come_from_the_device_else_its_model(isolated_database_url, monkeypatch) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    lights = [r for r in read_fleet(engine) if r.model == LIGHT][:2]
    assert lights[0].timeout_s is None and lights[0].retries is None  # nothing declared: the poller's
    fid = int(read_layer(engine, lights[0].layer, where={"kode": lights[0].code}, columns=[]).index[0])
    update_feature(engine, lights[0].layer, fid, {"type": "Feature", "properties": {
        "poll_timeout_s": 0.4, "poll_retries": 3}}, actor="test:setup", partial=True)
    maps = {m: dataclasses.replace(rm, polling={"timeout_s": 2.5, "retries": 0, "interval_s": 60})
            for m, rm in load_maps().items()}
    monkeypatch.setattr("devices.registry.load_maps", lambda: maps)
    by_code = {r.code: r for r in read_fleet(engine)}
    own, model = by_code[lights[0].code], by_code[lights[1].code]
    assert (own.timeout_s, own.retries) == (0.4, 3)  # the device's properties win
    assert (model.timeout_s, model.retries) == (2.5, 0)  # else the model's declared defaults
    assert own.config().timeout_s == 0.4 and model.config().retries == 0


@pytest.mark.parametrize("polling", [{"retries": 1.5}, {"timeout_s": 0}, {"timeout_s": 31}, {"every": 3},
                                     {"retries": True}, "fast"])
def test_a_register_map_refuses_unusable_polling_defaults(polling) -> None:  # noqa: ANN001
    data = {"model": "m", "points": [{"name": "p", "function": "input", "address": 0, "type": "uint16"}],
            "polling": polling}
    with pytest.raises(RegisterMapError, match="polling"):
        parse_map(data)


def _events(engine, device: str, events: list[tuple[str, datetime]]) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        for status, at in events:
            conn.execute(text("INSERT INTO devices.status_events (time, device_id, status) VALUES (:t, :d, :s)"),
                         {"t": at, "d": device, "s": status})


def test_availability_per_day_and_month_counts_only_the_observed_time(isolated_database_url) -> None:  # noqa: ANN001
    engine = engine_for(isolated_database_url)
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    day = timedelta(days=1)
    midnight = now.replace(hour=0)
    _events(engine, "t/avail", [
        ("online", midnight - 3 * day),                        # first seen 27 Feb 00:00
        ("offline", midnight - 2 * day + timedelta(hours=12)),  # 28 Feb 12:00 ...
        ("online", midnight - day + timedelta(hours=6)),        # ... to 1 Mar 06:00
        ("offline", now - timedelta(hours=3)),                  # and since 09:00 today
    ])
    result = availability(engine, "t/avail", days=5, months=2, now=now)
    days = {d["period"]: d["availability"] for d in result["days"]}
    assert days == {"2026-03-02": 75.0, "2026-03-01": 75.0, "2026-02-28": 50.0, "2026-02-27": 100.0,
                    "2026-02-26": None}
    months = {m["period"]: m for m in result["months"]}
    assert months["2026-03"]["offline_s"] == 9 * 3600 and months["2026-03"]["observed_s"] == 36 * 3600
    assert months["2026-02"]["availability"] == pytest.approx(100 * (1 - 12 / 48), abs=0.001)
    ends = [p["end"] and datetime.fromisoformat(p["end"]) for p in result["periods"]]
    assert ends == [None, midnight - day + timedelta(hours=6)]
    assert result["period_count"] == 2


def test_an_outage_of_a_device_appears_as_an_offline_period(isolated_database_url, peer, ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    engine = engine_for(isolated_database_url)
    gateway = peer(port, serial=False)
    device = DeviceConfig("t/outage", LIGHT, "127.0.0.1", port, 1, 0.2)
    sink = PostgisSink(engine, alarms=False)
    config = PollerConfig(timeout_s=0.2, retries=0, offline_after=2, offline_probe_s=0.2, flush_interval_s=0.05,
                          comm_flush_s=0.2)
    poller = Poller([device], sink, config)

    async def run() -> tuple[float, float]:
        await poller.start()
        try:
            assert await wait_until(lambda: poller.states["t/outage"].status == "online", 5)
            gateway.behave(1, "silent")
            assert await wait_until(lambda: poller.states["t/outage"].status == "offline", 5)
            down = datetime.now(UTC).timestamp()
            await asyncio.sleep(1.0)
            gateway.behave(1, "ok")
            assert await wait_until(lambda: poller.states["t/outage"].status == "online", 5)
            return down, datetime.now(UTC).timestamp()
        finally:
            await poller.stop()

    down, up = asyncio.run(run())
    periods, first = offline_periods(engine, "t/outage", datetime.now(UTC) - timedelta(hours=1))
    assert first is not None and len(periods) == 1
    start, end = periods[0]
    assert end is not None and 0.9 <= (end - start).total_seconds() <= (up - down) + 0.5
    today = availability(engine, "t/outage", days=1, months=1)["days"][0]
    assert 0 < today["availability"] < 100 and today["offline_s"] >= 1
