"""A poller that cannot renew its leases stops polling before another poller could take them, and resumes after."""

from __future__ import annotations

import asyncio
import time

from devices.datatypes import DeviceConfig, MemorySink
from devices.leases import LeaseBook, LeaseConfig
from devices.poller import Poller, PollerConfig, wait_until
from devices.pollgroup import PollerGroupMember
from layers.db import engine_for
from tests.helpers.modbus import free_ports

LEASES = LeaseConfig(ttl_s=3.0, renew_s=0.3, margin_s=1.0)
COIL_READ = 1


def test_lost_database_stops_polling_before_the_lease_expires_and_polling_resumes(isolated_database_url, peer,
                                                                                 ports) -> None:  # noqa: ANN001
    (port,) = ports(1)
    gateway = peer(port)
    engine = engine_for(isolated_database_url)
    (nowhere,) = free_ports(1)  # nothing listens there: the database is unreachable
    lost = engine_for(f"postgresql://webgis@127.0.0.1:{nowhere}/medan")
    poller = Poller([], MemorySink(), PollerConfig(timeout_s=0.3, retries=0, flush_interval_s=0.1))
    member = PollerGroupMember(poller, LeaseBook(engine, "lonely", LEASES),
                               [DeviceConfig("gw/1", "lpju_solar_v1", "127.0.0.1", port, 1, 0.2)])

    def polls_since(t: float) -> int:
        return sum(1 for when, function, _ in list(gateway.unit(1).log) if function == COIL_READ and when >= t)

    async def scenario() -> tuple[float, float]:
        await poller.start()
        renewing = asyncio.create_task(member.run())
        try:
            assert await wait_until(lambda: polls_since(0) >= 3, 10)
            member.book.engine = lost  # the database goes away for this poller
            gone = time.monotonic()
            assert await wait_until(lambda: not member.held, LEASES.ttl_s + 2)
            stopped = time.monotonic()
            await asyncio.sleep(1.0)
            quiet = polls_since(stopped + 0.3)  # an answer in flight may land just after
            member.book.engine = engine  # back
            assert await wait_until(lambda: polls_since(time.monotonic() - 0.5) > 0 and member.held, 10)
            assert quiet == 0
            return gone, stopped
        finally:
            renewing.cancel()
            await member.leave()
            await poller.stop()

    gone, stopped = asyncio.run(scenario())
    # Stopped before the lease could expire in the database (ttl after the last renewal began).
    assert stopped - gone <= LEASES.ttl_s - LEASES.margin_s + 0.3, stopped - gone
    lost.dispose()
    engine.dispose()
